// CertificateVerify (RFC 8446 §4.4.3): the server's signature, with its certificate's key, over
// 64 spaces, a context string, a zero byte and the transcript hash. It proves the server holds the
// key of the certificate it sent.
import { constants, verify, type KeyObject, type X509Certificate } from 'node:crypto';
import { publicKeyOf } from './x509.js';

interface Scheme {
  name: string;
  /** The digest for node:crypto's verify; null for EdDSA, which hashes itself. */
  hash: 'sha256' | 'sha384' | 'sha512' | null;
  key: 'ec' | 'rsa' | 'ed25519' | 'ed448';
  curve?: string;
  pss?: boolean;
}

/** The schemes we offer and can verify. RSA PKCS#1 v1.5 is not allowed in CertificateVerify in TLS 1.3. */
export const SIGNATURE_SCHEMES: ReadonlyMap<number, Scheme> = new Map<number, Scheme>([
  [0x0403, { name: 'ecdsa_secp256r1_sha256', hash: 'sha256', key: 'ec', curve: 'prime256v1' }],
  [0x0503, { name: 'ecdsa_secp384r1_sha384', hash: 'sha384', key: 'ec', curve: 'secp384r1' }],
  [0x0603, { name: 'ecdsa_secp521r1_sha512', hash: 'sha512', key: 'ec', curve: 'secp521r1' }],
  [0x0804, { name: 'rsa_pss_rsae_sha256', hash: 'sha256', key: 'rsa', pss: true }],
  [0x0805, { name: 'rsa_pss_rsae_sha384', hash: 'sha384', key: 'rsa', pss: true }],
  [0x0806, { name: 'rsa_pss_rsae_sha512', hash: 'sha512', key: 'rsa', pss: true }],
  [0x0807, { name: 'ed25519', hash: null, key: 'ed25519' }],
  [0x0808, { name: 'ed448', hash: null, key: 'ed448' }],
]);

const SALT_LENGTH = { sha256: 32, sha384: 48, sha512: 64 };

/** The signed content of a server's CertificateVerify. */
export const serverSignedContent = (transcriptHash: Buffer): Buffer =>
  Buffer.concat([
    Buffer.alloc(64, 0x20),
    Buffer.from('TLS 1.3, server CertificateVerify\0', 'latin1'),
    transcriptHash,
  ]);

/** Why the signature does not prove the leaf's key signed this transcript, or undefined when it does. */
export function certificateVerifyProblem(
  leaf: X509Certificate,
  schemeId: number,
  signature: Buffer,
  transcriptHash: Buffer,
): string | undefined {
  const scheme = SIGNATURE_SCHEMES.get(schemeId);
  if (!scheme)
    return (
      `CertificateVerify with signature scheme 0x${schemeId.toString(16).padStart(4, '0')}, which we ` +
      `did not offer`
    );
  const key: KeyObject = publicKeyOf(leaf);
  if (
    key.asymmetricKeyType !== scheme.key ||
    (scheme.curve && key.asymmetricKeyDetails?.namedCurve !== scheme.curve)
  ) {
    return `CertificateVerify uses ${scheme.name}, which the certificate's ${key.asymmetricKeyType} key cannot make`;
  }
  const content = serverSignedContent(transcriptHash);
  const options = scheme.pss
    ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: SALT_LENGTH[scheme.hash!] }
    : key;
  // Stryker disable BlockStatement,BooleanLiteral: node 20 answers false to every bad signature we could
  // make (bad DER, wrong sizes, an oversized PSS salt); the catch guards a version that throws instead
  let valid: boolean;
  try {
    valid = verify(scheme.hash, content, options, signature);
  } catch {
    valid = false; // a signature node:crypto cannot even decode (bad DER, wrong size)
  }
  // Stryker restore BlockStatement,BooleanLiteral
  return valid
    ? undefined
    : `the CertificateVerify signature (${scheme.name}) does not verify with the certificate's key`;
}

export const schemeName = (id: number): string => SIGNATURE_SCHEMES.get(id)?.name ?? `0x${id.toString(16)}`;
