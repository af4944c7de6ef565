import net from 'node:net';
import tls from 'node:tls';
import type { X509Certificate } from 'node:crypto';
import type { Failure } from '../model/failure.js';
import { DeadlineError, tlsFailure } from './errors/classify.js';
import type { CertificateSummary } from '../model/observation.js';

export interface HandshakeOptions {
  /** The name the certificate must be valid for; also sent as SNI unless it is an IP literal. */
  host: string;
  /** Extra trusted CAs (PEM), added to the system ones. */
  ca?: string[];
  /**
   * False for a handshake whose certificate is for another name by design (the decoy): it is not
   * checked at all, and neither described nor judged in the result.
   */
  verify: boolean;
  timeoutMs: number;
}

export interface HandshakeResult {
  /** The secured socket, ready for HTTP; absent when the handshake or the (checked) certificate failed. */
  socket?: tls.TLSSocket;
  failure?: Failure;
  version?: string;
  cipher?: string;
  alpn?: string;
  certificate?: CertificateSummary;
}

/** What the name check and the summary read of the peer's certificate. */
export type CertificateView = Pick<
  tls.PeerCertificate,
  'subject' | 'issuer' | 'subjectaltname' | 'valid_from' | 'valid_to' | 'fingerprint256'
>;

/**
 * X509Certificate's "CN=a\nO=b" (values with RFC 2253 escapes) as Node's legacy object, which
 * `tls.checkServerIdentity` reads: a field given twice becomes a list, as there. A relative name
 * with several values has them on one line joined by " + "; a "+" in a value is escaped, so that
 * separator cannot occur inside one. An empty name is undefined.
 */
function distinguishedName(text: string | undefined): tls.Certificate {
  const fields: Record<string, string | string[]> = {};
  for (const line of (text ?? '').split('\n')) {
    // Most names have one value per line and nothing escaped: those skip the splitting and the pattern.
    for (const part of line.includes(' + ') ? line.split(' + ') : [line]) {
      const at = part.indexOf('=');
      if (at <= 0) continue;
      const key = part.slice(0, at);
      const value = unescapeValue(part.slice(at + 1));
      const before = fields[key];
      fields[key] = before === undefined ? value : [...(Array.isArray(before) ? before : [before]), value];
    }
  }
  return fields as unknown as tls.Certificate;
}

const unescapeValue = (value: string) =>
  value.includes('\\')
    ? value.replace(/\\([0-9A-Fa-f]{2}|.)/g, (_, c: string) =>
        c.length === 2 ? String.fromCharCode(parseInt(c, 16)) : c,
      )
    : value;

/** Reads only the fields used: each X509Certificate getter computes its own field, and no other. */
export function certificateView(x: X509Certificate | undefined): CertificateView | undefined {
  if (!x) return undefined;
  return {
    subject: distinguishedName(x.subject),
    issuer: distinguishedName(x.issuer),
    subjectaltname: x.subjectAltName ?? '',
    valid_from: x.validFrom,
    valid_to: x.validTo,
    fingerprint256: x.fingerprint256,
  };
}

export function summarize(cert: CertificateView | undefined): CertificateSummary | undefined {
  if (!cert?.subject) return undefined; // no certificate: the view is {}
  const name = (x: tls.Certificate) =>
    Object.entries(x)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(', ');
  return {
    subject: name(cert.subject),
    issuer: name(cert.issuer),
    valid_from: cert.valid_from,
    valid_to: cert.valid_to,
    subject_alt_names: cert.subjectaltname ?? '',
    fingerprint256: cert.fingerprint256,
  };
}

// Node reports why a chain was not trusted as a bare OpenSSL code; these are the common ones.
const CHAIN_PROBLEMS: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the certificate is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'the chain ends in a self-signed certificate that is not trusted',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the certificate is signed by an unknown authority',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the certificate is signed by an unknown authority',
  CERT_HAS_EXPIRED: 'the certificate has expired',
  CERT_NOT_YET_VALID: 'the certificate is not valid yet',
};

/**
 * Why the certificate cannot be trusted, if it cannot. The handshake runs with rejectUnauthorized
 * off so that an untrusted certificate (a censor's MITM, a captive portal) is still described in
 * the evidence; Node still verifies the chain, and the name through `checkIdentity` below.
 */
function certificateProblem(socket: tls.TLSSocket, nameProblem: Error | undefined): Failure | undefined {
  if (socket.authorized) return undefined;
  if (nameProblem) return tlsFailure(nameProblem);
  const code = String(socket.authorizationError);
  const err = Object.assign(new Error(CHAIN_PROBLEMS[code] ?? `the certificate is not trusted (${code})`), {
    code,
  });
  return tlsFailure(err);
}

const contexts = new Map<string, tls.SecureContext>();

