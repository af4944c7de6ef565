// The TLS 1.3 cipher suites QUIC can use (RFC 9001 §5.3, §5.4.3, §5.4.4), as node:crypto names them.
import type { HashName } from './hkdf.js';

export interface CipherSuite {
  id: number;
  name: string;
  hash: HashName;
  aead: 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305';
  /** Bytes of the AEAD key, and of the header protection key. */
  keyLength: number;
  headerProtection: 'aes-128-ecb' | 'aes-256-ecb' | 'chacha20';
}

export const TLS_AES_128_GCM_SHA256: CipherSuite = {
  id: 0x1301,
  name: 'TLS_AES_128_GCM_SHA256',
  hash: 'sha256',
  aead: 'aes-128-gcm',
  keyLength: 16,
  headerProtection: 'aes-128-ecb',
};

export const SUITES: ReadonlyMap<number, CipherSuite> = new Map(
  [
    TLS_AES_128_GCM_SHA256,
    {
      id: 0x1302,
      name: 'TLS_AES_256_GCM_SHA384',
      hash: 'sha384',
      aead: 'aes-256-gcm',
      keyLength: 32,
      headerProtection: 'aes-256-ecb',
    },
    {
      id: 0x1303,
      name: 'TLS_CHACHA20_POLY1305_SHA256',
      hash: 'sha256',
      aead: 'chacha20-poly1305',
      keyLength: 32,
      headerProtection: 'chacha20',
    },
  ].map((s): [number, CipherSuite] => [s.id, s as CipherSuite]),
);
