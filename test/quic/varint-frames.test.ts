import { describe, expect, it } from 'vitest';
import { Malformed, Reader, tryParse, vector } from '../../src/net/quic/bytes.js';
import { CryptoStream } from '../../src/net/quic/crypto-stream.js';
import {
  ackEliciting,
  ackFrame,
  allowedInHandshakeSpaces,
  connectionCloseFrame,
  cryptoFrame,
  parseFrames,
  pingFrame,
} from '../../src/net/quic/frames.js';
import {
  clientTransportParameters,
  connectionIdProblem,
  PARAM,
  parseTransportParameters,
} from '../../src/net/quic/transport-params.js';
import { decodeVarint, encodeVarint } from '../../src/net/quic/varint.js';

const hex = (s: string) => Buffer.from(s, 'hex');

describe('varints (RFC 9000 §16 and A.1)', () => {
  const examples: Array<[string, bigint]> = [
    ['c2197c5eff14e88c', 151288809941952652n],
    ['9d7f3e7d', 494878333n],
    ['7bbd', 15293n],
    ['25', 37n],
    ['4025', 37n],
  ];
  it.each(examples)('decodes %s as %s', (encoded, value) => {
    expect(decodeVarint(hex(encoded), 0)).toEqual({ value, length: encoded.length / 2 });
  });
  it('encodes in the shortest form, or in the length asked', () => {
    expect(encodeVarint(151288809941952652n).toString('hex')).toBe('c2197c5eff14e88c');
    expect(encodeVarint(494878333).toString('hex')).toBe('9d7f3e7d');
    expect(encodeVarint(15293).toString('hex')).toBe('7bbd');
    expect(encodeVarint(37).toString('hex')).toBe('25');
    expect(encodeVarint(37, 2).toString('hex')).toBe('4025');
  });
  // The edges of each length (RFC 9000 Table 4): the last value of one length, the first of the next.
  it.each<[bigint, string]>([
    [0n, '00'],
    [63n, '3f'],
    [64n, '4040'],
    [16383n, '7fff'],
    [16384n, '80004000'],
    [2n ** 30n - 1n, 'bfffffff'],
    [2n ** 30n, 'c000000040000000'],
    [2n ** 62n - 1n, 'ffffffffffffffff'],
  ])('encodes %s as %s and decodes it back', (value, encoded) => {
    expect(encodeVarint(value).toString('hex')).toBe(encoded);
    expect(decodeVarint(Buffer.concat([hex('ff'), hex(encoded)]), 1)).toEqual({
      value,
      length: encoded.length / 2,
    });
  });
  it('writes a value in a longer form when asked, and refuses one that does not fit or is negative', () => {
    expect(encodeVarint(63, 8).toString('hex')).toBe('c00000000000003f');
    expect(encodeVarint(16383, 2).toString('hex')).toBe('7fff');
    expect(() => encodeVarint(16384, 2)).toThrow(/does not fit 2 bytes/);
    expect(() => encodeVarint(-1)).toThrow(/not a QUIC varint/);
    expect(decodeVarint(hex('25'), 1)).toBeUndefined(); // the offset is past the end
  });
  it('refuses values out of range and says when a buffer ends inside one', () => {
    expect(() => encodeVarint(2n ** 62n)).toThrow(/4611686018427387904 is not a QUIC varint/);
    expect(() => encodeVarint(64, 1)).toThrow(RangeError);
    expect(decodeVarint(hex('9d7f3e'), 0)).toBeUndefined();
    expect(() => new Reader(hex('c2')).varint('x')).toThrow(/truncated/);
  });
});

