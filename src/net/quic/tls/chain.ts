// The certificate check of a QUIC handshake: the chain to a trusted authority and the name, against
// the trust store TLS over TCP uses (the system CAs, plus `--ca`). Over TCP OpenSSL does this inside
// the handshake; here the chain comes out of our own TLS messages, so it is built and checked with
// X509Certificate. The problems carry OpenSSL's codes, so quicFailure (net/errors) reads them as
// tlsFailure does over TCP.
import { X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import { certificateView } from '../../tls.js';
import { certificateOf, signedBy } from './x509.js';

export interface ChainProblem {
  code: string;
  message: string;
}

/** How far an issuer path is followed; real chains are two to four certificates. */
const MAX_DEPTH = 10;

const stores = new Map<string, Map<string, X509Certificate[]>>();

/** Trust anchors by subject, parsed once per set of extra CAs (the system's ~150 take milliseconds). */
function anchors(extraCa: string[]): Map<string, X509Certificate[]> {
  // Stryker disable next-line StringLiteral: a memo's key; PEM files end in a newline either way
  const key = extraCa.join('\n');
  let store = stores.get(key);
  // Stryker disable next-line ConditionalExpression: a memo; parsing again gives the same store
  if (!store) {
    store = new Map();
    for (const pem of [...tls.rootCertificates, ...extraCa.flatMap(splitPem)]) {
      const cert = new X509Certificate(pem);
      store.set(cert.subject, [...(store.get(cert.subject) ?? []), cert]);
    }
    stores.set(key, store);
  }
  return store;
}

const splitPem = (pem: string): string[] =>
  pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];

function validityProblem(cert: X509Certificate, now: Date): ChainProblem | undefined {
  if (now < new Date(cert.validFrom))
    return {
      code: 'CERT_NOT_YET_VALID',
      message: `the certificate of ${cert.subject.replace(/\n/g, ', ')} is not valid yet`,
    };
  if (now > new Date(cert.validTo))
    return {
      code: 'CERT_HAS_EXPIRED',
      message: `the certificate of ${cert.subject.replace(/\n/g, ', ')} has expired`,
    };
  return undefined;
}

/**
 * Why the chain (DER, leaf first, as the server sent it: maybe unordered, maybe with extras) does not
 * lead from a certificate valid for `host` to a trusted authority; undefined when it does.
 */
export function chainProblem(
  chainDer: Buffer[],
  host: string,
  extraCa: string[],
  now: Date,
): ChainProblem | undefined {
  let chain: X509Certificate[];
  try {
    chain = chainDer.map(certificateOf);
  } catch {
    return { code: 'ERR_X509_BAD_CERTIFICATE', message: 'the server sent a certificate that does not parse' };
  }
  const problem = pathProblem(chain, anchors(extraCa), now);
  if (problem) return problem;
  const name = tls.checkServerIdentity(host, certificateView(chain[0]) as tls.PeerCertificate);
  // checkServerIdentity's errors all have this code (node's lib/tls.js).
  return name ? { code: 'ERR_TLS_CERT_ALTNAME_INVALID', message: name.message } : undefined;
}

function pathProblem(
  chain: X509Certificate[],
  trusted: Map<string, X509Certificate[]>,
  now: Date,
): ChainProblem | undefined {
  let current = chain[0]!;
  const used = new Set([current]);
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    const invalid = validityProblem(current, now);
    if (invalid) return invalid;
    const anchor = trusted.get(current.issuer)?.find((a) => signedBy(current, a));
    if (anchor) return validityProblem(anchor, now);
    if (current.checkIssued(current)) {
      return depth === 0
        ? { code: 'DEPTH_ZERO_SELF_SIGNED_CERT', message: 'the certificate is self-signed' }
        : {
            code: 'SELF_SIGNED_CERT_IN_CHAIN',
            message: 'the chain ends in a self-signed certificate that is not trusted',
          };
    }
    const issuer = chain.find((c) => !used.has(c) && current.checkIssued(c));
    if (!issuer) {
      return {
        code: depth === 0 ? 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' : 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
        message: 'the certificate is signed by an unknown authority',
      };
    }
    if (!signedBy(current, issuer))
      return {
        code: 'CERT_SIGNATURE_FAILURE',
        message: `the signature of ${current.subject.replace(/\n/g, ', ')} does not verify`,
      };
    if (!issuer.ca)
      return {
        code: 'INVALID_CA',
        message: `${issuer.subject.replace(/\n/g, ', ')} signs certificates but is no CA`,
      };
    used.add(issuer);
    current = issuer;
  }
  return { code: 'CERT_CHAIN_TOO_LONG', message: `no trusted authority within ${MAX_DEPTH} certificates` };
}
