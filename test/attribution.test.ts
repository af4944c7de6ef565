// Why it is blocked: SNI, IP or Host; lingering blocks; probabilistic triggers. Each from a loopback
// server that behaves as the censor would.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MOCK_CA } from '../src/mock/certs.js';
import { startDnsServer, type MockDnsServer } from '../src/mock/dns-server.js';
import { HOST, startServer, type Listening, type ServerOptions } from '../src/mock/tcp-servers.js';
import { blockListOf } from '../src/model/addresses.js';
import { systemClock } from '../src/model/clock.js';
import { find, type TlsObservation } from '../src/model/observation.js';
import type { TargetResult } from '../src/model/result.js';
import type { Target } from '../src/model/target.js';
import { serverResolver } from '../src/net/resolve.js';
import { dialTcp } from '../src/net/tcp.js';
import { DEFAULT_OPTIONS, type ProbeEnv, type ProbeOptions } from '../src/run/options.js';
import { runProbe } from '../src/run/run.js';

const BLOCKED = 'blocked.reachprobe.test';
const OPTIONS: ProbeOptions = {
  ...DEFAULT_OPTIONS,
  timeouts: { dns: 1000, connect: 500, tls: 500, http: 500 },
  dnsWindowMs: 50,
  allowedAnswers: blockListOf(['127.0.0.0/8']),
  decoyName: 'decoy.reachprobe.test',
};

const servers: Listening[] = [];
let dns: MockDnsServer;
let env: ProbeEnv;

beforeAll(async () => {
  dns = await startDnsServer({
    [BLOCKED]: { answer: [HOST] },
    // Answers later, so a target of this name is measured after one of the blocked name.
    'late.reachprobe.test': { answer: [HOST], delayMs: 300 },
    'later.reachprobe.test': { answer: [HOST], delayMs: 700 },
  });
  env = {
    clock: systemClock,
    resolver: serverResolver(dns),
    dnsServer: dns,
    dial: dialTcp,
    ca: [MOCK_CA],
    controls: [],
  };
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await dns.close();
});

async function server(opts: ServerOptions): Promise<number> {
  const s = await startServer(opts);
  servers.push(s);
  return s.port;
}

const target = (name: string, url: string): Target => {
  const u = new URL(url);
  const scheme = u.protocol.slice(0, -1) as Target['scheme'];
  return {
    name,
    service: 'Test',
    url,
    scheme,
    host: u.hostname,
    port: Number(u.port),
    path: '/',
    tags: [],
    source: { file: 'test', line: 1 },
  };
};

async function measure(
  targets: Target[],
  options: Partial<ProbeOptions> = {},
): Promise<Map<string, TargetResult>> {
  const { results } = await runProbe(targets, { ...OPTIONS, ...options }, env);
  return new Map(results.map((r) => [r.name, r]));
}

const tries = (r: TargetResult, purpose?: string) =>
  r.checks
    .filter((c) => c.check === 'tls_handshake' && c.purpose === purpose)
    .map((c) => (c.check === 'tls_handshake' ? (c.failure?.failure ?? 'ok') : ''));

