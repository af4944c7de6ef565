// The QUIC client's small parts at their edges: HKDF's published vectors (RFC 5869) and label
// encoding (RFC 8446 §7.1), the SHA-384 suite, the CRYPTO reassembly buffer, the ignored-packet log,
// a packet number space's memory, and the shortest payloads that can be sealed or parsed.
import { hkdfSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CryptoStream } from '../../src/net/quic/crypto-stream.js';
import { ackFrame, parseFrames } from '../../src/net/quic/frames.js';
import { hashLength, hkdfExpand, hkdfExpandLabel, hkdfExtract } from '../../src/net/quic/hkdf.js';
import { IgnoredLog } from '../../src/net/quic/ignored.js';
import { initialKeys } from '../../src/net/quic/initial.js';
import { packetKeys, protect, unprotect } from '../../src/net/quic/protection.js';
import { retryIsAuthentic } from '../../src/net/quic/retry.js';
import { PacketSpace } from '../../src/net/quic/space.js';
import { SUITES } from '../../src/net/quic/suites.js';
import { earlySecret, finishedVerifyData, handshakeSecret } from '../../src/net/quic/tls/key-schedule.js';

const hex = (s: string) => Buffer.from(s, 'hex');

describe('HKDF (RFC 5869 appendix A, SHA-256)', () => {
  const ikm = Buffer.alloc(22, 0x0b);

  it('test case 1: extract with a salt, expand with info over two blocks', () => {
    const prk = hkdfExtract('sha256', hex('000102030405060708090a0b0c'), ikm);
    expect(prk.toString('hex')).toBe('077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5');
    expect(hkdfExpand('sha256', prk, hex('f0f1f2f3f4f5f6f7f8f9'), 42).toString('hex')).toBe(
      '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
    );
  });

  it('test case 3: no salt, no info', () => {
    const prk = hkdfExtract('sha256', Buffer.alloc(0), ikm);
    expect(prk.toString('hex')).toBe('19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04');
    expect(hkdfExpand('sha256', prk, Buffer.alloc(0), 42).toString('hex')).toBe(
      '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8',
    );
  });

  it('expands SHA-384 to exactly the length asked, at and across block edges, as node:crypto does', () => {
    const salt = hex('00010203');
    const prk = hkdfExtract('sha384', salt, ikm);
    for (const length of [1, 47, 48, 49, 96, 97]) {
      const ours = hkdfExpand('sha384', prk, hex('abcd'), length);
      expect(ours).toEqual(Buffer.from(hkdfSync('sha384', ikm, salt, hex('abcd'), length)));
    }
  });

  it('encodes HkdfLabel with a 2-byte length, the "tls13 " prefix and the context (RFC 8446 §7.1)', () => {
    const secret = Buffer.alloc(32, 1);
    const label = Buffer.from('tls13 key', 'ascii');
    const info = Buffer.concat([hex('012c'), Buffer.from([label.length]), label, hex('02abcd')]);
    expect(hkdfExpandLabel('sha256', secret, 'key', hex('abcd'), 300)).toEqual(
      hkdfExpand('sha256', secret, info, 300),
    );
  });
});

describe('the SHA-384 suite (TLS_AES_256_GCM_SHA384)', () => {
  const suite = SUITES.get(0x1302)!;

  it('derives 48-byte secrets and 32-byte keys, and seals what it opens', () => {
    expect(hashLength('sha384')).toBe(48);
    expect(earlySecret('sha384')).toHaveLength(48);
    const secret = handshakeSecret('sha384', Buffer.alloc(32, 2));
    expect(secret).toHaveLength(48);
    expect(finishedVerifyData('sha384', secret, Buffer.alloc(48))).toHaveLength(48);
    const keys = packetKeys(suite, secret);
    expect([keys.key.length, keys.iv.length, keys.hp.length]).toEqual([32, 12, 32]);
    const header = hex('c000000001000000000007'); // ends with packet number 7, one byte
    const packet = protect(keys, header, 1, 7, Buffer.alloc(20, 0x01));
    expect(unprotect(keys, packet, header.length - 1, 6)).toMatchObject({
      pn: 7,
      payload: Buffer.alloc(20, 0x01),
    });
  });
});

describe('the smallest packets', () => {
  const keys = initialKeys(hex('0102030405060708')).client;

  it('seals a payload only when packet number and payload leave 4 bytes before the sample', () => {
    const header = hex('c0000000010000000000');
    expect(() => protect(keys, header, 1, 0, Buffer.alloc(2))).toThrow(/too short to sample/);
    const packet = protect(keys, header, 1, 0, Buffer.from([1, 0, 0]));
    expect(packet.length).toBe(header.length + 3 + 16);
    expect(unprotect(keys, packet, header.length - 1, -1)).toMatchObject({ pn: 0, payload: hex('010000') });
  });

  it('refuses a packet without frames, an ACK of nothing, and a Retry shorter than its tag', () => {
    expect(parseFrames(Buffer.alloc(0))).toEqual({ ok: false, reason: 'packet without frames' });
    expect(() => ackFrame([])).toThrow(new RangeError('nothing to acknowledge'));
    expect(retryIsAuthentic(hex('0102'), Buffer.alloc(15))).toBe(false);
  });
});

