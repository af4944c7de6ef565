// TLS 1.3 handshake message framing (RFC 8446 §4) and extension lists, as QUIC carries them: in
// CRYPTO frames, without TLS records.
import { Malformed, Reader, u16, u24, u8, vector } from '../bytes.js';

export const HANDSHAKE = {
  clientHello: 1,
  serverHello: 2,
  newSessionTicket: 4,
  encryptedExtensions: 8,
  certificate: 11,
  certificateRequest: 13,
  certificateVerify: 15,
  finished: 20,
} as const;

export const EXTENSION = {
  serverName: 0,
  supportedGroups: 10,
  signatureAlgorithms: 13,
  alpn: 16,
  supportedVersions: 43,
  keyShare: 51,
  quicTransportParameters: 0x39,
} as const;

export const TLS13 = 0x0304;
export const X25519 = 0x001d;

export interface HandshakeMessage {
  type: number;
  body: Buffer;
  /** The whole message, header included, as the transcript hashes it. */
  raw: Buffer;
}

export const handshakeMessage = (type: number, body: Buffer): Buffer =>
  Buffer.concat([u8(type), u24(body.length), body]);

/**
 * Cuts a level's CRYPTO bytes into handshake messages. A message longer than `maxMessage` is refused
 * before it is buffered whole: a certificate chain is the longest, and a few tens of kilobytes at most.
 */
export class HandshakeReader {
  private buffer: Buffer = Buffer.alloc(0);

  constructor(private readonly maxMessage: number) {}

  /** Adds bytes; returns the messages now complete, in order. Throws Malformed on an oversized one. */
  push(data: Buffer): HandshakeMessage[] {
    this.buffer = this.buffer.length === 0 ? data : Buffer.concat([this.buffer, data]);
    const out: HandshakeMessage[] = [];
    while (this.buffer.length >= 4) {
      const length = this.buffer.readUIntBE(1, 3);
      if (length > this.maxMessage)
        throw new Malformed(
          `handshake message of ${length} bytes, more than the ${this.maxMessage} accepted`,
        );
      if (this.buffer.length < 4 + length) break;
      const raw = this.buffer.subarray(0, 4 + length);
      out.push({ type: raw[0]!, body: raw.subarray(4), raw });
      this.buffer = this.buffer.subarray(4 + length);
    }
    return out;
  }
}

export const extension = (type: number, data: Buffer): Buffer => Buffer.concat([u16(type), vector(2, data)]);

/** An extension list (a 2-byte-length vector of type, data): each type at most once (RFC 8446 §4.2). */
export function parseExtensions(r: Reader, what: string): Map<number, Buffer> {
  const list = r.sub(r.u16(`${what} extensions length`), `${what} extensions`);
  const out = new Map<number, Buffer>();
  while (list.left > 0) {
    const type = list.u16(`${what} extension type`);
    const data = list.vector(2, `${what} extension ${type}`);
    if (out.has(type)) throw new Malformed(`${what} repeats extension ${type}`);
    out.set(type, data);
  }
  return out;
}

/** The one protocol of a server's ALPN extension (RFC 7301 §3.1). */
export function parseAlpn(data: Buffer): string {
  const r = new Reader(data);
  const list = r.sub(r.u16('ALPN list length'), 'ALPN list');
  r.done('ALPN extension');
  const protocol = list.vector(1, 'ALPN protocol');
  list.done('ALPN list (a server names one protocol)');
  if (protocol.length === 0) throw new Malformed('empty ALPN protocol');
  return protocol.toString('latin1');
}