describe('blocked-by', () => {
  it('sni: a server that resets only one name; the decoy on the same IP:port gets through', async () => {
    const port = await server({ behaviour: 'ok', cert: 'good', resetSni: [BLOCKED] });
    const r = (await measure([target('sni', `https://${BLOCKED}:${port}/`)])).get('sni')!;
    expect(r).toMatchObject({ verdict: 'reset', stage: 'tls_handshake', 'blocked-by': 'sni' });
    expect(tries(r, 'decoy')).toEqual(['ok']);
    expect(tries(r)).toEqual(['connection_reset', 'connection_reset', 'connection_reset']); // tried 3 times
  });

  it('ip: a server that resets every name on its address', async () => {
    const port = await server({ behaviour: 'reset-on-hello' });
    // A deadline whose twentieth (the decoy's grace before the own check starts) outlasts a loaded machine's delay.
    const r = (
      await measure([target('ip', `https://${BLOCKED}:${port}/`)], {
        timeouts: { ...OPTIONS.timeouts, tls: 4000 },
      })
    ).get('ip')!;
    expect(r).toMatchObject({ verdict: 'reset', 'blocked-by': 'ip' });
    expect(tries(r, 'decoy')).toEqual(['connection_reset']);
  });

  it('host: a server that resets only one Host; a request for another Host gets an answer', async () => {
    const port = await server({ behaviour: 'ok', resetHost: [BLOCKED] });
    const r = (await measure([target('host', `http://${BLOCKED}:${port}/`)])).get('host')!;
    expect(r).toMatchObject({ verdict: 'reset', stage: 'http_round_trip', 'blocked-by': 'host' });
    const decoy = r.checks.find((c) => c.check === 'http_round_trip' && c.purpose === 'decoy');
    expect(decoy && decoy.check === 'http_round_trip' && [decoy.host_header, decoy.status]).toEqual([
      'decoy.reachprobe.test',
      200,
    ]);
  });

  it(
    'ip, at the cost of one deadline: a dropped decoy does not hold the ' +
      'own check for a deadline of its own',
    async () => {
      const port = await server({ behaviour: 'stall' });
      const r = (await measure([target('dropped', `https://${BLOCKED}:${port}/`)])).get('dropped')!;
      expect(r).toMatchObject({ verdict: 'timeout', stage: 'tls_handshake', 'blocked-by': 'ip' });
      expect(tries(r, 'decoy')).toEqual(['generic_timeout_error']);
      const [decoy, mine] = [
        r.checks.find((c) => c.check === 'tls_handshake' && c.purpose === 'decoy')!,
        r.checks.find((c) => c.check === 'connect' && c.try === 1)!,
      ];
      // The own check started after the decoy's grace (a twentieth of the 500 ms deadline here), long before
      // its deadline.
      expect(mine.started_ms - decoy.started_ms).toBeGreaterThanOrEqual(24);
      expect(mine.started_ms - decoy.started_ms).toBeLessThan(250);
      expect(r.timings.chain_ms).toBeLessThan(2 * OPTIONS.timeouts.tls);
    },
  );

  it('sni, from the decoy another target made on the same IP:port moments before', async () => {
    const port = await server({ behaviour: 'ok', cert: 'good', resetSni: ['late.reachprobe.test'] });
    // The late name resolves 300 ms after the other: it is measured second, on the same IP:port.
    const targets = [
      target('first', `https://${BLOCKED}:${port}/`),
      target('second', `https://late.reachprobe.test:${port}/`),
    ];
    const m = await measure(targets);
    const decoyOf = (r: TargetResult) =>
      r.checks.find((c): c is TlsObservation => c.check === 'tls_handshake' && c.purpose === 'decoy');
    expect(m.get('first')).toMatchObject({ verdict: 'reachable' });
    expect(decoyOf(m.get('first')!)?.shared_from).toBeUndefined();
    const second = m.get('second')!;
    expect(second).toMatchObject({ verdict: 'reset', stage: 'tls_handshake', 'blocked-by': 'sni' });
    expect(decoyOf(second)).toEqual({ ...decoyOf(m.get('first')!), shared_from: 'first' });
    expect(
      second.evidence.filter((e) => e.startsWith('tls_handshake (decoy, made for first) ')),
    ).toHaveLength(1);
    // Its own first try went over the connection the decoy would have used: one connect, one handshake.
    expect(
      second.checks.filter((c) => c.check === 'connect' && c.purpose === undefined && c.try === undefined),
    ).toHaveLength(1);
    expect(second.checks.some((c) => c.check === 'connect' && c.try === 1)).toBe(false);

    const fresh = await measure(targets, { decoyReuseMs: 0 });
    expect(decoyOf(fresh.get('second')!)).toMatchObject({ sni: 'decoy.reachprobe.test' });
    expect(decoyOf(fresh.get('second')!)?.shared_from).toBeUndefined();
    expect(fresh.get('second')).toMatchObject({ 'blocked-by': 'sni' });
  });

  it('a failure on the IP:port voids the decoy kept there: the next target makes a fresh one', async () => {
    const first = await startServer({ behaviour: 'ok', cert: 'good' });
    const { port } = first;
    let resetter: net.Server | undefined;
    // Measured 0, 300 and 700 ms in: the server goes away after the first, and a server that resets
    // every connection takes its port after the second (whose connect is refused).
    const targets = [
      target('first', `https://${BLOCKED}:${port}/`),
      target('refused', `https://late.reachprobe.test:${port}/`),
      target('third', `https://later.reachprobe.test:${port}/`),
    ];
    const { results } = await runProbe(targets, OPTIONS, env, {
      onResult: (r) => {
        if (r.name === 'first') void first.close();
        if (r.name === 'refused')
          resetter = net.createServer((s) => s.on('data', () => s.resetAndDestroy())).listen(port, HOST);
      },
    });
    resetter?.close();
    const m = new Map(results.map((r) => [r.name, r]));
    expect(m.get('refused')).toMatchObject({ verdict: 'reset', stage: 'connect' });
    const decoy = m
      .get('third')!
      .checks.find((c): c is TlsObservation => c.check === 'tls_handshake' && c.purpose === 'decoy');
    expect(decoy?.shared_from).toBeUndefined(); // not the first target's pass
    expect(decoy?.failure?.failure).toBe('connection_reset');
    expect(m.get('third')).toMatchObject({ verdict: 'reset', 'blocked-by': 'ip' });
  });

  it('unknown without a decoy (--no-decoy)', async () => {
    const port = await server({ behaviour: 'ok', cert: 'good', resetSni: [BLOCKED] });
    const r = (await measure([target('blind', `https://${BLOCKED}:${port}/`)], { decoyName: undefined })).get(
      'blind',
    )!;
    expect(r).toMatchObject({ verdict: 'reset', 'blocked-by': 'unknown' });
  });

  it('an SNI probe to a clean server that blocks the name there too confirms sni', async () => {
    const port = await server({ behaviour: 'ok', cert: 'good', resetSni: [BLOCKED] });
    // the censor sees the name anywhere
    const clean = await server({ behaviour: 'ok', cert: 'good', resetSni: [BLOCKED] });
    const r = (
      await measure([target('probe', `https://${BLOCKED}:${port}/`)], {
        sniProbe: { address: HOST, port: clean },
      })
    ).get('probe')!;
    expect(r['blocked-by']).toBe('sni');
    expect(tries(r, 'sni_probe')).toEqual(['connection_reset']);
  });
});