describe('the byte reader and vectors', () => {
  it('reads each width big-endian and each vector prefix, then demands nothing is left', () => {
    const r = new Reader(
      hex('01' + '0203' + '040506' + '0708090a' + '02aabb' + '0001cc' + '000001dd' + '01ee' + '4002f0f1'),
    );
    expect([r.u8('a'), r.u16('b'), r.u24('c'), r.u32('d')]).toEqual([0x01, 0x0203, 0x040506, 0x0708090a]);
    expect([r.vector(1, 'e'), r.vector(2, 'f'), r.vector(3, 'g')]).toEqual([
      hex('aabb'),
      hex('cc'),
      hex('dd'),
    ]);
    expect([r.vector('varint', 'h'), r.vector('varint', 'i')]).toEqual([hex('ee'), hex('f0f1')]);
    expect(() => r.done('all')).not.toThrow();
    // A 1-byte length from 0x40 up is no varint's first byte: 0x80 is 128 bytes, not a 4-byte varint.
    expect(new Reader(Buffer.concat([hex('80'), Buffer.alloc(128, 7)])).vector(1, 'long').length).toBe(128);
  });

  it('keeps a sub-reader inside its bounds, even when the buffer goes on', () => {
    const r = new Reader(hex('aabbcc' + '40' + '01ff'));
    const sub = r.sub(4, 'sub');
    expect(r.pos).toBe(4);
    expect(sub.bytes(3, 'x')).toEqual(hex('aabbcc'));
    expect(() => sub.varint('cut')).toThrow(/cut: truncated variable-length integer/);
    expect(sub.u8('last')).toBe(0x40);
    expect(() => sub.varint('none')).toThrow(/none: truncated/); // the parent's next byte is not its
    expect(() => sub.u8('more')).toThrow(/more: 1 bytes wanted, 0 left/);
    expect(() => r.done('rest')).toThrow(/rest: 2 unexpected trailing bytes/);
    expect(() => r.bytes(-1, 'negative')).toThrow(/negative/);
    expect(() => r.bytes(1.5, 'fraction')).toThrow(/fraction/);
    expect(r.bytes(2, 'rest')).toEqual(hex('01ff'));
  });

  it('writes each vector prefix, refusing data its prefix cannot count', () => {
    expect(vector(1, Buffer.alloc(255)).subarray(0, 1)).toEqual(hex('ff'));
    expect(() => vector(1, Buffer.alloc(256))).toThrow(/256 bytes do not fit a 1-byte length/);
    expect(vector(2, Buffer.alloc(256)).subarray(0, 2)).toEqual(hex('0100'));
    expect(vector(3, hex('aa'))).toEqual(hex('000001aa'));
    expect(vector('varint', Buffer.alloc(64)).subarray(0, 2)).toEqual(hex('4040'));
  });

  it('turns Malformed into a reason and lets any other error (a bug) through', () => {
    expect(String(new Malformed('cut short'))).toBe('Malformed: cut short'); // named, should one escape
    expect(tryParse(() => new Reader(hex('')).u8('byte'))).toEqual({
      ok: false,
      reason: 'byte: 1 bytes wanted, 0 left',
    });
    expect(() =>
      tryParse(() => {
        throw new TypeError('a bug');
      }),
    ).toThrow(TypeError);
  });
});

