// QUIC in `check`, end to end on loopback: each QUIC verdict and each blocked-by from a real
// behaviour of a UDP responder (or of no listener: the kernel's ICMP port unreachable).
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { CERTS, MOCK_CA, type CertName } from '../../src/mock/certs.js';
import { startQuicResponder, type QuicResponderOptions } from '../../src/mock/quic-server.js';
import { startServer, type Listening } from '../../src/mock/tcp-servers.js';
import { blockListOf } from '../../src/model/addresses.js';
import { systemClock } from '../../src/model/clock.js';
import type { TargetResult } from '../../src/model/result.js';
import type { Target } from '../../src/model/target.js';
import { systemResolver } from '../../src/net/resolve.js';
import { dialTcp } from '../../src/net/tcp.js';
import { DEFAULT_OPTIONS, type ProbeEnv, type ProbeOptions } from '../../src/run/options.js';
import { runProbe } from '../../src/run/run.js';
import { connectionCloseFrame } from '../../src/net/quic/frames.js';
import { clientIds, forgedInitial, peer, type Answer } from './peer.js';

const QUIC_TIMEOUT_MS = 600;
const open: Array<{ close(): Promise<void> }> = [];
afterAll(() => Promise.all(open.map((o) => o.close())));

const env: ProbeEnv = {
  clock: systemClock,
  resolver: systemResolver(),
  dial: dialTcp,
  ca: [MOCK_CA],
  controls: [],
};

/** A TLS server on TCP and, unless `quic` is false, a QUIC responder on the same UDP port. */
async function site(quic: QuicResponderOptions | false, cert: CertName = 'good'): Promise<number> {
  const tcp: Listening = await startServer({ behaviour: 'ok', cert });
  open.push(tcp);
  if (quic) open.push(await startQuicResponder({ identity: CERTS[cert], ...quic, port: tcp.port }));
  return tcp.port;
}

function target(name: string, host: string, port: number, extra: Partial<Target> = {}): Target {
  const url = `https://${host}:${port}/`;
  return {
    name,
    service: 'Test',
    url,
    scheme: 'https',
    host,
    port,
    path: '/',
    tags: [],
    source: { file: 'test', line: 1 },
    ...extra,
  };
}

async function probe(
  targets: Target[],
  quic: ProbeOptions['quic'] = 'marked',
  addresses = ['127.0.0.1'],
): Promise<Map<string, TargetResult>> {
  const pins = new Map(targets.map((t) => [`${t.host}:${t.port}`, addresses]));
  const options: ProbeOptions = {
    ...DEFAULT_OPTIONS,
    timeouts: { dns: 400, connect: 400, tls: 400, http: 400 },
    allowedAnswers: blockListOf(['127.0.0.0/8']),
    pins,
    quic,
    quicTimeoutMs: QUIC_TIMEOUT_MS,
  };
  const { results } = await runProbe(targets, options, env);
  return new Map(results.map((r) => [r.name, r]));
}

const quicOf = (r: TargetResult | undefined) => r?.quic ?? expect.fail('no QUIC result');

