// Byte readers and writers for QUIC and TLS wire formats. Every read is bounds-checked: a short or
// malformed input raises Malformed, which the parsers above turn into a typed reason (the bytes are
// whatever a server, or a censor, chose to send).
import { decodeVarint, encodeVarint } from './varint.js';

/** The one error the readers raise; parsers catch it and return its reason. */
export class Malformed extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'Malformed';
  }
}

export class Reader {
  pos: number;
  private readonly end: number;

  constructor(
    readonly buf: Buffer,
    start = 0,
    end = buf.length,
  ) {
    this.pos = start;
    this.end = end;
  }

  get left(): number {
    return this.end - this.pos;
  }

  private take(n: number, what: string): number {
    if (!Number.isSafeInteger(n) || n < 0 || n > this.left)
      throw new Malformed(`${what}: ${n} bytes wanted, ${this.left} left`);
    const at = this.pos;
    this.pos += n;
    return at;
  }

  u8(what: string): number {
    return this.buf[this.take(1, what)]!;
  }

  u16(what: string): number {
    return this.buf.readUInt16BE(this.take(2, what));
  }

  u24(what: string): number {
    return this.buf.readUIntBE(this.take(3, what), 3);
  }

  u32(what: string): number {
    return this.buf.readUInt32BE(this.take(4, what));
  }

  bytes(n: number, what: string): Buffer {
    const at = this.take(n, what);
    return this.buf.subarray(at, at + n);
  }

  /** A QUIC variable-length integer; values above 2^53 lose precision, and are larger than any buffer. */
  varint(what: string): number {
    // Stryker disable next-line ConditionalExpression: a fast path; decodeVarint below reads these bytes alike
    const first = this.pos < this.end ? this.buf[this.pos]! : 0xff;
    // Stryker disable next-line ConditionalExpression,BlockStatement: the same fast path
    if (first < 0x40) {
      // One byte, the common case (frame types, small lengths): no subarray, no BigInt.
      this.pos++;
      return first;
    }
    const decoded = decodeVarint(this.buf.subarray(this.pos, this.end), 0);
    if (!decoded) throw new Malformed(`${what}: truncated variable-length integer`);
    this.pos += decoded.length;
    return Number(decoded.value);
  }

  /** Bytes prefixed by their length in 1, 2 or 3 bytes (TLS vectors) or a varint (QUIC). */
  vector(prefix: 1 | 2 | 3 | 'varint', what: string): Buffer {
    const n =
      prefix === 'varint'
        ? this.varint(what)
        : prefix === 1
          ? this.u8(what)
          : prefix === 2
            ? this.u16(what)
            : this.u24(what);
    return this.bytes(n, what);
  }

  /** A reader over the next n bytes, which this one skips. */
  sub(n: number, what: string): Reader {
    const at = this.take(n, what);
    return new Reader(this.buf, at, at + n);
  }

  /** Demands that nothing is left: trailing bytes in a length-delimited structure are malformed. */
  done(what: string): void {
    if (this.left !== 0) throw new Malformed(`${what}: ${this.left} unexpected trailing bytes`);
  }
}

export const u8 = (n: number): Buffer => Buffer.from([n & 0xff]);

export function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

export function u24(n: number): Buffer {
  const b = Buffer.alloc(3);
  b.writeUIntBE(n, 0, 3);
  return b;
}

export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

/** Bytes prefixed by their length, the writing side of Reader.vector. */
export function vector(prefix: 1 | 2 | 3 | 'varint', data: Buffer): Buffer {
  if (prefix === 'varint') return Buffer.concat([encodeVarint(data.length), data]);
  if (data.length >= 2 ** (8 * prefix))
    throw new RangeError(`${data.length} bytes do not fit a ${prefix}-byte length`);
  const length = prefix === 1 ? u8(data.length) : prefix === 2 ? u16(data.length) : u24(data.length);
  return Buffer.concat([length, data]);
}

/** Runs a parser, turning Malformed into a reason; any other error is a bug and propagates. */
export function tryParse<T>(parse: () => T): { ok: true; value: T } | { ok: false; reason: string } {
  try {
    return { ok: true, value: parse() };
  } catch (err) {
    if (err instanceof Malformed) return { ok: false, reason: err.reason };
    throw err;
  }
}