describe('frames', () => {
  const PING = { type: 'ping' };
  const ack = (largest: number, firstRange: number, ranges: number) => ({
    type: 'ack',
    largest,
    firstRange,
    ranges,
  });
  const skipped = (frameType: number) => ({ type: 'skipped', frameType });
  const newCid = (sequence: number, retirePriorTo: number, id: string) => ({
    type: 'new_connection_id',
    sequence,
    retirePriorTo,
    connectionId: hex(id),
    resetToken: Buffer.alloc(16),
  });

  it('reads the frames of the RFC 9001 A.3 server Initial: ACK then CRYPTO', () => {
    const payload = hex('02000000000600405a');
    const parsed = parseFrames(Buffer.concat([payload, Buffer.alloc(0x5a, 1)]));
    expect(parsed).toEqual({
      ok: true,
      value: [
        { type: 'ack', largest: 0, firstRange: 0, ranges: 0 },
        { type: 'crypto', offset: 0, data: Buffer.alloc(0x5a, 1) },
      ],
    });
  });

  it('round-trips what it writes: CRYPTO, PING, ACK ranges, CONNECTION_CLOSE, and padding as one frame', () => {
    const payload = Buffer.concat([
      cryptoFrame(5, hex('aabb')),
      pingFrame(),
      ackFrame([9, 3, 8, 4, 1, 9]),
      connectionCloseFrame(0, 'bye'),
      Buffer.alloc(40),
    ]);
    const parsed = parseFrames(payload);
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(parsed.value).toEqual([
      { type: 'crypto', offset: 5, data: hex('aabb') },
      { type: 'ping' },
      { type: 'ack', largest: 9, firstRange: 1, ranges: 2 },
      { type: 'connection_close', application: false, errorCode: 0, frameType: 0, reason: 'bye' },
      { type: 'padding' },
    ]);
    expect(ackEliciting(parsed.value)).toBe(true);
    expect(parsed.value.every(allowedInHandshakeSpaces)).toBe(true);
  });

  it('skips the frames the handshake does not use, reading them to their end', () => {
    const newCid = hex('180100' + '04' + 'deadbeef' + '00'.repeat(16));
    const stream = hex('0a04' + '03' + '616263'); // STREAM with length
    const parsed = parseFrames(
      Buffer.concat([newCid, hex('1e'), stream, hex('1000'), hex('1a0102030405060708'), hex('0908616263')]),
    );
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(parsed.value.map((f) => f.type)).toEqual([
      'new_connection_id',
      'handshake_done',
      'skipped',
      'skipped',
      'skipped',
      'skipped',
    ]);
    expect(parsed.value.some(allowedInHandshakeSpaces)).toBe(false);
    expect(ackEliciting([{ type: 'padding' }, { type: 'ack', largest: 0, firstRange: 0, ranges: 0 }])).toBe(
      false,
    );
  });

  // A truncated or broken frame is named in the reason, which the ignored-packet log shows.
  it.each([
    ['an empty payload', '', 'packet without frames'],
    ['an unknown frame type', '21', 'unknown frame type 0x21'],
    ['a truncated frame type', '40', 'frame type: truncated variable-length integer'],
    ['a CRYPTO frame without its offset', '06', 'CRYPTO offset: truncated variable-length integer'],
    ['a truncated CRYPTO frame', '060010', 'CRYPTO data: 16 bytes wanted, 0 left'],
    ['a NEW_TOKEN without its length', '07', 'NEW_TOKEN token: truncated variable-length integer'],
    ['an empty NEW_TOKEN', '0700', 'NEW_TOKEN with an empty token'],
    ['an ACK without its largest', '02', 'ACK largest: truncated variable-length integer'],
    ['an ACK without its delay', '0205', 'ACK delay: truncated variable-length integer'],
    ['an ACK without its range count', '020500', 'ACK range count: truncated variable-length integer'],
    ['an ACK without its first range', '02050001', 'ACK first range: truncated variable-length integer'],
    ['an ACK without its gap', '0205000100', 'ACK gap: truncated variable-length integer'],
    [
      'an ACK without its range length',
      '020500010000',
      'ACK range length: truncated variable-length integer',
    ],
    ['an ACK range below zero', '0205000006', 'ACK range below packet number 0'],
    ['an ACK whose second range ends below zero', '0205000102' + '0002', 'ACK range below packet number 0'],
    ['an ACK without its ECT0 count', '0305000000', 'ACK ECT0 count: truncated variable-length integer'],
    ['an ACK without its ECT1 count', '030500000001', 'ACK ECT1 count: truncated variable-length integer'],
    ['a STREAM frame without its ID', '08', 'STREAM id: truncated variable-length integer'],
    ['a STREAM frame without its offset', '0c01', 'STREAM offset: truncated variable-length integer'],
    ['a STREAM frame without its length', '0a01', 'STREAM data: truncated variable-length integer'],
    ['a NEW_CONNECTION_ID cut short', '18', 'NEW_CONNECTION_ID sequence: truncated variable-length integer'],
    [
      'a NEW_CONNECTION_ID without retire',
      '1801',
      'NEW_CONNECTION_ID retire prior to: truncated variable-length integer',
    ],
    [
      'a NEW_CONNECTION_ID without its ID',
      '180100',
      'NEW_CONNECTION_ID connection ID: 1 bytes wanted, 0 left',
    ],
    [
      'a NEW_CONNECTION_ID retiring ahead of itself',
      '180102' + '04deadbeef' + '00'.repeat(16),
      'NEW_CONNECTION_ID retiring past its own sequence number',
    ],
    [
      'a NEW_CONNECTION_ID with a 21-byte ID',
      '180000' + '15' + '00'.repeat(21 + 16),
      'NEW_CONNECTION_ID with a connection ID not of 1 to 20 bytes',
    ],
    ['a CONNECTION_CLOSE cut short', '1c', 'CONNECTION_CLOSE error code: truncated variable-length integer'],
    [
      'a CONNECTION_CLOSE without its frame type',
      '1c00',
      'CONNECTION_CLOSE frame type: truncated variable-length integer',
    ],
    [
      'a CONNECTION_CLOSE without its reason',
      '1c0000',
      'CONNECTION_CLOSE reason: truncated variable-length integer',
    ],
    ['a RESET_STREAM cut short', '0401', 'fields of frame 0x4: truncated variable-length integer'],
    ['a truncated PATH_CHALLENGE', '1a0102', 'path challenge data: 8 bytes wanted, 2 left'],
  ])('rejects %s with a reason naming it', (_what, bytes, reason) => {
    expect(parseFrames(hex(bytes))).toEqual({ ok: false, reason });
  });

  // Each row is one packet payload at the edge of a rule; accepted ones end with a PING, so a field
  // read too far or not far enough shows as a wrong frame list.
  it.each<[string, string, unknown[]]>([
    ['an ACK whose first range reaches packet 0', '0205000005' + '01', [ack(5, 5, 0), PING]],
    [
      'an ACK whose last range ends at packet 0 (gap 1, length 2)',
      '020500010001' + '02' + '01',
      [ack(5, 0, 1), PING],
    ],
    ['an ACK with ECN counts', '0305000000' + '010203' + '01', [ack(5, 0, 0), PING]],
    [
      'a STREAM frame with an offset and a length',
      '0e' + '04' + '05' + '03616263' + '01',
      [skipped(0x0e), PING],
    ],
    ['a STREAM frame with an offset, to the end', '0c' + '04' + '05' + '616263', [skipped(0x0c)]],
    ['the first STREAM type (no offset, no length)', '08' + '04' + '616263', [skipped(0x08)]],
    [
      'the last STREAM type (offset, length, FIN)',
      '0f' + '04' + '05' + '03616263' + '01',
      [skipped(0x0f), PING],
    ],
    ['a NEW_TOKEN', '07' + '02aabb' + '01', [{ type: 'new_token', token: hex('aabb') }, PING]],
    ['a RESET_STREAM (three varints)', '04' + '010203' + '01', [skipped(0x04), PING]],
    ['a PATH_RESPONSE (eight bytes)', '1b' + '0102030405060708' + '01', [skipped(0x1b), PING]],
    ['padding then a PING', '000000' + '01', [{ type: 'padding' }, PING]],
    [
      'a NEW_CONNECTION_ID with a 1-byte ID retiring up to its own sequence',
      '180202' + '01aa' + '00'.repeat(16) + '01',
      [newCid(2, 2, 'aa'), PING],
    ],
    [
      'a NEW_CONNECTION_ID with a 20-byte ID',
      '180100' + '14' + 'bb'.repeat(20) + '00'.repeat(16) + '01',
      [newCid(1, 0, 'bb'.repeat(20)), PING],
    ],
    [
      'an application CONNECTION_CLOSE (no frame type)',
      '1d05' + '03616263',
      [{ type: 'connection_close', application: true, errorCode: 5, reason: 'abc' }],
    ],
  ])('reads %s', (_what, bytes, frames) => {
    expect(parseFrames(hex(bytes))).toEqual({ ok: true, value: frames });
  });

  it.each([
    ['an ACK whose last range ends below packet 0', '02050001000103', /ACK range below packet number 0/],
    ['an ACK whose first range is past its largest', '0205000006', /ACK range below packet number 0/],
    ['an ACK without its ECN counts', '0305000000' + '0102', /ECN-CE count/],
    ['a NEW_CONNECTION_ID with an empty ID', '180100' + '00' + '00'.repeat(16), /not of 1 to 20 bytes/],
    [
      'a NEW_CONNECTION_ID without its reset token',
      '180100' + '01aa' + '00'.repeat(15),
      /stateless reset token/,
    ],
  ])('rejects %s', (_what, bytes, reason) => {
    const parsed = parseFrames(hex(bytes));
    expect(!parsed.ok && parsed.reason).toMatch(reason);
  });

  it('allows a transport CONNECTION_CLOSE in the handshake spaces, not an application one', () => {
    const close = (application: boolean) =>
      ({ type: 'connection_close', application, errorCode: 0, reason: '' }) as const;
    expect(allowedInHandshakeSpaces(close(false))).toBe(true);
    expect(allowedInHandshakeSpaces(close(true))).toBe(false);
    expect(ackEliciting([close(false)])).toBe(false);
    expect(ackEliciting([{ type: 'ping' }])).toBe(true);
  });

  it('keeps at most 200 characters of a peer reason phrase', () => {
    const parsed = parseFrames(connectionCloseFrame(0x10a, 'x'.repeat(1000)));
    const frame = parsed.ok ? parsed.value[0] : undefined;
    expect(frame?.type === 'connection_close' && frame.reason.length).toBe(200);
  });
});

