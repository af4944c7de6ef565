// QUIC frames (RFC 9000 §19). The handshake reads CRYPTO, ACK, PING, PADDING and CONNECTION_CLOSE;
// every other frame is read to its end (its layout is checked) and reported as skipped, so one
// malformed frame anywhere makes the packet malformed, as the RFC requires.
import { Malformed, Reader, tryParse, vector } from './bytes.js';
import { encodeVarint } from './varint.js';

export type Frame =
  | { type: 'padding' }
  | { type: 'ping' }
  | { type: 'ack'; largest: number; firstRange: number; ranges: number }
  | { type: 'crypto'; offset: number; data: Buffer }
  | { type: 'connection_close'; application: boolean; errorCode: number; frameType?: number; reason: string }
  | { type: 'handshake_done' }
  | {
      type: 'new_connection_id';
      sequence: number;
      retirePriorTo: number;
      connectionId: Buffer;
      resetToken: Buffer;
    }
  | { type: 'new_token'; token: Buffer }
  | { type: 'skipped'; frameType: number };

/** The longest reason phrase of a CONNECTION_CLOSE kept, in characters: it is the peer's text. */
const MAX_REASON = 200;

export function parseFrames(payload: Buffer): { ok: true; value: Frame[] } | { ok: false; reason: string } {
  return tryParse(() => {
    const r = new Reader(payload);
    const frames: Frame[] = [];
    if (r.left === 0) throw new Malformed('packet without frames');
    while (r.left > 0) frames.push(parseFrame(r));
    return frames;
  });
}

function parseFrame(r: Reader): Frame {
  const type = r.varint('frame type');
  const v = (what: string) => r.varint(what);
  if (type === 0x00) {
    // A run of padding (a byte each) is one frame, so a padded Initial is not a thousand. The reader
    // spans its whole buffer (parseFrames): past the end, the byte read is undefined, not a zero.
    while (r.buf[r.pos] === 0x00) r.pos++;
    return { type: 'padding' };
  }
  if (type === 0x01) return { type: 'ping' };
  if (type === 0x02 || type === 0x03) return ack(r, type === 0x03);
  if (type === 0x06)
    return { type: 'crypto', offset: v('CRYPTO offset'), data: r.vector('varint', 'CRYPTO data') };
  if (type === 0x07) {
    const token = r.vector('varint', 'NEW_TOKEN token');
    if (token.length === 0) throw new Malformed('NEW_TOKEN with an empty token');
    return { type: 'new_token', token };
  }
  if (type >= 0x08 && type <= 0x0f) return stream(r, type);
  if (type === 0x18) return newConnectionId(r);
  if (type === 0x1c || type === 0x1d) return connectionClose(r, type === 0x1d);
  if (type === 0x1e) return { type: 'handshake_done' };
  const fields = SKIPPED_FIELDS[type];
  if (fields === undefined) throw new Malformed(`unknown frame type 0x${type.toString(16)}`);
  for (let i = 0; i < fields; i++) v(`fields of frame 0x${type.toString(16)}`);
  if (type === 0x1a || type === 0x1b) r.bytes(8, 'path challenge data');
  return { type: 'skipped', frameType: type };
}

/** Frames the handshake does not use that are only varints (and PATH_* data): how many. */
const SKIPPED_FIELDS: Record<number, number> = {
  0x04: 3, // RESET_STREAM
  0x05: 2, // STOP_SENDING
  0x10: 1, // MAX_DATA
  0x11: 2, // MAX_STREAM_DATA
  0x12: 1, // MAX_STREAMS (bidi)
  0x13: 1, // MAX_STREAMS (uni)
  0x14: 1, // DATA_BLOCKED
  0x15: 2, // STREAM_DATA_BLOCKED
  0x16: 1, // STREAMS_BLOCKED (bidi)
  0x17: 1, // STREAMS_BLOCKED (uni)
  0x19: 1, // RETIRE_CONNECTION_ID
  0x1a: 0, // PATH_CHALLENGE
  0x1b: 0, // PATH_RESPONSE
};

