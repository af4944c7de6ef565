// The client connection's state machine, datagram by datagram and without sockets: what each kind of
// server datagram (forged, misdirected, late, closing) does to it, and what it sends back.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CERTS, MOCK_CA } from '../../src/mock/certs.js';
import { answerInitial, readClientInitial } from '../../src/mock/quic-session.js';
import { vector } from '../../src/net/quic/bytes.js';
import { QuicClientConnection } from '../../src/net/quic/connection.js';
import {
  connectionCloseFrame,
  cryptoFrame,
  parseFrames,
  pingFrame,
  type Frame,
} from '../../src/net/quic/frames.js';
import { initialKeys } from '../../src/net/quic/initial.js';
import { packetBytes, parseHeader, sealLong } from '../../src/net/quic/packet.js';
import { unprotect, type PacketKeys } from '../../src/net/quic/protection.js';
import { retryIntegrityTag } from '../../src/net/quic/retry.js';
import { clientIds, forgedInitial, SERVER_CID } from './peer.js';

function client() {
  const c = new QuicClientConnection({
    host: 'localhost',
    serverName: 'localhost',
    alpn: ['h3'],
    verify: true,
    ca: [MOCK_CA],
    now: () => new Date('2030-01-01T00:00:00Z'),
    idleTimeoutMs: 5000,
  });
  return { c, first: c.initialDatagram() };
}

/** The frames of every packet of a client datagram that one of these keys opens. */
function framesOf(datagram: Buffer, keys: PacketKeys[]): Frame[] {
  const out: Frame[] = [];
  for (let offset = 0; offset < datagram.length;) {
    const parsed = parseHeader(datagram, offset, 0);
    if (!parsed.ok || parsed.value.form !== 'long') break;
    const h = parsed.value;
    offset = h.end;
    for (const k of keys) {
      const opened = unprotect(k, packetBytes(datagram, h), h.pnOffset - h.start, -1);
      const frames = 'reason' in opened ? undefined : parseFrames(opened.payload);
      if (frames?.ok) out.push(...frames.value);
    }
  }
  return out;
}

const reasons = (c: QuicClientConnection) => c.ignored.view().reasons.map((r) => r.reason);
const clientKeys = (first: Buffer) => [initialKeys(clientIds(first).dcid).client];
const types = (frames: Frame[]) => frames.map((f) => f.type).filter((t) => t !== 'padding');

/** A long header to the client's connection ID (its type in `first`), version 1, then `rest`. */
function toClient(clientFirst: Buffer, first: number, rest: Buffer, version = 1): Buffer {
  const { dcid, scid } = clientIds(clientFirst);
  const v = Buffer.alloc(4);
  v.writeUInt32BE(version);
  return Buffer.concat([Buffer.from([first]), v, vector(1, scid), vector(1, dcid), rest]);
}

/** An authentic Retry to a new connection ID, with a token. */
function retry(clientFirst: Buffer, token = Buffer.from('a token'), newId = SERVER_CID): Buffer {
  const { dcid, scid } = clientIds(clientFirst);
  const head = Buffer.concat([Buffer.from([0xf0, 0, 0, 0, 1]), vector(1, scid), vector(1, newId), token]);
  return Buffer.concat([head, retryIntegrityTag(dcid, head)]);
}