/**
 * The trust store: the system CAs plus the extra ones, parsed once. Given as `ca` to every
 * connection instead, the ~150 system certificates would be parsed again for each handshake,
 * costing milliseconds of blocked event loop each.
 */
export function trustStore(extraCa: string[] = []): tls.SecureContext {
  const key = extraCa.join('\n');
  let context = contexts.get(key);
  if (!context) {
    context = tls.createSecureContext(
      extraCa.length > 0 ? { ca: [...tls.rootCertificates, ...extraCa] } : {},
    );
    contexts.set(key, context);
  }
  return context;
}

let trustNothing: tls.SecureContext | undefined;

/**
 * A trust store with no authority in it, for handshakes that do not check the certificate. OpenSSL's
 * chain check then fails at once, so Node neither copies the peer's chain into JS objects (its
 * getPeerCertificate(true) costs about a third of a client handshake's CPU) nor checks the name.
 */
function untrusting(): tls.SecureContext {
  trustNothing ??= tls.createSecureContext({ ca: [] });
  return trustNothing;
}

/**
 * Before Node calls `checkServerIdentity` it asks the socket for the peer's certificate, with its
 * whole issuer chain, as JS objects (`getPeerCertificate(true)`): every field of every certificate
 * (three fingerprints, the public key, a copy of the DER) and a new lookup of each issuer, about
 * 0.3 ms of CPU per handshake, a sixth of a target's. The name check reads the subject and the
 * alternative names: this socket's first ask gets just what is read, from the X509 certificate.
 * Later asks go to Node's own method again.
 */
function lightPeerCertificate(socket: tls.TLSSocket): void {
  Object.defineProperty(socket, 'getPeerCertificate', {
    configurable: true,
    value: () => {
      delete (socket as Partial<tls.TLSSocket>).getPeerCertificate;
      return peerView(socket) ?? {};
    },
  });
}

/**
 * The view of the peer's certificate, or Node's own object of it should reading the X509 form
 * throw: this runs inside Node's handshake callbacks, where a throw would end the whole run, and
 * the certificate is whatever the server (or a censor) chose to send.
 */
function peerView(socket: tls.TLSSocket): CertificateView | undefined {
  try {
    return certificateView(socket.getPeerX509Certificate());
  } catch {
    return tls.TLSSocket.prototype.getPeerCertificate.call(socket, false);
  }
}

/** Runs a TLS handshake over an open TCP socket, with a deadline, and checks the certificate if asked. */
export function handshake(tcp: net.Socket, opts: HandshakeOptions): Promise<HandshakeResult> {
  return new Promise((resolve) => {
    // Node calls this (only when the chain is trusted) with what lightPeerCertificate gave it: check
    // the target's name, which for an IP literal Node would not know, and keep the certificate.
    let seen: CertificateView | undefined;
    let nameProblem: Error | undefined;
    const checkIdentity = (_hostname: string, cert: CertificateView) => {
      seen = cert;
      nameProblem = tls.checkServerIdentity(opts.host, cert as tls.PeerCertificate); // it reads only the view's fields
      return nameProblem;
    };
    const secure = tls.connect({
      socket: tcp,
      servername: tlsServername(opts.host),
      secureContext: opts.verify ? trustStore(opts.ca) : untrusting(),
      ALPNProtocols: ['http/1.1'],
      rejectUnauthorized: false,
      checkServerIdentity: checkIdentity,
    });
    if (opts.verify) lightPeerCertificate(secure);
    const finish = (result: HandshakeResult) => {
      clearTimeout(timer);
      secure.removeListener('error', onError);
      if (!result.socket) secure.destroy();
      resolve(result);
    };
    const onError = (err: Error) => finish({ failure: tlsFailure(err) });
    const timer = setTimeout(
      () => finish({ failure: tlsFailure(new DeadlineError('TLS handshake', opts.timeoutMs)) }),
      opts.timeoutMs,
    );
    secure.once('error', onError);
    secure.once('secureConnect', () => {
      const info: HandshakeResult = {
        version: secure.getProtocol() ?? undefined,
        cipher: secure.getCipher()?.name,
        alpn: secure.alpnProtocol || undefined,
      };
      secure.on('error', () => {}); // later errors belong to whoever uses the socket
      if (!opts.verify) return finish({ ...info, socket: secure });
      info.certificate = summarize(seen ?? peerView(secure));
      const problem = certificateProblem(secure, nameProblem);
      finish(problem ? { ...info, failure: problem } : { ...info, socket: secure });
    });
  });
}

/** SNI must be a DNS name: an IP literal is never sent (RFC 6066). */
function tlsServername(host: string): string | undefined {
  return net.isIP(host) === 0 ? host : undefined;
}
