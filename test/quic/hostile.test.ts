// Hostile and broken answers to our QUIC handshake, from a loopback peer: none may crash the dial or
// keep it past its deadline, and each ignored packet leaves its reason.
import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeVarint } from '../../src/net/quic/varint.js';
import { connectionCloseFrame, pingFrame } from '../../src/net/quic/frames.js';
import { dialQuic, type QuicDialResult } from '../../src/net/quic/dial.js';
import { retryIntegrityTag } from '../../src/net/quic/retry.js';
import { clientIds, flood, forgedInitial, peer, SERVER_CID, type Answer, type Peer } from './peer.js';

const TIMEOUT = 400;
let current: Peer | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

async function dialAgainst(
  answer: Answer,
  timeoutMs = TIMEOUT,
): Promise<{ result: QuicDialResult; elapsed: number; peer: Peer }> {
  current = await peer(answer);
  const began = performance.now();
  const result = await dialQuic({
    address: '127.0.0.1',
    port: current.port,
    host: 'localhost',
    verify: true,
    timeoutMs,
    resendMs: 100,
  });
  return { result, elapsed: performance.now() - began, peer: current };
}

const reasons = (r: QuicDialResult) => r.ignored.reasons.map((x) => x.reason).join(' | ');

/** A long header for the client's connection, of a type and version, then `rest`. */
function longHeader(clientDatagram: Buffer, first: number, version: number, rest: Buffer): Buffer {
  const { dcid, scid } = clientIds(clientDatagram);
  const v = Buffer.alloc(4);
  v.writeUInt32BE(version);
  return Buffer.concat([
    Buffer.from([first]),
    v,
    Buffer.from([scid.length]),
    scid,
    Buffer.from([dcid.length]),
    dcid,
    rest,
  ]);
}