describe('the client connection, datagram by datagram', () => {
  it('probes with the ClientHello until the server answers, then with ACK and PING; nothing once done', () => {
    const { c, first } = client();
    const resend = c.probeDatagram()!;
    expect(c.initialsSent).toBe(2);
    expect(types(framesOf(resend, clientKeys(first)))).toEqual(['crypto']);
    const acked = c.receive(forgedInitial(first, pingFrame()));
    expect(types(framesOf(acked[0]!, clientKeys(first)))).toEqual(['ack']);
    expect(c.phase).toBe('handshake');
    const probe = c.probeDatagram()!;
    expect(c.initialsSent).toBe(2);
    expect(types(framesOf(probe, clientKeys(first)))).toEqual(['ack', 'ping']);
    c.receive(forgedInitial(first, connectionCloseFrame(0, ''), { pn: 1 }));
    expect(c.done).toBe(true);
    expect(c.probeDatagram()).toBeUndefined();
  });

  it('closes only a connection the server knows of, with NO_ERROR and a reason', () => {
    const { c, first } = client();
    expect(c.closeDatagram()).toBeUndefined();
    c.receive(forgedInitial(first, pingFrame()));
    const close = framesOf(c.closeDatagram()!, clientKeys(first));
    expect(close).toContainEqual({
      type: 'connection_close',
      application: false,
      errorCode: 0,
      frameType: 0,
      reason: 'measurement done',
    });
  });

  it('answers at most 32 times, however much the server sends', () => {
    const { c, first } = client();
    let replies = 0;
    for (let pn = 0; pn < 40; pn++) replies += c.receive(forgedInitial(first, pingFrame(), { pn })).length;
    expect(replies).toBe(32);
    expect(c.probeDatagram()).toBeUndefined();
  });

  it('closes in both spaces in one 1200-byte datagram while it holds both keys', () => {
    const { c, first } = client();
    const answer = answerInitial(readClientInitial(first)!, CERTS.good)!;
    c.receive(answer.datagrams[0]!);
    const close = c.closeDatagram()!;
    expect(close.length).toBe(1200);
    const closes = (keys: PacketKeys[]) => framesOf(close, keys).filter((f) => f.type === 'connection_close');
    expect(closes([answer.clientKeys[0]!])).toHaveLength(1);
    expect(closes([answer.clientKeys[1]!])).toHaveLength(1);
  });

  it('reads 256 datagrams, drops the rest unread, and reads one of 1472 bytes but not 1473', () => {
    const { c } = client();
    for (let i = 0; i < 256; i++) c.receive(Buffer.from([0x40, i]));
    expect([c.datagramsReceived, c.datagramsUnread, c.bytesReceived]).toEqual([256, 0, 512]);
    expect(c.receive(Buffer.from([0x40]))).toEqual([]);
    expect([c.datagramsReceived, c.datagramsUnread, c.bytesReceived]).toEqual([257, 1, 512]);
    expect(c.ignored.view().total).toBe(256);
    const sized = client();
    expect(sized.c.receive(Buffer.alloc(1472, 0x40))).toEqual([]);
    expect(sized.c.receive(Buffer.alloc(1473, 0x40))).toEqual([]);
    expect(reasons(sized.c)).toEqual([
      'packet for another connection ID',
      'datagram of 1473 bytes, larger than the 1472 we announced',
    ]);
  });

  it('reads each of coalesced packets at its own offset, and stops at a close', () => {
    const { c, first } = client();
    const two = Buffer.concat([
      forgedInitial(first, pingFrame()),
      forgedInitial(first, pingFrame(), { pn: 1 }),
    ]);
    c.receive(two);
    expect(c.ignored.view().total).toBe(0);
    c.receive(forgedInitial(first, pingFrame(), { pn: 1 }));
    expect(reasons(c)).toEqual(['initial packet: duplicate packet number 1']);
    const closed = client();
    const close = forgedInitial(closed.first, connectionCloseFrame(0, ''));
    expect(closed.c.receive(Buffer.concat([close, Buffer.from([1, 2, 3])]))).toEqual([]);
    expect(closed.c.ignored.view().total).toBe(0);
  });

  it('says why an Initial of its own connection is not used', () => {
    const { c, first } = client();
    const forged = forgedInitial(first, pingFrame());
    forged[forged.length - 1]! ^= 1;
    expect(c.receive(forged)).toEqual([]);
    expect(c.receive(forgedInitial(first, pingFrame(), { dcid: randomBytes(8) }))).toEqual([]);
    c.receive(forgedInitial(first, Buffer.from([0x02, 0x05, 0x00, 0x00, 0x06])));
    c.receive(forgedInitial(first, Buffer.from([0x1e])));
    expect(reasons(c)).toEqual([
      'initial packet: payload authentication failed (not sealed with our keys)',
      'packet for another connection ID',
      'initial packet: ACK range below packet number 0',
      'initial packet with a frame not allowed there (handshake_done)',
    ]);
    expect(c.phase).toBe('initial');
  });

  it('reads nothing more once done', () => {
    const { c, first } = client();
    expect(c.receive(forgedInitial(first, connectionCloseFrame(0x0a, 'no')))).toEqual([]);
    expect(c.phase).toBe('failed');
    expect(c.receive(forgedInitial(first, pingFrame(), { pn: 1 }))).toEqual([]);
    expect([c.datagramsReceived, c.ignored.view().total]).toEqual([1, 0]);
  });

  it('names a TLS alert or a transport error a CONNECTION_CLOSE carries', () => {
    const close = (code: number, reason: string) => {
      const { c, first } = client();
      c.receive(forgedInitial(first, connectionCloseFrame(code, reason)));
      return { code: c.failure?.code, message: c.failure?.message };
    };
    expect(close(0x100 + 40, 'handshake failure')).toEqual({
      code: 'ERR_SSL_TLSV1_ALERT_40',
      message: 'the server ended the handshake with TLS alert 40: "handshake failure"',
    });
    expect(close(0x1ff, '')).toEqual({
      code: 'ERR_SSL_TLSV1_ALERT_255',
      message: 'the server ended the handshake with TLS alert 255',
    });
    expect(close(0x0a, '')).toEqual({
      code: 'ERR_QUIC_CONNECTION_CLOSE',
      message: 'the server closed the connection (PROTOCOL_VIOLATION)',
    });
    expect(close(0x200, 'x').message).toBe('the server closed the connection (error 0x200): "x"');
    expect(close(0xff, '').message).toBe('the server closed the connection (error 0xff)');
  });

  it('ignores zeros after the last packet, but not other trailing bytes', () => {
    const { c, first } = client();
    c.receive(Buffer.concat([forgedInitial(first, pingFrame()), Buffer.alloc(40)]));
    expect(c.ignored.view().total).toBe(0);
    c.receive(
      Buffer.concat([forgedInitial(first, pingFrame(), { pn: 1 }), Buffer.alloc(40), Buffer.from([1])]),
    );
    expect(c.ignored.view().total).toBe(1);
    c.receive(Buffer.alloc(40));
    expect(c.ignored.view().total).toBe(2);
  });

  it('says why it ignores 1-RTT, 0-RTT and misdirected packets', () => {
    const { c, first } = client();
    const { scid } = clientIds(first);
    expect(c.receive(Buffer.concat([Buffer.from([0x40]), scid, randomBytes(30)]))).toEqual([]);
    c.receive(Buffer.concat([Buffer.from([0x40]), randomBytes(8), randomBytes(30)]));
    c.receive(toClient(first, 0xd0, Buffer.concat([Buffer.from([20]), randomBytes(20)])));
    expect(reasons(c)).toEqual([
      '1-RTT packet (not read: the check ends with the handshake)',
      'packet for another connection ID',
      '0-RTT packet from the server',
    ]);
    c.receive(forgedInitial(first, pingFrame()));
    const other = sealLong(
      initialKeys(clientIds(first).dcid).server,
      { type: 'initial', dcid: scid, scid: randomBytes(8) },
      1,
      Buffer.concat([pingFrame(), Buffer.alloc(20)]),
    );
    c.receive(other);
    expect(reasons(c).at(-1)).toBe('packet from another source connection ID');
  });

  it('ignores a Version Negotiation for another connection or after the server answered', () => {
    const vn = (dcid: Buffer, scid: Buffer) =>
      Buffer.concat([
        Buffer.from([0x80, 0, 0, 0, 0]),
        vector(1, dcid),
        vector(1, scid),
        Buffer.from([0, 0, 0, 2]),
      ]);
    const { c, first } = client();
    const ids = clientIds(first);
    expect(c.receive(vn(randomBytes(8), ids.dcid))).toEqual([]);
    c.receive(vn(ids.scid, randomBytes(8)));
    expect(reasons(c)).toEqual(['Version Negotiation for another connection']);
    expect(c.ignored.view().total).toBe(2);
    c.receive(forgedInitial(first, pingFrame()));
    c.receive(vn(ids.scid, ids.dcid));
    expect(reasons(c)).toContain('Version Negotiation after the server answered');
    expect(c.phase).toBe('handshake');
    const fresh = client();
    const ours = clientIds(fresh.first);
    const listing = (versions: string) =>
      Buffer.concat([
        Buffer.from([0x80, 0, 0, 0, 0]),
        vector(1, ours.scid),
        vector(1, ours.dcid),
        Buffer.from(versions, 'hex'),
      ]);
    expect(fresh.c.receive(listing('0000000100000002'))).toEqual([]);
    expect(reasons(fresh.c)).toEqual(['Version Negotiation listing QUIC v1, the version we sent']);
    fresh.c.receive(listing('6b3343cf00000002'));
    expect(fresh.c.failure).toMatchObject({
      code: 'ERR_QUIC_VERSION_NEGOTIATION',
      message: 'the server does not speak QUIC v1, only 0x6b3343cf, 0x00000002',
    });
    expect(fresh.c.offeredVersions).toEqual([0x6b3343cf, 2]);
    expect(fresh.c.closeDatagram()).toBeUndefined();
  });

  it('follows one authentic Retry with a token, and ignores the others with a reason', () => {
    const { c, first } = client();
    const forged = retry(first);
    forged[forged.length - 1]! ^= 1;
    expect(c.receive(forged)).toEqual([]);
    c.receive(retry(first, Buffer.alloc(0)));
    // The first byte of its destination ID flipped: zeroed, it was the client's own one time in 256.
    const elsewhere = retry(first, undefined, randomBytes(8));
    elsewhere[6]! ^= 0xff;
    expect(c.receive(elsewhere)).toEqual([]);
    expect(reasons(c)).toEqual([
      'Retry with a wrong integrity tag',
      'Retry without a token',
      'Retry for another connection ID',
    ]);
    const again = c.receive(retry(first));
    expect(c.retried).toBe(true);
    expect(clientIds(again[0]!).dcid).toEqual(SERVER_CID);
    c.receive(retry(first));
    expect(reasons(c).at(-1)).toBe('Retry after the server answered or retried');
  });

  it('refuses CRYPTO data beyond what it buffers for the Initial level', () => {
    const { c, first } = client();
    c.receive(forgedInitial(first, cryptoFrame(4096, Buffer.from([1]))));
    expect(c.failure?.code).toBe('ERR_QUIC_CRYPTO_BUFFER_EXCEEDED');
  });

  it('fails the handshake when the server does not authenticate the IDs of a Retry it did not send', () => {
    const { c, first } = client();
    const [afterRetry] = c.receive(retry(first));
    const answer = answerInitial(readClientInitial(afterRetry!)!, CERTS.good)!;
    for (const d of answer.datagrams) c.receive(d);
    expect(c.failure?.code).toBe('ERR_QUIC_TRANSPORT_PARAMETER');
    expect(c.failure?.message).toMatch(
      /original_destination_connection_id is 5e7e5e7e5e7e5e7e, not [0-9a-f]{16}$/,
    );
  });

  it('holds four Handshake packets that come before the ServerHello, and uses them once it comes', () => {
    const { c, first } = client();
    const [initial, handshake] = answerInitial(readClientInitial(first)!, CERTS.good)!.datagrams;
    for (let i = 0; i < 5; i++) c.receive(handshake!);
    expect(c.ignored.view().reasons).toEqual([
      { reason: 'Handshake packet before the ServerHello, beyond those held', count: 1 },
    ]);
    c.receive(initial!);
    // The first held one is read; the three repeats are duplicates.
    expect(c.ignored.view().reasons[1]).toEqual({
      reason: 'handshake packet: duplicate packet number 0',
      count: 3,
    });
  });

  it('ignores an Initial once its keys are discarded, and oversized or excess datagrams', () => {
    const { c, first } = client();
    const flight = answerInitial(readClientInitial(first)!, CERTS.good)!.datagrams;
    c.receive(flight[0]!);
    c.probeDatagram(); // a PING in a Handshake packet: the Initial keys go
    c.receive(forgedInitial(first, pingFrame(), { pn: 5 }));
    expect(reasons(c)).toContain('Initial after its keys were discarded');
    c.receive(Buffer.alloc(1473, 0xc0));
    expect(reasons(c)).toContain('datagram of 1473 bytes, larger than the 1472 we announced');
    expect(c.bytesReceived).toBe(flight[0]!.length + forgedInitial(first, pingFrame()).length + 1473);
  });
});
