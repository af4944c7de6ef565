// QUIC packet headers (RFC 9000 §17) and the splitting of a datagram into its coalesced packets
// (§12.2). Parsing never throws: anything that is not a well-formed header is a reason, since a
// datagram may be garbage, truncated, or for another connection.
import { Malformed, Reader, tryParse, u32, u8, vector } from './bytes.js';
import { QUIC_V1 } from './initial.js';
import { protect, type PacketKeys } from './protection.js';
import { encodeVarint } from './varint.js';

export type LongType = 'initial' | '0rtt' | 'handshake' | 'retry';
const LONG_TYPES: readonly LongType[] = ['initial', '0rtt', 'handshake', 'retry'];

export type Header =
  | {
      form: 'long';
      type: 'initial' | '0rtt' | 'handshake';
      version: number;
      dcid: Buffer;
      scid: Buffer;
      token: Buffer;
      pnOffset: number;
      start: number;
      end: number;
    }
  | {
      form: 'retry';
      version: number;
      dcid: Buffer;
      scid: Buffer;
      token: Buffer;
      tag: Buffer;
      start: number;
      end: number;
    }
  | {
      form: 'version-negotiation';
      dcid: Buffer;
      scid: Buffer;
      versions: number[];
      start: number;
      end: number;
    }
  | { form: 'short'; dcid: Buffer; pnOffset: number; start: number; end: number };

export type ParsedHeader = { ok: true; value: Header } | { ok: false; reason: string };

/** v1 connection IDs are at most 20 bytes (RFC 9000 §17.2). */
export const MAX_CID_LENGTH = 20;

/**
 * The header of the packet that starts at `offset` in the datagram. A short header carries no
 * length of its connection ID: the receiver knows it (`shortDcidLength`, the length of its own).
 */
export function parseHeader(datagram: Buffer, offset: number, shortDcidLength: number): ParsedHeader {
  return tryParse(() => {
    const r = new Reader(datagram, offset);
    const first = r.u8('first byte');
    if ((first & 0x80) === 0) {
      if ((first & 0x40) === 0) throw new Malformed('short header without the fixed bit');
      const dcid = r.bytes(shortDcidLength, 'short header connection ID');
      return { form: 'short', dcid, pnOffset: r.pos, start: offset, end: datagram.length };
    }
    const version = r.u32('version');
    const dcid = r.vector(1, 'destination connection ID');
    const scid = r.vector(1, 'source connection ID');
    if (version === 0) return versionNegotiation(r, dcid, scid, offset, datagram.length);
    if (version !== QUIC_V1)
      throw new Malformed(`long header of unknown version 0x${version.toString(16).padStart(8, '0')}`);
    if (dcid.length > MAX_CID_LENGTH || scid.length > MAX_CID_LENGTH)
      throw new Malformed('connection ID longer than 20 bytes');
    if ((first & 0x40) === 0) throw new Malformed('long header without the fixed bit');
    const type = LONG_TYPES[(first >> 4) & 0x03]!;
    if (type === 'retry') {
      if (r.left < 16) throw new Malformed('Retry shorter than its integrity tag');
      // Stryker disable next-line StringLiteral: r.left >= 16 above: this read cannot fail, its label never shows
      const token = r.bytes(r.left - 16, 'Retry token');
      return {
        form: 'retry',
        version,
        dcid,
        scid,
        token,
        // Stryker disable next-line StringLiteral: 16 bytes are left: this read cannot fail, its label never shows
        tag: r.bytes(16, 'Retry tag'),
        start: offset,
        end: datagram.length,
      };
    }
    const token = type === 'initial' ? r.vector('varint', 'token') : Buffer.alloc(0);
    const length = r.varint('length');
    const pnOffset = r.pos;
    r.bytes(length, 'packet'); // the length must fit the datagram
    return { form: 'long', type, version, dcid, scid, token, pnOffset, start: offset, end: r.pos };
  });
}

function versionNegotiation(r: Reader, dcid: Buffer, scid: Buffer, start: number, end: number): Header {
  if (r.left === 0 || r.left % 4 !== 0)
    throw new Malformed('Version Negotiation with a partial version list');
  const versions: number[] = [];
  // Stryker disable next-line StringLiteral: whole versions only (checked above): the label never shows
  while (r.left > 0) versions.push(r.u32('supported version'));
  return { form: 'version-negotiation', dcid, scid, versions, start, end };
}

/** The bytes of the parsed packet, first byte to its end. */
export const packetBytes = (datagram: Buffer, h: Header): Buffer => datagram.subarray(h.start, h.end);

const TYPE_BITS: Record<'initial' | '0rtt' | 'handshake', number> = { initial: 0, '0rtt': 1, handshake: 2 };

export interface LongPacketFields {
  type: 'initial' | 'handshake';
  dcid: Buffer;
  scid: Buffer;
  /** Initial packets only: the token of a Retry, or none. */
  token?: Buffer;
}

const PN_LENGTH = 4; // always the longest encoding: the peer decodes it whatever it has seen

/** A protected Initial or Handshake packet carrying `payload` (frames). */
export function sealLong(keys: PacketKeys, fields: LongPacketFields, pn: number, payload: Buffer): Buffer {
  const first = 0xc0 | (TYPE_BITS[fields.type] << 4) | (PN_LENGTH - 1);
  const header = Buffer.concat([
    u8(first),
    u32(QUIC_V1),
    vector(1, fields.dcid),
    vector(1, fields.scid),
    fields.type === 'initial' ? vector('varint', fields.token ?? Buffer.alloc(0)) : Buffer.alloc(0),
    encodeVarint(PN_LENGTH + payload.length + 16, 2),
    u32(pn),
  ]);
  return protect(keys, header, PN_LENGTH, pn, payload);
}

/** The bytes a sealed long packet adds to its payload: to size padding before sealing. */
export function longOverhead(fields: LongPacketFields): number {
  const token = fields.type === 'initial' ? vector('varint', fields.token ?? Buffer.alloc(0)).length : 0;
  return 1 + 4 + 1 + fields.dcid.length + 1 + fields.scid.length + token + 2 + PN_LENGTH + 16;
}
