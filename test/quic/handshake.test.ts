// The client connection against the mock server side, datagram by datagram, without sockets: what
// a reordered, repeated or unproven server flight does to it.
import { describe, expect, it } from 'vitest';
import { CERTS, MOCK_CA } from '../../src/mock/certs.js';
import { answerInitial, readClientInitial, type ServerIdentity } from '../../src/mock/quic-session.js';
import { QuicClientConnection } from '../../src/net/quic/connection.js';

function exchange(identity: ServerIdentity = CERTS.good) {
  const client = new QuicClientConnection({
    host: 'www.reachprobe.test',
    serverName: 'www.reachprobe.test',
    alpn: ['h3'],
    verify: true,
    ca: [MOCK_CA],
    now: () => new Date(),
    idleTimeoutMs: 5000,
  });
  const first = client.initialDatagram();
  expect(first.length).toBe(1200);
  const answer = answerInitial(readClientInitial(first)!, identity)!;
  return { client, flight: answer.datagrams };
}

describe('the client connection against the mock server flight', () => {
  it('completes on the flight in order, and answers with a padded Initial ACK on the way', () => {
    const { client, flight } = exchange();
    const [initial, ...handshake] = flight;
    const replies = client.receive(initial!);
    expect(replies.map((r) => r.length)).toEqual([1200]);
    for (const d of handshake) client.receive(d);
    expect(client.phase).toBe('complete');
    expect(client.outcome?.alpn).toBe('h3');
    expect(client.outcome?.certificateProblem).toBeUndefined();
    expect(client.closeDatagram()?.length).toBeGreaterThanOrEqual(1200);
  });

  it('completes when the Handshake packets come before the Initial, and ignores repeats', () => {
    const { client, flight } = exchange();
    const [initial, ...handshake] = flight;
    for (const d of handshake) client.receive(d);
    client.receive(initial!);
    expect(client.phase).toBe('complete');
    const again = exchange();
    again.client.receive(again.flight[0]!);
    again.client.receive(again.flight[0]!);
    expect(again.client.ignored.view().reasons[0]?.reason).toMatch(/duplicate packet number 0/);
  });

  it('fails with a bad signature when the server does not hold the key of its certificate', () => {
    const { client, flight } = exchange({ cert: CERTS.good.cert, key: CERTS['wrong-name'].key });
    for (const d of flight) client.receive(d);
    expect(client.phase).toBe('failed');
    expect(client.failure).toMatchObject({
      code: 'ERR_SSL_BAD_SIGNATURE',
      message: expect.stringContaining('does not verify'),
    });
  });

  it('completes the handshake but reports the certificate problem of an expired certificate', () => {
    const { client, flight } = exchange(CERTS.expired);
    for (const d of flight) client.receive(d);
    expect(client.phase).toBe('complete');
    expect(client.outcome?.certificateProblem?.code).toBe('CERT_HAS_EXPIRED');
  });
});
