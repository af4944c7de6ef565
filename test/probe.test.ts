// Every verdict, produced end to end (resolve, raw DNS, connect, TLS, HTTP, classify) from a real
// network behaviour on loopback.
import { MOCK_CA, type CertName } from '../src/mock/certs.js';
import net from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { blockListOf } from '../src/model/addresses.js';
import { systemClock } from '../src/model/clock.js';
import type { TargetResult } from '../src/model/result.js';
import type { Target } from '../src/model/target.js';
import { serverResolver } from '../src/net/resolve.js';
import { dialTcp } from '../src/net/tcp.js';
import { DEFAULT_OPTIONS, type ProbeEnv, type ProbeOptions } from '../src/run/options.js';
import { runProbe } from '../src/run/run.js';
import { startDnsServer, type MockDnsServer } from '../src/mock/dns-server.js';
import {
  closedPort,
  HOST,
  startBlackhole,
  startServer,
  type Behaviour,
  type Listening,
} from '../src/mock/tcp-servers.js';

const OPTIONS: ProbeOptions = {
  ...DEFAULT_OPTIONS,
  timeouts: { dns: 400, connect: 400, tls: 400, http: 400 },
  dnsWindowMs: 150,
  // The body read as before --transfer (up to --max-body): transfer.test.ts measures transfers.
  transferBytes: 0,
  allowedAnswers: blockListOf(['127.0.0.0/8']), // every server here is on loopback
};

const servers: Listening[] = [];
let dns: MockDnsServer;
let env: ProbeEnv;

async function server(behaviour: Behaviour, cert?: CertName): Promise<number> {
  const s = await startServer({ behaviour, ...(cert ? { cert } : {}) });
  servers.push(s);
  return s.port;
}

function target(name: string, url: string, extra: Partial<Target> = {}): Target {
  const u = new URL(url);
  const scheme = u.protocol.slice(0, -1) as Target['scheme'];
  const port = Number(u.port || (scheme === 'https' ? 443 : 80));
  return {
    name,
    service: 'Test',
    url,
    scheme,
    host: u.hostname,
    port,
    path: '/',
    tags: [],
    source: { file: 'test', line: 1 },
    ...extra,
  };
}

async function probe(...targets: Target[]): Promise<Map<string, TargetResult>> {
  const { results } = await runProbe(targets, OPTIONS, env);
  return new Map(results.map((r) => [r.name, r]));
}

async function one(t: Target): Promise<TargetResult> {
  return (await probe(t)).get(t.name)!;
}

