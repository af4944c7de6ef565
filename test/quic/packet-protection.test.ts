import { describe, expect, it } from 'vitest';
import { initialKeys, initialSecrets } from '../../src/net/quic/initial.js';
import { longOverhead, packetBytes, parseHeader, sealLong } from '../../src/net/quic/packet.js';
import { decodePacketNumber, packetKeys, protect, unprotect } from '../../src/net/quic/protection.js';
import { retryIntegrityTag, retryIsAuthentic } from '../../src/net/quic/retry.js';
import { SUITES } from '../../src/net/quic/suites.js';
import * as A from './rfc9001-vectors.js';

const hex = (s: string) => Buffer.from(s, 'hex');
const dcid = hex(A.DCID);

describe('Initial secrets and keys (RFC 9001 A.1)', () => {
  it('derives the client and server secrets and keys of the appendix', () => {
    const secrets = initialSecrets(dcid);
    expect(secrets.client.toString('hex')).toBe(
      'c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea',
    );
    expect(secrets.server.toString('hex')).toBe(
      '3c199828fd139efd216c155ad844cc81fb82fa8d7446fa7d78be803acdda951b',
    );
    const { client, server } = initialKeys(dcid);
    expect([client.key, client.iv, client.hp].map((b) => b.toString('hex'))).toEqual([
      '1f369613dd76d5467730efcbe3b1a22d',
      'fa044b2f42a3fd3b46fb255c',
      '9f50449e04a0e810283a1e9933adedd2',
    ]);
    expect([server.key, server.iv, server.hp].map((b) => b.toString('hex'))).toEqual([
      'cf3a5331653c364c88f0f379b6067e37',
      '0ac1493ca1905853b0bba03e',
      'c206b8d9b9f0f37644430b490eeaa314',
    ]);
  });
});