describe('QUIC in check', () => {
  it('reachable: the handshake completes, the decoy first, from an ephemeral source port', async () => {
    const port = await site({});
    const q = quicOf((await probe([target('ok', 'ok.reachprobe.test', port, { quic: true })])).get('ok'));
    expect(q).toMatchObject({
      verdict: 'reachable',
      stage: 'complete',
      alpn: 'h3',
      offered: true,
      offered_by: ['target'],
      port,
    });
    expect(q.local_port).toBeGreaterThan(443);
    expect(q.checks.map((c) => c.purpose ?? 'own')).toEqual(['decoy', 'own']);
    expect(q.checks[0]!.sni).toBe('www.example.org');
  });

  it('each handshake is a transaction of its own, apart from the TCP chain beside it', async () => {
    const port = await site({});
    const r = (await probe([target('tx', 'tx.reachprobe.test', port, { quic: true })])).get('tx')!;
    const quic = quicOf(r).checks.map((c) => c.transaction_id);
    const tcp = r.checks.map((c) => ('transaction_id' in c ? c.transaction_id : undefined));
    expect(quic).toHaveLength(2);
    expect(quic.every((id) => id !== undefined && id > 0)).toBe(true);
    expect(new Set(quic).size).toBe(2);
    expect(tcp.filter((id) => quic.includes(id))).toEqual([]);
  });

  it('not-offered: nothing listens on the UDP port and nothing says the service speaks QUIC', async () => {
    const port = await site(false);
    const r = (await probe([target('none', 'none.reachprobe.test', port)], 'all')).get('none')!;
    expect(r.verdict).toBe('reachable');
    expect(r.quic).toMatchObject({ verdict: 'not-offered', failure: 'connection_refused', offered: false });
    expect(r.quic!['blocked-by']).toBeUndefined();
  });

  it('refused where the target says it speaks QUIC is a reset of the address', async () => {
    const port = await site(false);
    const q = quicOf(
      (await probe([target('refused', 'refused.reachprobe.test', port, { quic: true })])).get('refused'),
    );
    expect(q).toMatchObject({ verdict: 'reset', offered: true, 'blocked-by': 'ip' });
  });

  it('a timeout without evidence of QUIC claims no block, and ends within 5% of the deadline', async () => {
    const port = await site({ blackhole: true });
    const q = quicOf((await probe([target('silent', 'silent.reachprobe.test', port)], 'all')).get('silent'));
    expect(q).toMatchObject({ verdict: 'timeout', offered: null, stage: 'initial' });
    expect(q['blocked-by']).toBeUndefined();
    expect(q.reason).toContain('no claim of a block');
    expect(Math.abs(q.timings.total_ms - QUIC_TIMEOUT_MS)).toBeLessThan(QUIC_TIMEOUT_MS * 0.05);
  });

  it('blocked-by sni: the decoy passes, the name is dropped (TLS over TCP fine: the QUIC filter)', async () => {
    const port = await site({ blockedSni: ['blocked.reachprobe.test'] });
    const q = quicOf(
      (await probe([target('sni', 'blocked.reachprobe.test', port, { quic: true })])).get('sni'),
    );
    expect(q).toMatchObject({ verdict: 'timeout', 'blocked-by': 'sni', offered: true });
    expect(q.checks[0]).toMatchObject({ purpose: 'decoy', stage: 'complete' });
    expect(q.reason).toContain('the QUIC filter');
  });

  it(
    'a QUIC decoy that passed stands for the next name on the same ' +
      'address and UDP port, saying whose it was',
    async () => {
      const port = await site({ blockedSni: ['blocked.reachprobe.test'] });
      const results = await probe([
        target('one', 'one.reachprobe.test', port, { quic: true }),
        target('blocked', 'blocked.reachprobe.test', port, { quic: true }),
      ]);
      const [one, blocked] = [quicOf(results.get('one')), quicOf(results.get('blocked'))];
      const [early, late] = one.checks[0]!.shared_from === undefined ? [one, blocked] : [blocked, one];
      expect(early.checks.map((c) => c.purpose ?? 'own')).toEqual(['decoy', 'own']);
      expect(late.checks[0]).toMatchObject({
        purpose: 'decoy',
        stage: 'complete',
        shared_from: early === one ? 'one' : 'blocked',
      });
      expect(late.checks[0]!.started_ms).toBe(early.checks[0]!.started_ms); // made once, before either own handshake
      expect(late.evidence[0]).toContain(`(decoy, made for ${early === one ? 'one' : 'blocked'})`);
      // The reused decoy attributes the block as a fresh one would.
      expect(quicOf(results.get('blocked'))).toMatchObject({ verdict: 'timeout', 'blocked-by': 'sni' });
    },
  );

  it('blocked-by ip, then possibly-residual: a later target on the same UDP port makes no decoy', async () => {
    const port = await site({ blackhole: true });
    const results = await probe([
      target('first', 'a.reachprobe.test', port, { quic: true }),
      target('second', 'b.reachprobe.test', port, { quic: true }),
    ]);
    const [first, second] = [quicOf(results.get('first')), quicOf(results.get('second'))];
    const [early, late] = first.checks.some((c) => c.purpose === 'decoy') ? [first, second] : [second, first];
    expect(early).toMatchObject({ verdict: 'timeout', 'blocked-by': 'ip' });
    expect(late).toMatchObject({ verdict: 'timeout', flags: ['possibly-residual'] });
    expect(late.checks.map((c) => c.purpose)).toEqual([undefined]);
  });

  it('races the addresses: one refused and one silent do not hide a third that answers', async () => {
    const port = await site({});
    open.push(await startQuicResponder({ address: '127.0.0.5', port, blackhole: true }));
    const started = performance.now();
    const q = quicOf(
      (
        await probe([target('many', 'many.reachprobe.test', port, { quic: true })], 'marked', [
          '127.0.0.4',
          '127.0.0.5',
          '127.0.0.1',
        ])
      ).get('many'),
    );
    expect(q).toMatchObject({ verdict: 'reachable', address: '127.0.0.1', stage: 'complete' });
    // The ones that did not decide come first, the deciding decoy and handshake last.
    expect(
      q.checks.map((c) => `${c.purpose ?? 'own'} ${c.address} ${c.failure?.failure ?? c.stage}`),
    ).toEqual([
      'decoy 127.0.0.4 connection_refused',
      'own 127.0.0.4 connection_refused',
      'decoy 127.0.0.5 generic_timeout_error',
      'own 127.0.0.5 generic_timeout_error',
      'decoy 127.0.0.1 complete',
      'own 127.0.0.1 complete',
    ]);
    // Once the first is refused, the others start together: the silent one holds the third back not at all.
    const third = q.checks.find((c) => c.address === '127.0.0.1')!;
    expect(Math.abs(third.started_ms - q.checks[2]!.started_ms)).toBeLessThan(QUIC_TIMEOUT_MS / 4);
    expect(performance.now() - started).toBeLessThan(QUIC_TIMEOUT_MS * 3);
  });

  it('a silent first address lets the others start after a twentieth of the deadline', async () => {
    const port = await site({});
    open.push(await startQuicResponder({ address: '127.0.0.7', port, blackhole: true }));
    const q = quicOf(
      (
        await probe([target('late', 'late.reachprobe.test', port, { quic: true })], 'marked', [
          '127.0.0.7',
          '127.0.0.1',
        ])
      ).get('late'),
    );
    expect(q).toMatchObject({ verdict: 'reachable', address: '127.0.0.1' });
    const [silent, answered] = [q.checks[0]!, q.checks.find((c) => c.address === '127.0.0.1')!];
    expect(silent).toMatchObject({ address: '127.0.0.7', purpose: 'decoy' });
    const waited = answered.started_ms - silent.started_ms;
    expect(waited).toBeGreaterThanOrEqual(QUIC_TIMEOUT_MS / 20 - 2);
    expect(waited).toBeLessThan(QUIC_TIMEOUT_MS / 2);
  });

  it('a first address that answers, however slowly its handshake goes, keeps the others out of the race', async () => {
    // Its server sends back bytes at once that never make a handshake: an answer, not silence.
    const port = await answering((_d, reply) => reply(Buffer.from('not quic at all, but an answer')));
    open.push(await startQuicResponder({ address: '127.0.0.8', port }));
    const q = quicOf(
      (
        await probe([target('slow', 'slow.reachprobe.test', port, { quic: true })], 'marked', [
          '127.0.0.1',
          '127.0.0.8',
        ])
      ).get('slow'),
    );
    expect(q.checks.map((c) => c.address)).toEqual(['127.0.0.1', '127.0.0.1']);
    expect(q).toMatchObject({ verdict: 'timeout', address: '127.0.0.1' });
  });

  it('a healthy first address is the only one tried', async () => {
    const port = await site({});
    const q = quicOf(
      (
        await probe([target('first', 'first.reachprobe.test', port, { quic: true })], 'marked', [
          '127.0.0.1',
          '127.0.0.6',
        ])
      ).get('first'),
    );
    expect(q).toMatchObject({ verdict: 'reachable', address: '127.0.0.1' });
    expect(q.checks.map((c) => c.address)).toEqual(['127.0.0.1', '127.0.0.1']);
  });

  it("follows Alt-Svc to another UDP port when the URL's port does not complete, and not when it does", async () => {
    const elsewhere = await startQuicResponder({});
    open.push(elsewhere);
    const https = createServer({ cert: CERTS.good.cert, key: CERTS.good.key }, (_req, res) => {
      res.writeHead(200, { 'alt-svc': `h3=":${elsewhere.port}"; ma=3600` }).end('ok');
    });
    await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
    open.push({ close: () => new Promise<void>((resolve) => https.close(() => resolve())) });
    const port = (https.address() as AddressInfo).port;
    const q = quicOf((await probe([target('alt', 'alt.reachprobe.test', port)], 'all')).get('alt'));
    expect(q).toMatchObject({ verdict: 'reachable', port: elsewhere.port, offered_by: ['alt-svc'] });
    expect(q.checks.map((c) => `${c.purpose ?? 'own'} ${c.port} ${c.failure?.failure ?? c.stage}`)).toEqual([
      `decoy ${port} connection_refused`,
      `own ${port} connection_refused`,
      `decoy ${elsewhere.port} complete`,
      `own ${elsewhere.port} complete`,
    ]);
    // Where the URL's port completes, the Alt-Svc port is not dialled.
    open.push(await startQuicResponder({ port }));
    const direct = quicOf(
      (await probe([target('direct', 'direct.reachprobe.test', port)], 'all')).get('direct'),
    );
    expect(direct).toMatchObject({ verdict: 'reachable', port });
    expect(direct.checks.every((c) => c.port === port)).toBe(true);
  });

  it('cert-invalid: a certificate for another name, over QUIC as over TCP', async () => {
    const port = await site({}, 'wrong-name');
    const r = (await probe([target('cert', 'cert.reachprobe.test', port, { quic: true })])).get('cert')!;
    expect(r.verdict).toBe('cert-invalid');
    expect(r.quic).toMatchObject({ verdict: 'cert-invalid', failure: 'ssl_invalid_hostname' });
  });

  // A peer that answers as told (no TCP server on its port: the TCP side is refused, as it may be).
  const answering = async (answer: Answer) => {
    const p = await peer(answer);
    open.push(p);
    return p.port;
  };

  it('tls-failure: a Version Negotiation without v1', async () => {
    const port = await answering((d, reply) => {
      const { dcid, scid } = clientIds(d);
      const versions = Buffer.from('6b3343cf', 'hex');
      reply(
        Buffer.concat([
          Buffer.from([0x80, 0, 0, 0, 0, scid.length]),
          scid,
          Buffer.from([dcid.length]),
          dcid,
          versions,
        ]),
      );
    });
    const q = quicOf((await probe([target('vn', 'vn.reachprobe.test', port, { quic: true })])).get('vn'));
    expect(q).toMatchObject({ verdict: 'tls-failure', failure: 'ssl_failed_handshake' });
  });

  it('closed: the server (or a forger) answers with a CONNECTION_CLOSE', async () => {
    const port = await answering((d, reply) => reply(forgedInitial(d, connectionCloseFrame(0x2, 'go away'))));
    const q = quicOf(
      (await probe([target('close', 'close.reachprobe.test', port, { quic: true })])).get('close'),
    );
    expect(q).toMatchObject({ verdict: 'closed', failure: 'eof_error', 'blocked-by': 'unknown' });
  });

  it('--no-quic measures no target over QUIC, marked or not', async () => {
    const port = await site({});
    const r = (await probe([target('off', 'off.reachprobe.test', port, { quic: true })], 'off')).get('off')!;
    expect(r.quic).toBeUndefined();
  });
});