describe('CRYPTO reassembly limits', () => {
  it('keeps the longer of two fragments at one offset, the first of two as long', () => {
    const s = new CryptoStream(10);
    const nothing = { ok: true, data: Buffer.alloc(0) };
    expect(s.push(4, Buffer.from('ef'))).toEqual(nothing);
    expect(s.push(4, Buffer.from('XY'))).toEqual(nothing);
    expect(s.push(4, Buffer.from('efgh'))).toEqual(nothing);
    expect(s.push(4, Buffer.from('e'))).toEqual(nothing);
    expect(s.push(1, Buffer.from('bc'))).toEqual(nothing);
    expect(s.push(0, Buffer.from('a'))).toEqual({ ok: true, data: Buffer.from('abc') });
    expect(s.push(3, Buffer.from('d'))).toEqual({ ok: true, data: Buffer.from('defgh') });
    const first = new CryptoStream(10);
    first.push(2, Buffer.from('cd'));
    first.push(2, Buffer.from('XY'));
    expect(first.push(0, Buffer.from('ab'))).toEqual({ ok: true, data: Buffer.from('abcd') });
  });

  it('counts a replaced fragment once against the cap, and delivers past one held inside another', () => {
    const s = new CryptoStream(5);
    expect(s.push(1, Buffer.from('bc')).ok).toBe(true);
    expect(s.push(1, Buffer.from('bcde')).ok).toBe(true); // 4 bytes held, not 6
    expect(s.push(0, Buffer.from('a'))).toEqual({ ok: true, data: Buffer.from('abcde') });
    const inner = new CryptoStream(10);
    inner.push(2, Buffer.from('cd'));
    inner.push(1, Buffer.from('bcdef'));
    expect(inner.push(0, Buffer.from('a'))).toEqual({ ok: true, data: Buffer.from('abcdef') });
    expect(inner.push(6, Buffer.from('g'))).toEqual({ ok: true, data: Buffer.from('g') });
    expect(inner.push(3, Buffer.from('def'))).toEqual({ ok: true, data: Buffer.alloc(0) });
  });

  it('refuses overlapping fragments that together hold more than the cap', () => {
    const s = new CryptoStream(10);
    expect(s.push(1, Buffer.alloc(9)).ok).toBe(true);
    expect(s.push(2, Buffer.alloc(8))).toEqual({
      ok: false,
      reason: 'more than 10 bytes of CRYPTO data held out of order',
    });
  });
});

describe('the ignored-packet log', () => {
  it('counts reasons that differ only in numbers as one kind, and keeps 16 kinds', () => {
    const log = new IgnoredLog();
    log.add('duplicate packet number 1');
    log.add('duplicate packet number 2');
    log.add('version 0x0a0a0a0a');
    log.add('version 0x1b');
    log.add('packet number 12');
    log.add('packet number 3');
    for (let i = 0; i < 20; i++) log.add(`kind ${String.fromCharCode(97 + i)}`);
    const view = log.view();
    expect(view.total).toBe(26);
    expect(view.reasons).toHaveLength(16);
    expect(view.reasons.slice(0, 3)).toEqual([
      { reason: 'duplicate packet number 1', count: 2 },
      { reason: 'version 0x0a0a0a0a', count: 2 },
      { reason: 'packet number 12', count: 2 },
    ]);
    expect(view.reasons.at(-1)).toEqual({ reason: 'kind m', count: 1 });
  });
});

describe('a packet number space', () => {
  it('remembers the last 64 packet numbers, forgetting the smallest first, and acknowledges them', () => {
    const keys = initialKeys(hex('01')).client;
    const space = new PacketSpace(keys, keys);
    expect([space.largest, space.ackPending, space.takePn(), space.takePn()]).toEqual([-1, false, 0, 1]);
    expect(space.ack()).toBeUndefined();
    expect(space.record(100, false)).toBe(true);
    expect(space.ackPending).toBe(false);
    for (let pn = 0; pn < 64; pn++) space.record(pn, true);
    expect(space.ackPending).toBe(true);
    expect([space.seen(0), space.seen(1), space.seen(63), space.seen(100)]).toEqual([
      false,
      true,
      true,
      true,
    ]);
    expect(space.largest).toBe(100);
    expect(space.record(5, true)).toBe(false);
    expect(parseFrames(space.ack()!)).toEqual({
      ok: true,
      value: [{ type: 'ack', largest: 100, firstRange: 0, ranges: 1 }],
    });
    expect(space.ackPending).toBe(false);
  });
});