describe('packet protection (RFC 9001 A.2, A.3, A.5)', () => {
  const clientPayload = Buffer.concat([hex(A.CLIENT_CRYPTO_FRAME), Buffer.alloc(917)]);

  it('protects the client Initial into the appendix packet, all 1200 bytes', () => {
    const packet = protect(initialKeys(dcid).client, hex(A.CLIENT_PLAIN_HEADER), 4, 2, clientPayload);
    expect(packet.length).toBe(1200);
    expect(packet.toString('hex')).toBe(A.CLIENT_PROTECTED);
  });

  it('parses and unprotects the client Initial back into its header and payload', () => {
    const packet = hex(A.CLIENT_PROTECTED);
    const parsed = parseHeader(packet, 0, 0);
    if (!parsed.ok || parsed.value.form !== 'long') throw new Error('not a long header');
    expect(parsed.value.type).toBe('initial');
    expect(parsed.value.dcid.toString('hex')).toBe(A.DCID);
    expect(parsed.value.end).toBe(1200);
    const opened = unprotect(
      initialKeys(dcid).client,
      packetBytes(packet, parsed.value),
      parsed.value.pnOffset,
      -1,
    );
    if ('reason' in opened) throw new Error(opened.reason);
    expect(opened.pn).toBe(2);
    expect(opened.header.toString('hex')).toBe(A.CLIENT_PLAIN_HEADER);
    expect(opened.payload.equals(clientPayload)).toBe(true);
  });

  it('protects and unprotects the server Initial of the appendix', () => {
    const keys = initialKeys(dcid).server;
    expect(protect(keys, hex(A.SERVER_PLAIN_HEADER), 2, 1, hex(A.SERVER_PAYLOAD)).toString('hex')).toBe(
      A.SERVER_PROTECTED,
    );
    const packet = hex(A.SERVER_PROTECTED);
    const parsed = parseHeader(packet, 0, 0);
    if (!parsed.ok || parsed.value.form !== 'long') throw new Error('not a long header');
    expect(parsed.value.scid.toString('hex')).toBe('f067a5502a4262b5');
    const opened = unprotect(keys, packet, parsed.value.pnOffset, -1);
    if ('reason' in opened) throw new Error(opened.reason);
    expect(opened.pn).toBe(1);
    expect(opened.payload.toString('hex')).toBe(A.SERVER_PAYLOAD);
  });

  it('protects and unprotects the ChaCha20-Poly1305 short header packet', () => {
    const keys = packetKeys(SUITES.get(0x1303)!, hex(A.CHACHA_SECRET));
    expect(keys.key.toString('hex')).toBe('c6d98ff3441c3fe1b2182094f69caa2ed4b716b65488960a7a984979fb23e1c8');
    const packet = protect(keys, hex(A.CHACHA_PLAIN_HEADER), 3, A.CHACHA_PN, hex(A.CHACHA_PAYLOAD));
    expect(packet.toString('hex')).toBe(A.CHACHA_PROTECTED);
    const opened = unprotect(keys, packet, 1, A.CHACHA_PN - 1);
    if ('reason' in opened) throw new Error(opened.reason);
    expect(opened.pn).toBe(A.CHACHA_PN);
    expect(opened.payload.toString('hex')).toBe(A.CHACHA_PAYLOAD);
  });

  it('says why a packet cannot be opened: wrong keys, a flipped byte, too short', () => {
    const packet = hex(A.SERVER_PROTECTED);
    const wrong = unprotect(initialKeys(Buffer.from('0001020304050607', 'hex')).server, packet, 18, -1);
    expect(wrong).toEqual({ reason: expect.stringContaining('authentication failed') });
    const flipped = Buffer.from(packet);
    flipped[flipped.length - 1]! ^= 1;
    expect(unprotect(initialKeys(dcid).server, flipped, 18, -1)).toEqual({
      reason: expect.stringContaining('authentication failed'),
    });
    expect(unprotect(initialKeys(dcid).server, packet.subarray(0, 30), 18, -1)).toEqual({
      reason: 'packet too short to hold a header protection sample',
    });
  });

  it('refuses an authentic packet with a reserved header bit set, and accepts the spin and key phase bits', () => {
    const keys = initialKeys(dcid).server;
    const payload = hex(A.SERVER_PAYLOAD);
    const long = (first: number) => {
      const header = hex(A.SERVER_PLAIN_HEADER);
      header[0] = first;
      return unprotect(keys, protect(keys, header, 2, 1, payload), 18, -1);
    };
    expect(long(0xc1)).toMatchObject({ pn: 1 });
    expect(long(0xc1 | 0x08)).toEqual({ reason: 'reserved header bits set' });
    expect(long(0xc1 | 0x04)).toEqual({ reason: 'reserved header bits set' });
    const one = packetKeys(SUITES.get(0x1303)!, hex(A.CHACHA_SECRET));
    const short = (first: number) => {
      const header = hex(A.CHACHA_PLAIN_HEADER);
      header[0] = first;
      const packet = protect(one, header, 3, A.CHACHA_PN, hex(A.CHACHA_PAYLOAD));
      return unprotect(one, packet, 1, A.CHACHA_PN - 1);
    };
    expect(short(0x42 | 0x20 | 0x04)).toMatchObject({ pn: A.CHACHA_PN }); // spin bit, key phase 1
    expect(short(0x42 | 0x10)).toEqual({ reason: 'reserved header bits set' });
    expect(short(0x42 | 0x08)).toEqual({ reason: 'reserved header bits set' });
  });

  it('seals long packets that its own parser opens, with a token', () => {
    const keys = initialKeys(dcid).client;
    const fields = { type: 'initial' as const, dcid, scid: hex('0a0b'), token: hex('746f6b656e') };
    const packet = sealLong(keys, fields, 7, Buffer.concat([hex('01'), Buffer.alloc(30)]));
    const parsed = parseHeader(packet, 0, 0);
    if (!parsed.ok || parsed.value.form !== 'long') throw new Error('not a long header');
    expect(parsed.value.token.toString()).toBe('token');
    expect(parsed.value.end).toBe(packet.length); // its Length field counts the number, payload and tag
    const opened = unprotect(keys, packet, parsed.value.pnOffset, 5);
    expect('pn' in opened && opened.pn).toBe(7);
  });
});

