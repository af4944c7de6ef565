// HKDF (RFC 5869) with TLS 1.3's labels (RFC 8446 §7.1), which QUIC uses for its keys too.
// node:crypto's hkdfSync always runs Extract before Expand, and TLS needs them apart.
import { createHash, createHmac } from 'node:crypto';

export type HashName = 'sha256' | 'sha384';

export const hashLength = (hash: HashName): number => (hash === 'sha256' ? 32 : 48);

export const digest = (hash: HashName, data: Buffer): Buffer => createHash(hash).update(data).digest();

export const hkdfExtract = (hash: HashName, salt: Buffer, ikm: Buffer): Buffer =>
  createHmac(hash, salt).update(ikm).digest();

export function hkdfExpand(hash: HashName, prk: Buffer, info: Buffer, length: number): Buffer {
  const blocks: Buffer[] = [];
  let previous = Buffer.alloc(0);
  for (let i = 1; i <= Math.ceil(length / hashLength(hash)); i++) {
    previous = createHmac(hash, prk)
      .update(Buffer.concat([previous, info, Buffer.from([i])]))
      .digest();
    blocks.push(previous);
  }
  return Buffer.concat(blocks).subarray(0, length);
}

/** HKDF-Expand-Label: the label is prefixed with "tls13 " (RFC 8446 §7.1). */
export function hkdfExpandLabel(
  hash: HashName,
  secret: Buffer,
  label: string,
  context: Buffer,
  length: number,
): Buffer {
  const fullLabel = Buffer.from(`tls13 ${label}`); // our labels are ASCII
  const info = Buffer.concat([
    Buffer.from([length >> 8, length & 0xff, fullLabel.length]),
    fullLabel,
    Buffer.from([context.length]),
    context,
  ]);
  return hkdfExpand(hash, secret, info, length);
}