describe('the QUIC dial against hostile answers', () => {
  it('times out at its deadline against silence, having resent the Initial with backoff', async () => {
    const { result, elapsed, peer } = await dialAgainst(() => {});
    expect(result.failure).toMatchObject({ failure: 'generic_timeout_error', operation: 'quic_handshake' });
    expect(result.failure?.message).toMatch(/no answer to 3 Initial packet\(s\)/); // at 0, 100 and 300 ms
    expect(result.stage).toBe('initial');
    expect(peer.received.every((d) => d.length >= 1200)).toBe(true);
    expect(elapsed).toBeLessThan(TIMEOUT + 250);
  });

  it('is connection_refused when the port is closed (ICMP port unreachable on the connected socket)', async () => {
    const s = dgram.createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
    const port = s.address().port;
    await new Promise<void>((r) => s.close(() => r()));
    const result = await dialQuic({
      address: '127.0.0.1',
      port,
      host: 'localhost',
      verify: true,
      timeoutMs: TIMEOUT,
    });
    expect(result.failure).toMatchObject({ failure: 'connection_refused', code: 'ECONNREFUSED' });
    expect(result.localPort).toBeGreaterThan(443);
  });

  it('refuses a name where an address belongs, without looking it up', async () => {
    const result = await dialQuic({
      address: 'localhost',
      port: 443,
      host: 'localhost',
      verify: true,
      timeoutMs: TIMEOUT,
    });
    expect(result.failure).toMatchObject({
      failure: 'unknown_failure',
      message: 'not an IP address: localhost',
    });
    expect(result.datagramsSent).toBe(0);
  });

  // Each answers every client datagram; forged Initials use the keys of the client's first.
  it.each<[string, (d: Buffer) => Buffer, RegExp]>([
    ['garbage', () => randomBytes(300), /./],
    ['a truncated packet', (d) => forgedInitial(d, pingFrame()).subarray(0, 40), /packet: \d+ bytes wanted/],
    ['an oversized datagram', () => Buffer.alloc(4000, 0xc0), /datagram of 4000 bytes, larger than the 1472/],
    [
      'a packet for another connection ID',
      (d) => forgedInitial(d, pingFrame(), { dcid: randomBytes(8) }),
      /another connection ID/,
    ],
    [
      'an Initial not sealed with the connection keys',
      (d) => {
        const p = forgedInitial(d, pingFrame());
        p[p.length - 1]! ^= 0xff;
        return p;
      },
      /authentication failed/,
    ],
    [
      'an authentic Initial with a malformed frame',
      (d) => forgedInitial(d, Buffer.from([0x02, 0x05, 0x00, 0x00, 0x06])),
      /initial packet: ACK range below/,
    ],
    [
      'an Initial with a frame not allowed there',
      (d) => forgedInitial(d, Buffer.from([0x1e])),
      /not allowed there \(handshake_done\)/,
    ],
    [
      'a long header of an unknown version',
      (d) => longHeader(d, 0xc0, 0x0a0a0a0a, Buffer.alloc(30)),
      /unknown version 0x0a0a0a0a/,
    ],
    [
      'a Version Negotiation listing v1',
      (d) => longHeader(d, 0x80, 0, Buffer.from('0000000100000002', 'hex')),
      /listing QUIC v1/,
    ],
    [
      'a Retry with a wrong tag',
      (d) => longHeader(d, 0xf0, 1, Buffer.concat([Buffer.from('abc'), randomBytes(16)])),
      /wrong integrity tag/,
    ],
  ])('ignores %s with a reason, and times out at its deadline', async (_what, answer, reason) => {
    const { result, elapsed } = await dialAgainst((_d, reply, first) => reply(answer(first)));
    expect(result.failure?.failure).toBe('generic_timeout_error');
    expect(result.ignored.total).toBeGreaterThan(0);
    expect(reasons(result)).toMatch(reason);
    expect(elapsed).toBeLessThan(TIMEOUT + 250);
  });

  it('stops reading an endless answer, keeps its log bounded, and still ends at its deadline', async () => {
    // Sealing and opening 400 packets takes the peer and the dial over 400 ms on a loaded machine (and
    // under mutation testing's instrumented code): a longer deadline lets the flood outrun the cap.
    const deadline = 2000;
    const { result, elapsed } = await dialAgainst((d, reply, first) => {
      if (d === first)
        flood(
          reply,
          (i) => (i % 2 ? randomBytes(64 + i) : forgedInitial(first, pingFrame(), { pn: i })),
          400,
        );
    }, deadline);
    expect(result.failure?.failure).toBe('generic_timeout_error');
    expect(result.datagramsReceived).toBeGreaterThan(256);
    expect(result.datagramsUnread).toBe(result.datagramsReceived - 256);
    expect(result.ignored.reasons.length).toBeLessThanOrEqual(16);
    expect(result.datagramsSent).toBeLessThan(50); // ACKs to a flood are capped
    expect(elapsed).toBeLessThan(deadline + 250);
  });

  it('ends with eof_error when a CONNECTION_CLOSE comes, quoting the reason', async () => {
    const { result } = await dialAgainst((_d, reply, first) =>
      reply(forgedInitial(first, connectionCloseFrame(0x2, 'go away'))),
    );
    expect(result.failure).toMatchObject({ failure: 'eof_error', code: 'ERR_QUIC_CONNECTION_CLOSE' });
    expect(result.failure?.message).toBe('the server closed the connection (CONNECTION_REFUSED): "go away"');
  });

  it('ends with ssl_failed_handshake on a Version Negotiation without v1, listing the versions', async () => {
    const { result } = await dialAgainst((d, reply) =>
      reply(longHeader(d, 0x80, 0, Buffer.from('6b3343cf00000002', 'hex'))),
    );
    expect(result.failure).toMatchObject({
      failure: 'ssl_failed_handshake',
      code: 'ERR_QUIC_VERSION_NEGOTIATION',
    });
    expect(result.serverVersions).toEqual([0x6b3343cf, 2]);
  });

  it('follows an authentic Retry: the next Initial goes to the new ID with the token', async () => {
    const token = Buffer.from('a token');
    const { result, peer } = await dialAgainst((d, reply) => {
      const ids = clientIds(d);
      if (!ids.dcid.equals(SERVER_CID)) {
        const retry = longHeader(d, 0xf0, 1, Buffer.alloc(0));
        const withScid = Buffer.concat([
          retry.subarray(0, 6 + ids.scid.length),
          Buffer.from([SERVER_CID.length]),
          SERVER_CID,
          token,
        ]);
        reply(Buffer.concat([withScid, retryIntegrityTag(ids.dcid, withScid)]));
      }
    });
    expect(result).toMatchObject({ retry: true, stage: 'initial' });
    const after = peer.received.find((d) => clientIds(d).dcid.equals(SERVER_CID));
    expect(after?.includes(Buffer.concat([encodeVarint(token.length), token]))).toBe(true);
  });
});
