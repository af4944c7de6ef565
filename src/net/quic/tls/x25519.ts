// X25519 key shares (RFC 7748) as raw 32-byte public keys, the form TLS sends.
import {
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';

export interface KeyShare {
  privateKey: KeyObject;
  publicKey: Buffer;
}

/** The PKCS#8 DER of an X25519 private key, up to its 32 raw bytes (RFC 8410 §7). */
const PKCS8_X25519_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

const raw = (key: KeyObject) => Buffer.from(key.export({ format: 'jwk' }).x!, 'base64url');

export function generateKeyShare(): KeyShare {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  return { privateKey, publicKey: raw(publicKey) };
}

/** A key share from a known private key (the test vectors'). */
export function keyShareFrom(privateRaw: Buffer): KeyShare {
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_X25519_PREFIX, privateRaw]),
    format: 'der',
    type: 'pkcs8',
  });
  return { privateKey, publicKey: raw(createPublicKey(privateKey)) };
}

/** The shared secret with a peer's raw public key; throws on a key X25519 refuses (all zeros out). */
export function sharedSecret(own: KeyShare, peerPublic: Buffer): Buffer {
  const publicKey = createPublicKey({
    key: { kty: 'OKP', crv: 'X25519', x: peerPublic.toString('base64url') },
    format: 'jwk',
  });
  return diffieHellman({ privateKey: own.privateKey, publicKey });
}
