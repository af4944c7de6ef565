// The TLS 1.3 key schedule (RFC 8446 §7.1) for a handshake without PSK: Early Secret from zeros,
// Handshake Secret from the (EC)DHE shared secret, Master Secret from zeros again; traffic secrets
// bound to the transcript hash at each stage.
import { createHmac } from 'node:crypto';
import { digest, hashLength, hkdfExpandLabel, hkdfExtract, type HashName } from '../hkdf.js';

export const deriveSecret = (hash: HashName, secret: Buffer, label: string, transcriptHash: Buffer): Buffer =>
  hkdfExpandLabel(hash, secret, label, transcriptHash, hashLength(hash));

const zeros = (hash: HashName) => Buffer.alloc(hashLength(hash));
const emptyHash = (hash: HashName) => digest(hash, Buffer.alloc(0));

export function earlySecret(hash: HashName): Buffer {
  return hkdfExtract(hash, zeros(hash), zeros(hash));
}

export function handshakeSecret(hash: HashName, sharedSecret: Buffer): Buffer {
  return hkdfExtract(hash, deriveSecret(hash, earlySecret(hash), 'derived', emptyHash(hash)), sharedSecret);
}

export function masterSecret(hash: HashName, handshake: Buffer): Buffer {
  return hkdfExtract(hash, deriveSecret(hash, handshake, 'derived', emptyHash(hash)), zeros(hash));
}

/**
 * The client's and server's secrets of a stage: 'hs' with the hash up to ServerHello, 'ap' up to the server
 * Finished.
 */
export function trafficSecrets(
  hash: HashName,
  secret: Buffer,
  stage: 'hs' | 'ap',
  transcriptHash: Buffer,
): { client: Buffer; server: Buffer } {
  return {
    client: deriveSecret(hash, secret, `c ${stage} traffic`, transcriptHash),
    server: deriveSecret(hash, secret, `s ${stage} traffic`, transcriptHash),
  };
}

/** The verify_data of a Finished message sent with `trafficSecret` (RFC 8446 §4.4.4). */
export function finishedVerifyData(hash: HashName, trafficSecret: Buffer, transcriptHash: Buffer): Buffer {
  const key = hkdfExpandLabel(hash, trafficSecret, 'finished', Buffer.alloc(0), hashLength(hash));
  return createHmac(hash, key).update(transcriptHash).digest();
}

/** The handshake messages so far; the hash is chosen by the ServerHello, so the bytes are kept. */
export class Transcript {
  private readonly messages: Buffer[] = [];

  add(message: Buffer): void {
    this.messages.push(message);
  }

  hash(hash: HashName): Buffer {
    return digest(hash, Buffer.concat(this.messages));
  }
}
