import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { CERTS, MOCK_CA } from '../../src/mock/certs.js';
import {
  startQuicResponder,
  type QuicResponder,
  type QuicResponderOptions,
} from '../../src/mock/quic-server.js';
import { readClientInitial } from '../../src/mock/quic-session.js';
import { dialQuic } from '../../src/net/quic/dial.js';
import * as A from './rfc9001-vectors.js';

let responder: QuicResponder | undefined;
afterEach(async () => {
  await responder?.close();
  responder = undefined;
});

const start = async (opts: QuicResponderOptions = {}) => (responder = await startQuicResponder(opts));

/** A dial from a given local port (a fixed source port is how a test sees a flow's blackhole last). */
const dial = (port: number, host: string, opts: { localPort?: number; timeoutMs?: number } = {}) =>
  dialQuic({
    address: '127.0.0.1',
    port,
    host,
    ca: [MOCK_CA],
    verify: true,
    timeoutMs: opts.timeoutMs ?? 2000,
    resendMs: 100,
    createSocket: (type) => {
      const socket = dgram.createSocket(type);
      if (opts.localPort) socket.bind(opts.localPort, '127.0.0.1');
      return socket;
    },
  });

describe('the mock QUIC responder', () => {
  it('reads the SNI of a client Initial as an on-path filter does (RFC 9001 A.2)', () => {
    const initial = readClientInitial(Buffer.from(A.CLIENT_PROTECTED, 'hex'));
    expect(initial?.hello.serverName).toBe('example.com');
    expect(initial?.dcid.toString('hex')).toBe(A.DCID);
  });

  it(
    'completes the server side of our handshake with the mock certificate, and sees our ' +
      'CONNECTION_CLOSE',
    async () => {
      const { port, stats } = await start();
      const result = await dial(port, 'www.reachprobe.test');
      expect(result.failure).toBeUndefined();
      expect(result).toMatchObject({
        stage: 'complete',
        alpn: 'h3',
        cipher: 'TLS_AES_128_GCM_SHA256',
        signatureScheme: 'ecdsa_secp256r1_sha256',
      });
      expect(result.certificate?.subject).toBe('CN=good, O=reachprobe tests');
      await new Promise((r) => setTimeout(r, 50));
      expect(stats).toMatchObject({ handshakes: 1, closes: 1, dropped: 0 });
    },
  );

  it('serves a certificate for another name: ssl_invalid_hostname', async () => {
    const { port } = await start({ identity: CERTS['wrong-name'] });
    expect((await dial(port, 'www.reachprobe.test')).failure?.failure).toBe('ssl_invalid_hostname');
  });

  it('blackholes a flow after an Initial with a blocked SNI, for the residual time, and only that flow', async () => {
    let now = 0; // the filter's clock, moved by the test
    const { port, stats } = await start({
      blockedSni: ['blocked.reachprobe.test'],
      residualMs: 180_000,
      now: () => now,
    });
    const blocked = await dial(port, 'www.blocked.reachprobe.test', { timeoutMs: 300 });
    expect(blocked).toMatchObject({ stage: 'initial', failure: { failure: 'generic_timeout_error' } });
    const localPort = blocked.localPort!;
    // The same flow stays blackholed whatever it carries: an innocuous name from the same port too.
    expect((await dial(port, 'ok.reachprobe.test', { localPort, timeoutMs: 200 })).failure?.failure).toBe(
      'generic_timeout_error',
    );
    // Another source port is another flow.
    expect((await dial(port, 'ok.reachprobe.test')).stage).toBe('complete');
    now += 179_000;
    expect((await dial(port, 'ok.reachprobe.test', { localPort, timeoutMs: 200 })).failure?.failure).toBe(
      'generic_timeout_error',
    );
    now += 1_000;
    expect((await dial(port, 'ok.reachprobe.test', { localPort })).stage).toBe('complete');
    expect(stats.dropped).toBeGreaterThan(2);
  });

  it('answers over IPv6 loopback too', async () => {
    const { port } = await start({ address: '::1' });
    const result = await dialQuic({
      address: '::1',
      port,
      host: 'www.reachprobe.test',
      ca: [MOCK_CA],
      verify: true,
      timeoutMs: 2000,
    });
    expect(result).toMatchObject({ stage: 'complete', localAddress: '::1' });
  });

  it('blackholes everything when told to', async () => {
    const { port, stats } = await start({ blackhole: true });
    expect((await dial(port, 'www.reachprobe.test', { timeoutMs: 250 })).failure?.failure).toBe(
      'generic_timeout_error',
    );
    expect(stats.handshakes).toBe(0);
  });
});
