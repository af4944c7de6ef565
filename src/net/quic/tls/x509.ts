// Certificates as the QUIC handshake reads them, parsed once. A run meets the same few chains
// thousands of times (every name behind one CDN address sends the same one), and parsing a
// certificate, building its key and checking a signature cost more CPU than the rest of a
// handshake. Memos of pure functions, bounded: a server sending fresh certificates each time only
// pushes the oldest out.
import { X509Certificate, type KeyObject } from 'node:crypto';

/** Certificates kept, and the largest kept (real ones are 1-2 KB; a hostile one may be 40). */
const MAX_KEPT = 256;
const MAX_KEPT_BYTES = 8 * 1024;

const parsed = new Map<string, X509Certificate>();
const keys = new WeakMap<X509Certificate, KeyObject>();
// Weak both ways: an issuer that left the memo of parsed certificates leaves this one too.
const signatures = new WeakMap<X509Certificate, WeakMap<X509Certificate, boolean>>();

/** The certificate of these DER bytes; throws as X509Certificate does on bytes that do not parse. */
export function certificateOf(der: Buffer): X509Certificate {
  if (der.length > MAX_KEPT_BYTES) return new X509Certificate(der);
  const key = der.toString('latin1');
  let cert = parsed.get(key);
  if (!cert) {
    cert = new X509Certificate(der);
    if (parsed.size >= MAX_KEPT) parsed.delete(parsed.keys().next().value!);
    parsed.set(key, cert);
  }
  return cert;
}

/** Its public key (X509Certificate builds a new KeyObject at each read). */
export function publicKeyOf(cert: X509Certificate): KeyObject {
  let key = keys.get(cert);
  if (!key) keys.set(cert, (key = cert.publicKey));
  return key;
}

/** Whether `issuer` issued `cert` (names and key identifiers) and its key verifies the signature. */
export function signedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  let byIssuer = signatures.get(cert);
  if (!byIssuer) signatures.set(cert, (byIssuer = new WeakMap()));
  let ok = byIssuer.get(issuer);
  if (ok === undefined)
    byIssuer.set(issuer, (ok = cert.checkIssued(issuer) && cert.verify(publicKeyOf(issuer))));
  return ok;
}
