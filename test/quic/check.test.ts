import { afterEach, describe, expect, it } from 'vitest';
import { Stopwatch } from '../../src/checks/stopwatch.js';
import { checkQuic } from '../../src/checks/quic.js';
import { MOCK_CA } from '../../src/mock/certs.js';
import { startQuicResponder, type QuicResponder } from '../../src/mock/quic-server.js';
import { systemClock } from '../../src/model/clock.js';

let responder: QuicResponder | undefined;
afterEach(async () => {
  await responder?.close();
  responder = undefined;
});

const watch = new Stopwatch(systemClock, systemClock.now());

describe('checkQuic', () => {
  it('records a completed handshake as an observation in the report field names', async () => {
    responder = await startQuicResponder();
    const o = await checkQuic(
      {
        host: 'www.reachprobe.test',
        address: '127.0.0.1',
        port: responder.port,
        ca: [MOCK_CA],
        verify: true,
        timeoutMs: 2000,
      },
      watch,
    );
    expect(o).toMatchObject({
      check: 'quic_handshake',
      address: '127.0.0.1',
      port: responder.port,
      sni: 'www.reachprobe.test',
      stage: 'complete',
      alpn: 'h3',
      cipher: 'TLS_AES_128_GCM_SHA256',
      signature_scheme: 'ecdsa_secp256r1_sha256',
      retry: false,
      initials_sent: 1,
      ignored: [],
      ignored_total: 0,
      datagrams_unread: 0,
    });
    expect(o.certificate?.issuer).toBe('CN=reachprobe test CA, O=reachprobe tests');
    expect(o.local_port).toBeGreaterThan(443);
    expect(o.duration_ms).toBeGreaterThanOrEqual(o.handshake_ms!);
    expect(o).not.toHaveProperty('failure');
  });

  it('records a decoy with its SNI and no certificate, and a blocked handshake with its failure', async () => {
    responder = await startQuicResponder({ blockedSni: ['blocked.reachprobe.test'] });
    const common = { address: '127.0.0.1', port: responder.port, ca: [MOCK_CA], timeoutMs: 600 };
    const decoy = await checkQuic(
      {
        ...common,
        host: 'www.blocked.reachprobe.test',
        sni: 'decoy.example',
        verify: false,
        purpose: 'decoy',
      },
      watch,
    );
    expect(decoy).toMatchObject({ purpose: 'decoy', sni: 'decoy.example', stage: 'complete' });
    expect(decoy).not.toHaveProperty('certificate');
    const own = await checkQuic({ ...common, host: 'www.blocked.reachprobe.test', verify: true }, watch);
    expect(own).toMatchObject({
      stage: 'initial',
      failure: { failure: 'generic_timeout_error', operation: 'quic_handshake' },
    });
    expect(own.initials_sent).toBe(2); // at 0 and 500 ms
  });
});
