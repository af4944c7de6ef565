// QUIC packet protection (RFC 9001 §5): the payload sealed with the suite's AEAD under a nonce made
// of the IV and the packet number, then the packet number and the low bits of the first byte masked
// with a sample of the ciphertext (header protection).
import { createCipheriv, createDecipheriv, type Cipher, type CipherGCMTypes } from 'node:crypto';
import { hkdfExpandLabel } from './hkdf.js';
import type { CipherSuite } from './suites.js';

export interface PacketKeys {
  suite: CipherSuite;
  key: Buffer;
  iv: Buffer;
  hp: Buffer;
}

const TAG_LENGTH = 16;
const SAMPLE_LENGTH = 16;

/** The keys of one direction of one encryption level, from its traffic secret (RFC 9001 §5.1). */
export function packetKeys(suite: CipherSuite, secret: Buffer): PacketKeys {
  const expand = (label: string, length: number) =>
    hkdfExpandLabel(suite.hash, secret, label, Buffer.alloc(0), length);
  return {
    suite,
    key: expand('quic key', suite.keyLength),
    iv: expand('quic iv', 12),
    hp: expand('quic hp', suite.keyLength),
  };
}

// ChaCha20-Poly1305 has the same cipher API as GCM in Node; its typings only split the overloads.
const aeadName = (keys: PacketKeys) => keys.suite.aead as CipherGCMTypes;

/** The IV with the packet number XORed into its last 8 bytes (RFC 9001 §5.3). */
function nonce(iv: Buffer, pn: number): Buffer {
  const out = Buffer.from(iv);
  out.writeBigUInt64BE(out.readBigUInt64BE(4) ^ BigInt(pn), 4);
  return out;
}

/** The five mask bytes of header protection for this sample (RFC 9001 §5.4.3, §5.4.4). */
export function headerMask(keys: PacketKeys, sample: Buffer): Buffer {
  if (keys.suite.headerProtection === 'chacha20') {
    // The sample is the block counter (4 bytes, little-endian) then the nonce: the IV Node expects.
    return createCipheriv('chacha20', keys.hp, sample).update(Buffer.alloc(5));
  }
  // ECB enciphers each block alone: one cipher serves every sample of these keys.
  // An encryption's update gives back every whole block: padding would only matter at a final.
  let ecb = ecbCiphers.get(keys);
  // Stryker disable next-line ConditionalExpression: a memo; a fresh cipher makes the same mask
  if (!ecb) ecbCiphers.set(keys, (ecb = createCipheriv(keys.suite.headerProtection, keys.hp, null)));
  return ecb.update(sample).subarray(0, 5);
}

const ecbCiphers = new WeakMap<PacketKeys, Cipher>();

/**
 * A protected packet from its plain header (which ends with the packet number, `pnLength` bytes)
 * and payload. The payload must leave room for the sample: the caller pads it.
 */
export function protect(
  keys: PacketKeys,
  header: Buffer,
  pnLength: number,
  pn: number,
  payload: Buffer,
): Buffer {
  if (payload.length + pnLength < 4) throw new RangeError('payload too short to sample: pad it');
  // The tag is 16 bytes, the default of each of the three AEADs.
  const cipher = createCipheriv(aeadName(keys), keys.key, nonce(keys.iv, pn));
  cipher.setAAD(header);
  const sealed = Buffer.concat([cipher.update(payload), cipher.final(), cipher.getAuthTag()]);
  const packet = Buffer.concat([header, sealed]);
  const pnOffset = header.length - pnLength;
  const mask = headerMask(keys, packet.subarray(pnOffset + 4, pnOffset + 4 + SAMPLE_LENGTH));
  packet[0]! ^= mask[0]! & (isLong(packet[0]!) ? 0x0f : 0x1f);
  for (let i = 0; i < pnLength; i++) packet[pnOffset + i]! ^= mask[1 + i]!;
  return packet;
}

export interface Unprotected {
  pn: number;
  /** The header with protection removed, first byte included. */
  header: Buffer;
  payload: Buffer;
}

const isLong = (first: number) => (first & 0x80) !== 0;

/**
 * Removes protection from one packet (`packet` spans exactly it; `pnOffset` is where its packet
 * number starts). `largest` is the largest packet number received in its space so far, or -1.
 */
export function unprotect(
  keys: PacketKeys,
  packet: Buffer,
  pnOffset: number,
  largest: number,
): Unprotected | { reason: string } {
  if (packet.length < pnOffset + 4 + SAMPLE_LENGTH)
    return { reason: 'packet too short to hold a header protection sample' };
  const mask = headerMask(keys, packet.subarray(pnOffset + 4, pnOffset + 4 + SAMPLE_LENGTH));
  const long = isLong(packet[0]!);
  const first = packet[0]! ^ (mask[0]! & (long ? 0x0f : 0x1f));
  const pnLength = (first & 0x03) + 1;
  const header = Buffer.from(packet.subarray(0, pnOffset + pnLength));
  header[0] = first;
  let truncated = 0;
  for (let i = 0; i < pnLength; i++) {
    header[pnOffset + i]! ^= mask[1 + i]!;
    truncated = truncated * 256 + header[pnOffset + i]!;
  }
  const pn = decodePacketNumber(largest, truncated, pnLength * 8);
  // The sample's length check above leaves at least the tag's 16 bytes after the packet number.
  const sealed = packet.subarray(pnOffset + pnLength);
  const payload = open(keys, pn, header, sealed);
  if (typeof payload === 'string') return { reason: payload };
  // Reserved bits are checked only once the packet is authentic (RFC 9000 §17.2, §17.3.1).
  if ((first & (long ? 0x0c : 0x18)) !== 0) return { reason: 'reserved header bits set' };
  return { pn, header, payload };
}

/** The payload, or why it is not one. */
function open(keys: PacketKeys, pn: number, header: Buffer, sealed: Buffer): Buffer | string {
  // Stryker disable next-line ObjectLiteral: the tag given is always 16 bytes; the option keeps shorter ones out
  const decipher = createDecipheriv(aeadName(keys), keys.key, nonce(keys.iv, pn), {
    authTagLength: TAG_LENGTH,
  });
  decipher.setAAD(header);
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_LENGTH));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_LENGTH)), decipher.final()]);
  } catch {
    // The tag does not match: garbage, or a packet for someone else's keys.
    return 'payload authentication failed (not sealed with our keys)';
  }
}

/** The full packet number from its truncated encoding (RFC 9000 §17.1, Appendix A.3). */
export function decodePacketNumber(largest: number, truncated: number, bits: number): number {
  const expected = largest + 1;
  const win = 2 ** bits;
  const half = win / 2;
  const candidate = expected - (expected % win) + truncated;
  if (candidate <= expected - half && candidate < 2 ** 62 - win) return candidate + win;
  // Stryker disable next-line EqualityOperator: the candidate is win only when it is at most expected
  if (candidate > expected + half && candidate >= win) return candidate - win;
  return candidate;
}