describe('CRYPTO stream reassembly', () => {
  it('delivers fragments in order, whatever order they come in, once', () => {
    const s = new CryptoStream(100);
    const got: string[] = [];
    for (const [offset, text] of [
      [3, 'def'],
      [0, 'abc'],
      [0, 'ab'],
      [6, 'g'],
      [2, 'cdefgh'],
    ] as const) {
      const r = s.push(offset, Buffer.from(text));
      if (!r.ok) throw new Error(r.reason);
      got.push(r.data.toString());
    }
    expect(got).toEqual(['', 'abcdef', '', 'g', 'h']);
  });

  it('refuses data beyond its cap, and too much held out of order', () => {
    const s = new CryptoStream(10);
    expect(s.push(5, Buffer.alloc(6))).toEqual({
      ok: false,
      reason: expect.stringContaining('beyond the 10-byte buffer'),
    });
    expect(s.push(0, Buffer.alloc(10)).ok).toBe(true);
    expect(s.push(10, Buffer.alloc(10)).ok).toBe(true);
  });
});

describe('transport parameters', () => {
  const ids = {
    original: Buffer.from('0102', 'hex'),
    serverInitial: Buffer.from('0a0b', 'hex'),
    retry: Buffer.from('0c0d', 'hex'),
  };
  const params = (entries: Array<[number, Buffer]>) =>
    parseTransportParameters(
      Buffer.concat(entries.map(([id, v]) => Buffer.concat([encodeVarint(id), encodeVarint(v.length), v]))),
    );

  it('reads our own parameters back, and refuses one given twice', () => {
    const ours = parseTransportParameters(clientTransportParameters(Buffer.from('abcd', 'hex'), 5000));
    expect(ours.get(PARAM.initialSourceConnectionId)?.toString('hex')).toBe('abcd');
    expect(decodeVarint(ours.get(PARAM.maxIdleTimeout)!, 0)?.value).toBe(5000n);
    expect(() =>
      params([
        [1, Buffer.from('01', 'hex')],
        [1, Buffer.from('02', 'hex')],
      ]),
    ).toThrow(/given twice/);
  });

  it('checks the connection IDs the server authenticates (RFC 9000 §7.3)', () => {
    const good = params([
      [PARAM.originalDestinationConnectionId, ids.original],
      [PARAM.initialSourceConnectionId, ids.serverInitial],
      [PARAM.retrySourceConnectionId, ids.retry],
    ]);
    expect(connectionIdProblem(good, ids)).toBeUndefined();
    expect(connectionIdProblem(good, { ...ids, retry: undefined })).toMatch(
      /retry_source_connection_id without a Retry/,
    );
    expect(connectionIdProblem(good, { ...ids, original: Buffer.from('ffff', 'hex') })).toMatch(
      /original_destination_connection_id is 0102, not ffff/,
    );
    expect(connectionIdProblem(params([[PARAM.originalDestinationConnectionId, ids.original]]), ids)).toMatch(
      /lack initial_source_connection_id/,
    );
  });
});