describe('packet numbers (RFC 9000 A.3)', () => {
  it('decodes the truncated numbers of the example', () => {
    expect(decodePacketNumber(0xa82f30ea, 0x9b32, 16)).toBe(0xa82f9b32);
    expect(decodePacketNumber(-1, 0, 8)).toBe(0);
    expect(decodePacketNumber(0xff, 0x01, 8)).toBe(0x101);
  });

  it('picks the number closest to the next expected one, at the edges of its half-window', () => {
    // Expected 0x100, 8 bits: the window is (0x80, 0x180].
    expect(decodePacketNumber(0xff, 0x80, 8)).toBe(0x180);
    expect(decodePacketNumber(0xff, 0x81, 8)).toBe(0x81);
    // Expected 0x1c0: the window is (0x140, 0x240].
    expect(decodePacketNumber(0x1bf, 0x40, 8)).toBe(0x240);
    expect(decodePacketNumber(0x1bf, 0x41, 8)).toBe(0x141);
    // Nothing received yet: 0xff is above the half-window, but there is no number below it.
    expect(decodePacketNumber(-1, 0xff, 8)).toBe(0xff);
    // The window never moves past the largest packet number, 2^62 - 1.
    expect(decodePacketNumber(2 ** 62 - 2 ** 31, 0, 32)).toBe(2 ** 62 - 2 ** 32);
  });
});

describe('Retry integrity (RFC 9001 A.4)', () => {
  it('computes the tag of the appendix Retry and checks it', () => {
    const retry = hex(A.RETRY);
    expect(retryIntegrityTag(dcid, retry.subarray(0, retry.length - 16)).toString('hex')).toBe(
      '04a265ba2eff4d829058fb3f0f2496ba',
    );
    expect(retryIsAuthentic(dcid, retry)).toBe(true);
    expect(retryIsAuthentic(hex('0102030405060708'), retry)).toBe(false);
  });

  it('parses the Retry header: token and tag', () => {
    const parsed = parseHeader(hex(A.RETRY), 0, 0);
    if (!parsed.ok || parsed.value.form !== 'retry') throw new Error('not a Retry');
    expect(parsed.value.token.toString()).toBe('token');
    expect(parsed.value.scid.toString('hex')).toBe('f067a5502a4262b5');
  });
});

