import { createPrivateKey, X509Certificate } from 'node:crypto';
import tls from 'node:tls';

// The helper's TLS, as Mozilla's "intermediate" profile (server-side TLS 5.7) sets it: TLS 1.2 and
// 1.3 only, forward secrecy only (ECDHE, or DHE when the operator gives DH parameters), AEAD ciphers,
// the client's preference honoured. A censor's prober sees a server configured as most are.

const INTERMEDIATE_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
  'DHE-RSA-AES128-GCM-SHA256',
  'DHE-RSA-AES256-GCM-SHA384',
  'DHE-RSA-CHACHA20-POLY1305',
].join(':');

export interface KeyPair {
  cert: string;
  key: string;
}

/** The secure context's options for a certificate and its key (TLS 1.3's suites stay OpenSSL's, all three AEAD). */
export const serverTls = (pair: KeyPair): tls.SecureContextOptions => ({
  ...pair,
  minVersion: 'TLSv1.2',
  ciphers: INTERMEDIATE_CIPHERS,
  ecdhCurve: 'X25519:prime256v1:secp384r1',
  honorCipherOrder: false,
});

/**
 * Why the pair cannot serve, if it cannot: a key that is not the certificate's (another key, or an
 * EC key beside an RSA certificate) would listen and fail every handshake.
 */
export function pairProblem(pair: KeyPair): string | undefined {
  try {
    // OpenSSL files a key of another type (EC beside RSA) in a slot of its own, without complaint.
    if (!new X509Certificate(pair.cert).checkPrivateKey(createPrivateKey(pair.key)))
      return 'the key does not match the certificate';
    tls.createSecureContext(serverTls(pair));
    return undefined;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return /mismatch/i.test(e.message)
      ? `the key does not match the certificate (${e.message})`
      : `the certificate or key is unusable (${e.message})`;
  }
}