beforeAll(async () => {
  dns = await startDnsServer({
    'good.reachprobe.test': { answer: [HOST] },
    'v6.reachprobe.test': { answer: ['::1'] },
    'poisoned-free.reachprobe.test': { answer: [HOST] },
    'dual.reachprobe.test': { answer: [HOST, '::1'] },
    // The GFW answers AAAA queries with Teredo addresses (GFWatch): forged beside a genuine A record.
    'teredo.reachprobe.test': { answer: [HOST, '2001:0:4136:e378:8000:63bf:3fff:fdd2'] },
    // The injector's forged answer first, the real one 60 ms later.
    'poisoned.reachprobe.test': [{ answer: ['127.0.0.66'] }, { answer: [HOST], delayMs: 60 }],
    'missing.reachprobe.test': { rcode: 'NXDOMAIN' },
    'broken.reachprobe.test': { rcode: 'SERVFAIL' },
    'slow.reachprobe.test': { silent: true },
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

describe('verdicts from real loopback behaviour', () => {
  it('reachable: valid TLS certificate and an HTTP answer', async () => {
    const port = await server('ok', 'good');
    const r = await one(target('ok', `https://good.reachprobe.test:${port}/`));
    expect(r.verdict).toBe('reachable');
    expect(r.addresses).toEqual([HOST]);
    const purposes = r.checks.map((c) =>
      c.check === 'dns_query'
        ? `${c.purpose} ${c.query_type}`
        : `${c.check}${'purpose' in c && c.purpose ? ` ${c.purpose}` : ''}`,
    );
    // The innocuous (decoy) handshake first, on the dialled connection; then the target's own check on a fresh one.
    expect(purposes).toEqual([
      'resolver A',
      'resolver AAAA',
      'wrong_type TXT',
      'resolve',
      'connect',
      'tls_handshake decoy',
      'connect',
      'tls_handshake',
      'http_round_trip',
    ]);
    // The decoy's name (www.example.org) is not on the certificate: unchecked, that is no failure.
    const decoy = r.checks.find((c) => c.check === 'tls_handshake' && c.purpose === 'decoy');
    expect(decoy).toMatchObject({ sni: OPTIONS.decoyName, version: expect.stringMatching(/^TLS/) });
    expect(decoy && decoy.check === 'tls_handshake' && [decoy.failure, decoy.certificate]).toEqual([
      undefined,
      undefined,
    ]);
    expect(r.dns_heuristics).toBeUndefined();
    expect(r.timings.tls_ms).toBeGreaterThan(0);
    expect(r.expect_met).toBe(true);
  });

  it("reachable: an IP literal sends no SNI and is checked against the certificate's IP names", async () => {
    const r = await one(target('literal', `https://${HOST}:${await server('ok', 'good')}/`));
    expect(r.verdict).toBe('reachable');
    const tls = r.checks.find((c) => c.check === 'tls_handshake' && !c.purpose);
    expect(tls && 'sni' in tls).toBe(false);
    expect(r.checks.some((c) => c.check === 'resolve' || c.check === 'dns_query')).toBe(false);
  });

  it('reachable over plain HTTP', async () => {
    const port = await server('ok');
    const r = await one(target('plain', `http://good.reachprobe.test:${port}/`));
    expect(r.verdict).toBe('reachable');
    expect(r.reason).toContain('HTTP 200');
  });

  it('connected: a tcp:// target whose handshake completes', async () => {
    const port = await server('stall');
    const r = await one(target('tcp', `tcp://${HOST}:${port}`));
    expect(r.verdict).toBe('connected');
    expect(r.checks.map((c) => c.check)).toEqual(['connect']);
  });

  it('dns-poisoned: two differing replies race for one query', async () => {
    const port = await server('ok', 'good');
    const r = await one(target('poisoned', `https://poisoned.reachprobe.test:${port}/`));
    expect(r.verdict).toBe('dns-poisoned');
    expect(r.stage).toBe('resolve');
    const query = r.checks.find((c) => c.check === 'dns_query');
    expect(query && query.check === 'dns_query' && query.replies.map((x) => x.addresses[0])).toEqual([
      '127.0.0.66',
      HOST,
    ]);
    expect(r.reason).toContain('127.0.0.66');
  });

  it('dns-nxdomain and dns-failure (SERVFAIL, resolver timeout)', async () => {
    const m = await probe(
      target('missing', 'https://missing.reachprobe.test/'),
      target('broken', 'https://broken.reachprobe.test/'),
      target('slow', 'https://slow.reachprobe.test/'),
    );
    expect(m.get('missing')).toMatchObject({
      verdict: 'dns-nxdomain',
      stage: 'resolve',
      failure: 'dns_nxdomain_error',
    });
    expect(m.get('broken')).toMatchObject({ verdict: 'dns-failure', failure: 'dns_servfail_error' });
    expect(m.get('slow')).toMatchObject({ verdict: 'dns-failure', failure: 'generic_timeout_error' });
  });

  it('reset at connect: a RST answers the SYN', async () => {
    const r = await one(target('refused', `https://good.reachprobe.test:${await closedPort()}/`));
    expect(r).toMatchObject({ verdict: 'reset', stage: 'connect', failure: 'connection_refused' });
  });

  it('reset after the TLS ClientHello', async () => {
    // The address is blamed only if the decoy's reset came before the own check began, which waits a
    // twentieth of the TLS deadline for it: 20 ms of 400 was too short on a loaded CI machine once.
    const t = target('sni-reset', `https://good.reachprobe.test:${await server('reset-on-hello')}/`);
    const r = (await runProbe([t], { ...OPTIONS, timeouts: { ...OPTIONS.timeouts, tls: 4000 } }, env))
      .results[0]!;
    expect(r).toMatchObject({ verdict: 'reset', stage: 'tls_handshake', failure: 'connection_reset' });
    expect(r.reason).toContain('SNI good.reachprobe.test');
    expect(r['blocked-by']).toBe('ip'); // every name is reset here: the innocuous decoy was too
  });

  it('reset after the HTTP request, over TLS and over plain HTTP', async () => {
    const m = await probe(
      target('https-reset', `https://good.reachprobe.test:${await server('reset-on-request', 'good')}/`),
      target('http-reset', `http://good.reachprobe.test:${await server('reset-on-request')}/`),
    );
    expect(m.get('https-reset')).toMatchObject({
      verdict: 'reset',
      stage: 'http_round_trip',
      failure: 'connection_reset',
    });
    expect(m.get('http-reset')).toMatchObject({
      verdict: 'reset',
      stage: 'http_round_trip',
      failure: 'connection_reset',
    });
  });

  it('timeout at connect, TLS handshake and HTTP, each ending near its deadline', async () => {
    const hole = await startBlackhole();
    servers.push(hole);
    const m = await probe(
      target('syn-drop', `https://good.reachprobe.test:${hole.port}/`),
      target('tls-stall', `https://good.reachprobe.test:${await server('stall')}/`),
      target('http-stall', `https://good.reachprobe.test:${await server('stall-response', 'good')}/`),
    );
    expect(m.get('syn-drop')).toMatchObject({
      verdict: 'timeout',
      stage: 'connect',
      failure: 'generic_timeout_error',
    });
    expect(m.get('tls-stall')).toMatchObject({ verdict: 'timeout', stage: 'tls_handshake' });
    expect(m.get('http-stall')).toMatchObject({ verdict: 'timeout', stage: 'http_round_trip' });
    // Each stage ends at its own deadline (400 ms), not later.
    const within = (ms: number | undefined) => expect(ms).toSatisfy((x: number) => x >= 395 && x < 600);
    within(m.get('syn-drop')!.timings.connect_ms);
    within(m.get('tls-stall')!.timings.tls_ms);
    within(m.get('http-stall')!.timings.http_ms);
  });

  it('closed: a FIN during the TLS handshake is eof_error, not a reset', async () => {
    const r = await one(target('fin', `https://good.reachprobe.test:${await server('fin-on-hello')}/`));
    expect(r).toMatchObject({ verdict: 'closed', stage: 'tls_handshake', failure: 'eof_error' });
  });

  it('closed: a FIN instead of an answer, and a body cut short, are eof_error at http_round_trip', async () => {
    const m = await probe(
      target('fin-request', `https://good.reachprobe.test:${await server('fin-on-request', 'good')}/`),
      target('truncated', `http://good.reachprobe.test:${await server('truncated-body')}/`),
    );
    expect(m.get('fin-request')).toMatchObject({
      verdict: 'closed',
      stage: 'http_round_trip',
      failure: 'eof_error',
    });
    expect(m.get('truncated')).toMatchObject({
      verdict: 'closed',
      stage: 'http_round_trip',
      failure: 'eof_error',
    });
  });

  it('a redirect loop is followed until it comes back, and said as such', async () => {
    const port = await server('redirect-loop');
    const r = await one(target('loop', `http://good.reachprobe.test:${port}/`));
    expect(r).toMatchObject({ verdict: 'http-failure', failure: 'unknown_failure' });
    expect(r.reason).toContain(
      `a redirect loop: the chain comes back to http://good.reachprobe.test:${port}/`,
    );
  });

  it('with --max-redirects 0 a redirect is recorded, not followed', async () => {
    const t = target('loop', `http://good.reachprobe.test:${await server('redirect-loop')}/`);
    const { results } = await runProbe([t], { ...OPTIONS, maxRedirects: 0 }, env);
    const r = results[0]!;
    expect(r.verdict).toBe('reachable');
    expect(r.redirects).toBeUndefined();
    const http = r.checks.find((c) => c.check === 'http_round_trip' && !c.purpose);
    expect(http && http.check === 'http_round_trip' && http.status).toBe(302);
  });

  it('follows up to 10 redirects, each hop measured, and stops after more', async () => {
    const port = await server('redirect-countdown');
    const m = await probe(
      target('three', `http://good.reachprobe.test:${port}/3`, { path: '/3' }),
      target('fifteen', `http://good.reachprobe.test:${port}/15`, { path: '/15' }),
    );
    const three = m.get('three')!;
    expect(three.verdict).toBe('reachable');
    expect(three.redirects?.map((h) => [new URL(h.url).pathname, h.verdict])).toEqual([
      ['/2', 'reachable'],
      ['/1', 'reachable'],
      ['/0', 'reachable'],
    ]);
    expect(m.get('fifteen')).toMatchObject({ verdict: 'http-failure', failure: 'unknown_failure' });
    expect(m.get('fifteen')!.reason).toMatch(/^more than 10 redirects: stopped/);
    expect(m.get('fifteen')!.redirects).toHaveLength(10);
  });

  it('a Location without a host ends the chain, said as such', async () => {
    const r = await one(target('broken', `http://good.reachprobe.test:${await server('redirect-broken')}/`));
    expect(r.verdict).toBe('http-failure');
    expect(r.reason).toMatch(/a redirect to "http:\/\/", which is no http\(s\) URL with a host/);
  });

  it("a redirect into a host reset by SNI is that hop's failure, naming its host", async () => {
    const filtered = await startServer({ behaviour: 'ok', cert: 'good', resetSni: ['good.reachprobe.test'] });
    const to = `https://good.reachprobe.test:${filtered.port}/`;
    const shortener = await startServer({ behaviour: 'ok', redirectTo: () => to });
    servers.push(filtered, shortener);
    const r = await one(target('short', `http://poisoned-free.reachprobe.test:${shortener.port}/`));
    expect(r).toMatchObject({ verdict: 'reset', stage: 'tls_handshake', failure: 'connection_reset' });
    expect(r.reason).toMatch(
      /after 1 redirect\(s\) \(.* → https:\/\/good\.reachprobe\.test:\d+\/\), good\.reachprobe\.test failed: /,
    );
    expect(r.redirects).toMatchObject([{ url: to, verdict: 'reset', stage: 'tls_handshake' }]);
  });

  it('an endless body is read up to --max-body, and a trickling one cannot stretch the HTTP deadline', async () => {
    const m = await probe(
      target('endless', `http://good.reachprobe.test:${await server('endless-body')}/`),
      target('trickle', `http://good.reachprobe.test:${await server('trickle')}/`),
    );
    const endless = m.get('endless')!.checks.find((c) => c.check === 'http_round_trip' && !c.purpose);
    expect(m.get('endless')!.verdict).toBe('reachable');
    expect(
      endless &&
        endless.check === 'http_round_trip' && [
          endless.body_truncated,
          endless.body_bytes >= OPTIONS.maxBodyBytes,
        ],
    ).toEqual([true, true]);
    expect(m.get('trickle')).toMatchObject({ verdict: 'timeout', stage: 'http_round_trip' });
    expect(m.get('trickle')!.timings.http_ms).toSatisfy((ms: number) => ms >= 395 && ms < 600);
  });

  it.each([
    ['wrong-name', 'ssl_invalid_hostname'],
    ['expired', 'ssl_invalid_certificate'],
    ['self-signed', 'ssl_unknown_authority'],
  ] as const)('cert-invalid: a %s certificate', async (cert, failure) => {
    const r = await one(target(cert, `https://good.reachprobe.test:${await server('ok', cert)}/`));
    expect(r).toMatchObject({ verdict: 'cert-invalid', stage: 'tls_handshake', failure });
    expect(r.reason).not.toMatch(/failed: [A-Z_]+;/); // a sentence, not a bare OpenSSL code
    // The target's own handshake: the decoy's certificate (for another name) is not recorded.
    const tls = r.checks.find((c) => c.check === 'tls_handshake' && c.purpose === undefined);
    expect(tls && tls.check === 'tls_handshake' && tls.certificate?.issuer).toContain('reachprobe');
  });

  it(
    "the certificate is judged and described from the X509 certificate: Node's JS objects of the chain " +
      'are never built',
    async () => {
      // Building them (Node asks for them before its name check) cost a sixth of a target's CPU.
      const asked = vi.spyOn(tls.TLSSocket.prototype, 'getPeerCertificate');
      try {
        const m = await probe(
          target('light-ok', `https://good.reachprobe.test:${await server('ok', 'good')}/`),
          target('light-wrong', `https://good.reachprobe.test:${await server('ok', 'wrong-name')}/`),
        );
        expect(m.get('light-ok')!.verdict).toBe('reachable');
        expect(m.get('light-wrong')).toMatchObject({
          verdict: 'cert-invalid',
          failure: 'ssl_invalid_hostname',
        });
        const own = m
          .get('light-ok')!
          .checks.find((c) => c.check === 'tls_handshake' && c.purpose === undefined);
        expect(own && own.check === 'tls_handshake' && own.certificate).toMatchObject({
          subject: 'CN=good, O=reachprobe tests',
          issuer: 'CN=reachprobe test CA, O=reachprobe tests',
          subject_alt_names: expect.stringContaining('DNS:*.reachprobe.test'),
          valid_to: expect.stringMatching(/ GMT$/),
          fingerprint256: expect.stringMatching(/^[0-9A-F]{2}(:[0-9A-F]{2}){31}$/),
        });
        expect(asked).not.toHaveBeenCalled();
      } finally {
        asked.mockRestore();
      }
    },
  );

  it('tls-failure: the port speaks something else than TLS', async () => {
    const r = await one(target('not-tls', `https://good.reachprobe.test:${await server('not-tls')}/`));
    expect(r).toMatchObject({
      verdict: 'tls-failure',
      stage: 'tls_handshake',
      failure: 'ssl_failed_handshake',
    });
  });

  it('http-failure: the server answers with bytes that are not HTTP, or with a broken header', async () => {
    const m = await probe(
      target('garbage', `http://good.reachprobe.test:${await server('garbage-response')}/`),
      target('bad-headers', `https://good.reachprobe.test:${await server('bad-headers', 'good')}/`),
    );
    expect(m.get('garbage')).toMatchObject({
      verdict: 'http-failure',
      stage: 'http_round_trip',
      failure: 'http_protocol_error',
    });
    expect(m.get('bad-headers')).toMatchObject({
      verdict: 'http-failure',
      stage: 'http_round_trip',
      failure: 'http_protocol_error',
    });
  });

  it('vantage-offline: when every domestic control fails, no failure claims censorship', async () => {
    const dead = await closedPort();
    const m = await probe(
      target('control', `http://good.reachprobe.test:${dead}/`, { role: 'control-domestic' }),
      target('blocked', `https://good.reachprobe.test:${await server('reset-on-hello')}/`),
      target('fine', `http://good.reachprobe.test:${await server('ok')}/`),
    );
    expect(m.get('control')).toMatchObject({ verdict: 'vantage-offline', measured_verdict: 'reset' });
    expect(m.get('blocked')).toMatchObject({
      verdict: 'vantage-offline',
      measured_verdict: 'reset',
      stage: 'tls_handshake',
    });
    expect(m.get('fine')!.verdict).toBe('reachable');
  });

  it('a working domestic control keeps the verdicts as measured', async () => {
    const { results, summary } = await runProbe(
      [
        target('control', `http://good.reachprobe.test:${await server('ok')}/`, { role: 'control-domestic' }),
        target('blocked', `https://good.reachprobe.test:${await server('reset-on-hello')}/`, {
          expect: 'reset',
        }),
      ],
      OPTIONS,
      env,
    );
    expect(summary.vantage).toBe('online');
    expect(results.map((r) => r.verdict)).toEqual(['reachable', 'reset']);
    expect(results[1]!.expect_met).toBe(true);
    expect(summary.unmet).toBe(0);
  });
});

describe('scheduling', () => {
  it('--resolve pins a name to an address without asking the resolver', async () => {
    const port = await server('ok', 'good');
    const options = { ...OPTIONS, pins: new Map([[`pinned.reachprobe.test:${port}`, [HOST]]]) };
    const { results } = await runProbe(
      [target('pinned', `https://pinned.reachprobe.test:${port}/`)],
      options,
      env,
    );
    expect(results[0]!.verdict).toBe('reachable');
    expect(results[0]!.checks.some((c) => c.check === 'resolve')).toBe(false);
  });

  it("time spent waiting for a concurrency slot is not counted in a target's timings", async () => {
    const port = await server('stall-response', 'good');
    const other = await server('stall-response', 'good');
    const { results } = await runProbe(
      [
        target('first', `https://good.reachprobe.test:${port}/`),
        target('second', `https://good.reachprobe.test:${other}/`),
      ],
      { ...OPTIONS, concurrency: 1, dnsWindowMs: 10 },
      env,
    );
    expect(results[1]!.timings.total_ms).toBeLessThan(700); // its own ~400 ms, not the first's too
    expect(Date.parse(results[1]!.started_at)).toBeGreaterThanOrEqual(
      Date.parse(results[0]!.started_at) + 350,
    );
  });

  it('never runs two checks on one IP:port at once, yet runs different ones in parallel', async () => {
    const port = await server('stall-response', 'good');
    const other = await server('stall-response', 'good');
    const started = performance.now();
    const { results } = await runProbe(
      [
        target('a', `https://good.reachprobe.test:${port}/`),
        target('b', `https://good.reachprobe.test:${port}/`),
        target('c', `https://good.reachprobe.test:${other}/`),
      ],
      { ...OPTIONS, dnsWindowMs: 10 },
      env,
    );
    const elapsed = performance.now() - started;
    const span = (r: TargetResult) => {
      const connect = r.checks.find((c) => c.check === 'connect')!;
      const http = r.checks.find((c) => c.check === 'http_round_trip')!;
      return [connect.started_ms, http.started_ms + http.duration_ms];
    };
    const [a, b] = [span(results[0]!), span(results[1]!)];
    // a and b did not overlap (0.2 ms: the report rounds times to 0.1 ms)
    expect(a[0]! >= b[1]! - 0.2 || b[0]! >= a[1]! - 0.2).toBe(true);
    expect(elapsed).toBeLessThan(2 * 400 + 400); // c ran beside them, not after
  });
});

describe('addresses spelled two ways', () => {
  it("dials the helper's extra address once when it is one of the answers under another spelling", async () => {
    const t = target('dup', 'http://v6.reachprobe.test:9/');
    const options: ProbeOptions = {
      ...OPTIONS,
      allowedAnswers: blockListOf(['127.0.0.0/8', '::1/128']),
      alsoDial: new Map([['dup', ['0:0:0:0:0:0:0:1']]]),
    };
    const { results } = await runProbe([t], options, env);
    const dials = results[0]!.checks.filter((c) => c.check === 'connect').map((c) => c.address);
    expect(dials).toEqual(['::1']);
  });
});

describe('both address families', () => {
  it('judges IPv4 and IPv6 apart: refused over IPv4, a page over IPv6 is reachable, and says so', async () => {
    // An HTTP server on ::1 only: the same port on 127.0.0.1 refuses.
    const v6 = net.createServer((s) =>
      s.once('data', () => s.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok')),
    );
    await new Promise<void>((resolve) => v6.listen(0, '::1', resolve));
    const { port } = v6.address() as net.AddressInfo;
    try {
      const options: ProbeOptions = { ...OPTIONS, allowedAnswers: blockListOf(['127.0.0.0/8', '::1/128']) };
      const { results } = await runProbe(
        [target('dual', `http://dual.reachprobe.test:${port}/`)],
        options,
        env,
      );
      const r = results[0]!;
      expect(r.verdict).toBe('reachable');
      expect(r.families).toEqual({
        ipv4: { addresses: [HOST], open: false, failure: 'connection_refused' },
        ipv6: { addresses: ['::1'], open: true },
      });
      expect(r.reason).toMatch(/IPv4 fails \(connection_refused\) while IPv6 connects/);
    } finally {
      v6.close();
    }
  });

  it('a Teredo AAAA answer (2001::/32) beside a genuine A record is forged', async () => {
    const port = await server('ok');
    const r = await one(target('teredo', `http://teredo.reachprobe.test:${port}/`));
    expect(r.verdict).toBe('dns-poisoned');
    expect(r.reason).toMatch(/2001:0:4136:e378:8000:63bf:3fff:fdd2 \(Teredo\)/);
  });
});