describe('packet headers (RFC 9000 §17)', () => {
  /** A long header: first byte, version, the two IDs, then the rest of the packet. */
  const long = (first: number, version: string, d: string, s: string, rest = '') =>
    hex(
      first.toString(16) +
        version +
        (d.length / 2).toString(16).padStart(2, '0') +
        d +
        (s.length / 2).toString(16).padStart(2, '0') +
        s +
        rest,
    );
  const V1 = '00000001';
  const cid20 = 'ab'.repeat(20);

  it.each([
    ['a short header without the fixed bit', hex('00aabb'), /short header without the fixed bit/],
    ['a short header shorter than our connection ID', hex('40aa'), /short header connection ID/],
    ['a long header of another version', long(0xc0, 'ff00001d', '', ''), /unknown version 0xff00001d/],
    [
      'a long header of version 2, in 8 hex digits',
      long(0xc0, '00000002', '', ''),
      /unknown version 0x00000002$/,
    ],
    // Truncated anywhere: the reason names the field the datagram ended in.
    ['an empty datagram', hex(''), /^first byte: 1 bytes wanted, 0 left$/],
    ['a version cut short', hex('c00000'), /^version: 4 bytes wanted, 2 left$/],
    ['a destination ID cut short', long(0xc0, V1, '', '').subarray(0, 5), /^destination connection ID: /],
    [
      'a source ID cut short',
      hex('c0' + V1 + '00' + '03aa'),
      /^source connection ID: 3 bytes wanted, 1 left$/,
    ],
    ['an Initial token cut short', long(0xc0, V1, '', '', '05aa'), /^token: 5 bytes wanted, 1 left$/],
    [
      'an Initial without its Length',
      long(0xc0, V1, '', '', '00'),
      /^length: truncated variable-length integer$/,
    ],
    ['a 21-byte destination ID', long(0xc0, V1, 'ab'.repeat(21), '', '0000'), /longer than 20 bytes/],
    ['a 21-byte source ID', long(0xc0, V1, '', 'ab'.repeat(21), '0000'), /longer than 20 bytes/],
    ['a long header without the fixed bit', long(0x80, V1, '', '', '0000'), /without the fixed bit/],
    [
      'a Retry shorter than its tag',
      long(0xf0, V1, '', '', '00'.repeat(15)),
      /shorter than its integrity tag/,
    ],
    ['a Version Negotiation with no version', long(0x80, '00000000', '', ''), /partial version list/],
    [
      'a Version Negotiation with 5 bytes of versions',
      long(0x80, '00000000', '', '', '0000000102'),
      /partial/,
    ],
    [
      'a Handshake packet longer than its datagram',
      long(0xe0, V1, '', '', '05' + '00'.repeat(4)),
      /packet: 5 bytes wanted, 4 left/,
    ],
  ])('refuses %s', (_what, datagram, reason) => {
    const parsed = parseHeader(datagram, 0, 2);
    expect(!parsed.ok && parsed.reason).toMatch(reason);
  });

  it('reads a short header with the receiver’s connection ID length, from an offset', () => {
    const datagram = hex('ffff' + '41aabbcc' + '00');
    expect(parseHeader(datagram, 2, 3)).toEqual({
      ok: true,
      value: { form: 'short', dcid: hex('aabbcc'), pnOffset: 6, start: 2, end: 7 },
    });
  });

  it('reads 20-byte IDs, and the type from bits 4-5: 0-RTT and Handshake carry no token', () => {
    const zeroRtt = parseHeader(long(0xd0, V1, cid20, cid20, '02aabb'), 0, 0);
    expect(zeroRtt).toMatchObject({ ok: true, value: { form: 'long', type: '0rtt', pnOffset: 48, end: 50 } });
    const handshake = parseHeader(Buffer.concat([long(0xe0, V1, '01', '02', '01aa'), hex('ffff')]), 0, 0);
    expect(handshake).toMatchObject({
      ok: true,
      value: { form: 'long', type: 'handshake', dcid: hex('01'), scid: hex('02'), token: hex(''), end: 11 },
    });
  });

  it('reads an empty Retry token, and a Version Negotiation list', () => {
    const retry = parseHeader(long(0xf0, V1, '', '', 'cc'.repeat(16)), 0, 0);
    expect(retry).toMatchObject({
      ok: true,
      value: { form: 'retry', token: hex(''), tag: hex('cc'.repeat(16)) },
    });
    const vn = parseHeader(long(0x80, '00000000', '01', '', '6b3343cf00000001'), 0, 0);
    expect(vn).toMatchObject({ ok: true, value: { form: 'version-negotiation', versions: [0x6b3343cf, 1] } });
  });

  it('says how many bytes sealing adds: what sealLong really adds', () => {
    const keys = initialKeys(dcid).client;
    for (const fields of [
      { type: 'initial' as const, dcid, scid: hex('0a0b'), token: hex('746f6b656e') },
      { type: 'initial' as const, dcid, scid: hex('') },
      { type: 'handshake' as const, dcid: hex('01'), scid: hex('0a0b0c') },
    ]) {
      const payload = Buffer.alloc(40, 1);
      expect(sealLong(keys, fields, 3, payload).length - payload.length).toBe(longOverhead(fields));
    }
  });
});
