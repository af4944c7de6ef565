import { describe, expect, it } from 'vitest';
import { Reader } from '../../src/net/quic/bytes.js';
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
  it('refuses values out of range and says when a buffer ends inside one', () => {
    expect(() => encodeVarint(2n ** 62n)).toThrow(RangeError);
    expect(() => encodeVarint(64, 1)).toThrow(RangeError);
    expect(decodeVarint(hex('9d7f3e'), 0)).toBeUndefined();
    expect(() => new Reader(hex('c2')).varint('x')).toThrow(/truncated/);
  });
});

describe('frames', () => {
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

  it.each([
    ['an empty payload', ''],
    ['an unknown frame type', '21'],
    ['a truncated CRYPTO frame', '060010'],
    ['an ACK range below zero', '0205000006'],
    ['a NEW_CONNECTION_ID retiring ahead of itself', '180102' + '04deadbeef' + '00'.repeat(16)],
    ['a NEW_CONNECTION_ID with a 21-byte ID', '180000' + '15' + '00'.repeat(21 + 16)],
    ['a truncated PATH_CHALLENGE', '1a0102'],
    ['an empty NEW_TOKEN', '0700'],
  ])('rejects %s with a reason', (_what, bytes) => {
    const parsed = parseFrames(hex(bytes));
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.reason.length).toBeGreaterThan(0);
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