function ack(r: Reader, ecn: boolean): Frame {
  const largest = r.varint('ACK largest');
  r.varint('ACK delay');
  const ranges = r.varint('ACK range count');
  const firstRange = r.varint('ACK first range');
  if (firstRange > largest) throw new Malformed('ACK range below packet number 0');
  let smallest = largest - firstRange;
  for (let i = 0; i < ranges; i++) {
    const gap = r.varint('ACK gap');
    const length = r.varint('ACK range length');
    smallest -= gap + 2 + length;
    if (smallest < 0) throw new Malformed('ACK range below packet number 0');
  }
  if (ecn) for (const what of ['ECT0', 'ECT1', 'ECN-CE']) r.varint(`ACK ${what} count`);
  return { type: 'ack', largest, firstRange, ranges };
}

function stream(r: Reader, type: number): Frame {
  r.varint('STREAM id');
  if (type & 0x04) r.varint('STREAM offset');
  if (type & 0x02) r.vector('varint', 'STREAM data');
  else r.bytes(r.left, 'STREAM data'); // without a length, the frame runs to the packet's end
  return { type: 'skipped', frameType: type };
}

function newConnectionId(r: Reader): Frame {
  const sequence = r.varint('NEW_CONNECTION_ID sequence');
  const retirePriorTo = r.varint('NEW_CONNECTION_ID retire prior to');
  const connectionId = r.vector(1, 'NEW_CONNECTION_ID connection ID');
  if (connectionId.length < 1 || connectionId.length > 20)
    throw new Malformed('NEW_CONNECTION_ID with a connection ID not of 1 to 20 bytes');
  if (retirePriorTo > sequence)
    throw new Malformed('NEW_CONNECTION_ID retiring past its own sequence number');
  return {
    type: 'new_connection_id',
    sequence,
    retirePriorTo,
    connectionId,
    resetToken: r.bytes(16, 'stateless reset token'),
  };
}

function connectionClose(r: Reader, application: boolean): Frame {
  const errorCode = r.varint('CONNECTION_CLOSE error code');
  const frameType = application ? undefined : r.varint('CONNECTION_CLOSE frame type');
  const reason = r.vector('varint', 'CONNECTION_CLOSE reason').toString('utf8').slice(0, MAX_REASON);
  return frameType === undefined
    ? { type: 'connection_close', application, errorCode, reason }
    : { type: 'connection_close', application, errorCode, frameType, reason };
}

/** Initial and Handshake packets may carry only these (RFC 9000 §12.4, Table 3). */
export function allowedInHandshakeSpaces(frame: Frame): boolean {
  if (frame.type === 'connection_close') return !frame.application;
  return frame.type === 'padding' || frame.type === 'ping' || frame.type === 'ack' || frame.type === 'crypto';
}

/** Frames that oblige the receiver to acknowledge the packet (RFC 9000 §13.2.1). */
export const ackEliciting = (frames: Frame[]): boolean =>
  frames.some((f) => f.type !== 'padding' && f.type !== 'ack' && f.type !== 'connection_close');

export const cryptoFrame = (offset: number, data: Buffer): Buffer =>
  Buffer.concat([encodeVarint(0x06), encodeVarint(offset), vector('varint', data)]);

export const pingFrame = (): Buffer => encodeVarint(0x01);

/** A transport CONNECTION_CLOSE (type 0x1c), the one allowed in Initial and Handshake packets. */
export const connectionCloseFrame = (errorCode: number, reason: string): Buffer =>
  Buffer.concat([
    encodeVarint(0x1c),
    encodeVarint(errorCode),
    encodeVarint(0),
    vector('varint', Buffer.from(reason, 'utf8')),
  ]);

/** An ACK of the given packet numbers (any order, duplicates allowed), with zero delay. */
export function ackFrame(received: Iterable<number>): Buffer {
  const pns = [...new Set(received)].sort((a, b) => b - a);
  if (pns.length === 0) throw new RangeError('nothing to acknowledge');
  const ranges: Array<[number, number]> = []; // [largest, smallest], descending
  for (const pn of pns) {
    const last = ranges.at(-1);
    if (last && last[1] === pn + 1) last[1] = pn;
    else ranges.push([pn, pn]);
  }
  const [first, ...rest] = ranges;
  const parts = [
    encodeVarint(0x02),
    encodeVarint(first![0]),
    encodeVarint(0),
    encodeVarint(rest.length),
    encodeVarint(first![0] - first![1]),
  ];
  let smallest = first![1];
  for (const [largest, low] of rest) {
    parts.push(encodeVarint(smallest - largest - 2), encodeVarint(largest - low));
    smallest = low;
  }
  return Buffer.concat(parts);
}
