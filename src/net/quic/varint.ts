// QUIC variable-length integers (RFC 9000 §16): the two high bits of the first byte give the length
// (1, 2, 4 or 8 bytes), the rest is the value, big-endian. At most 2^62 - 1.

export const MAX_VARINT = 2n ** 62n - 1n;

const LIMITS = [2n ** 6n, 2n ** 14n, 2n ** 30n, 2n ** 62n];

/**
 * Encodes v in its shortest form, or in `length` bytes when given (a packet's Length field is
 * written in 2 bytes before the payload size is final).
 */
export function encodeVarint(v: number | bigint, length?: 1 | 2 | 4 | 8): Buffer {
  const value = BigInt(v);
  if (value < 0n || value > MAX_VARINT) throw new RangeError(`${value} is not a QUIC varint`);
  const index =
    length === undefined ? LIMITS.findIndex((limit) => value < limit) : [1, 2, 4, 8].indexOf(length);
  // Stryker disable next-line ConditionalExpression: index < 0 cannot happen (the value is in range, the length typed)
  if (index < 0 || value >= LIMITS[index]!) throw new RangeError(`${value} does not fit ${length} bytes`);
  const size = 1 << index;
  const out = Buffer.alloc(size);
  let rest = value;
  for (let i = size - 1; i >= 0; i--) {
    out[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  out[0]! |= index << 6;
  return out;
}

/** Decodes the varint at offset, or undefined when the buffer ends inside it. */
export function decodeVarint(buf: Buffer, offset: number): { value: bigint; length: number } | undefined {
  // Stryker disable next-line ConditionalExpression,EqualityOperator: past the end reads length 1, refused below too
  if (offset >= buf.length) return undefined;
  const length = 1 << (buf[offset]! >> 6);
  if (offset + length > buf.length) return undefined;
  let value = BigInt(buf[offset]! & 0x3f);
  for (let i = 1; i < length; i++) value = (value << 8n) | BigInt(buf[offset + i]!);
  return { value, length };
}