describe('lingering and probabilistic blocking', () => {
  it('a triple kept blocked after a trigger: the next target on it is flagged possibly residual', async () => {
    const port = await server({ behaviour: 'ok', cert: 'good', resetSni: [BLOCKED], lingerMs: 60_000 });
    const m = await measure([
      target('trigger', `https://${BLOCKED}:${port}/`),
      target('innocent', `https://late.reachprobe.test:${port}/`),
    ]);
    expect(m.get('trigger')).toMatchObject({ verdict: 'reset', 'blocked-by': 'sni' });
    expect(m.get('trigger')!.flags).toBeUndefined();
    expect(m.get('innocent')).toMatchObject({
      verdict: 'reset',
      flags: ['possibly-residual'],
      residual_of: { target: 'trigger' },
    });
  });

  it('--residual-check records how long the triple stays blocked for innocuous checks', async () => {
    const port = await server({ behaviour: 'ok', cert: 'good', resetSni: [BLOCKED], lingerMs: 1500 });
    const r = (
      await measure([target('linger', `https://${BLOCKED}:${port}/`)], { residualCheckMs: 8000 })
    ).get('linger')!;
    const checks = r.checks.filter(
      (c) => 'purpose' in c && c.purpose === 'residual_check' && c.check === 'tls_handshake',
    );
    expect(checks.length).toBeGreaterThanOrEqual(1);
    // Blocked at the first re-check (1 s), through again at the next (6 s): the 1.5 s linger was seen.
    expect(r.residual_check).toMatchObject({ still_blocked: false, checks: 2 });
    expect(r.reason).toMatch(/innocuous checks passed again [\d.]+ s later/);
  }, 15_000);

  it('inconsistent: a server that resets the name 2 times out of 3', async () => {
    const port = await server({ behaviour: 'ok', cert: 'good', resetSni: [BLOCKED], resetTimes: 2 });
    const r = (await measure([target('flaky', `https://${BLOCKED}:${port}/`)])).get('flaky')!;
    expect(r).toMatchObject({
      verdict: 'inconsistent',
      stage: 'tls_handshake',
      failure: 'connection_reset',
      'blocked-by': 'sni',
    });
    expect(tries(r)).toEqual(['connection_reset', 'connection_reset', 'ok']);
    expect(r.reason).toContain('in 2 of 3 tries; try 3 got HTTP 200');
  });
});

describe('transaction ids', () => {
  const ids = (r: TargetResult, check: 'connect' | 'tls_handshake', purpose?: 'decoy') =>
    find(r.checks, check)
      .filter((c) => c.purpose === purpose)
      .map((c) => c.transaction_id);

  it('the checks of one connection share its id: the decoy on the first one, each try on its own', async () => {
    const port = await server({ behaviour: 'ok', cert: 'good', resetSni: [BLOCKED] });
    const r = (await measure([target('ids', `https://${BLOCKED}:${port}/`)])).get('ids')!;
    const dialled = r.checks.find((c) => c.check === 'connect' && c.try === undefined);
    const first = dialled && dialled.check === 'connect' ? dialled.transaction_id : undefined;
    expect(first).toBeGreaterThan(0);
    expect(ids(r, 'tls_handshake', 'decoy')).toEqual([first]);
    const own = ids(r, 'connect').filter((id) => id !== first);
    expect(own).toHaveLength(3); // three tries, each on a fresh connection
    expect(new Set([first, ...own]).size).toBe(4);
    expect(ids(r, 'tls_handshake')).toEqual(own);
  });

  it("the timings' connect is the one of the connection the own check used", async () => {
    const port = await server({ behaviour: 'ok', cert: 'good' });
    const r = (await measure([target('timed', `https://${BLOCKED}:${port}/`)])).get('timed')!;
    expect(r.verdict).toBe('reachable');
    const http = r.checks.find((c) => c.check === 'http_round_trip' && c.purpose === undefined)!;
    const connect = r.checks.find(
      (c) => c.check === 'connect' && 'transaction_id' in http && c.transaction_id === http.transaction_id,
    )!;
    // With a decoy on the first connection, the own check's is a fresh one, tagged as its first try.
    expect(connect).toMatchObject({ check: 'connect', try: 1 });
    expect(r.timings.connect_ms).toBe(connect.duration_ms);
  });
});
