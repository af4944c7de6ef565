// Each DNS-poisoning heuristic, produced on loopback by a resolver, sink or control that behaves as
// an injector (or as an honest CDN) would; and the clean cases that must stay reachable.
import dgram from 'node:dgram';
import net from 'node:net';
import { CERTS, MOCK_CA, type CertName } from '../src/mock/certs.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { blockListOf } from '../src/model/addresses.js';
import { systemClock } from '../src/model/clock.js';
import type { RunOutput } from '../src/run/run.js';
import { dohDispatcher } from '../src/net/doh.js';
import { serverResolver } from '../src/net/resolve.js';
import { dialTcp } from '../src/net/tcp.js';
import { DEFAULT_OPTIONS, type ProbeEnv, type ProbeOptions } from '../src/run/options.js';
import { runProbe } from '../src/run/run.js';
import type { Target } from '../src/model/target.js';
import { targetAt } from './helpers/targets.js';
import { startDnsServer, type DnsBehaviour, type DnsServerScript } from '../src/mock/dns-server.js';
import { startDohServer } from '../src/mock/doh-server.js';
import {
  closedPort,
  HOST,
  startBlackhole,
  startServer,
  type Behaviour,
  type Listening,
} from '../src/mock/tcp-servers.js';

const SELF_SIGNED = CERTS['self-signed'].cert;
const OPTIONS: ProbeOptions = {
  ...DEFAULT_OPTIONS,
  timeouts: { dns: 400, connect: 400, tls: 400, http: 400 },
  dnsWindowMs: 120,
  sinkTimeoutMs: 250,
  sinkCanaries: ['www.example.com', 'www.iana.org'],
  allowedAnswers: blockListOf(['127.0.0.0/8']), // every real server here is on loopback
};

const closers: Array<{ close(): Promise<void> }> = [];
afterAll(async () => {
  await Promise.all(closers.map((c) => c.close()));
});

async function server(behaviour: Behaviour, cert?: CertName): Promise<number> {
  const s: Listening = await startServer({ behaviour, ...(cert ? { cert } : {}) });
  closers.push(s);
  return s.port;
}

const target = targetAt;

interface World {
  resolver: DnsServerScript;
  resolverFallback?: DnsBehaviour;
  sink?: DnsServerScript | 'closed';
  sinkFallback?: DnsBehaviour;
  control?: DnsServerScript;
  controlCert?: CertName;
}

/** Starts the resolver, sink and control a test describes, and runs the targets against them. */
async function measure(
  world: World,
  targets: Target[],
  options: Partial<ProbeOptions> = {},
): Promise<RunOutput> {
  const resolver = await startDnsServer(world.resolver, world.resolverFallback);
  closers.push(resolver);
  const env: ProbeEnv = {
    clock: systemClock,
    resolver: serverResolver(resolver),
    dnsServer: resolver,
    dial: dialTcp,
    ca: [MOCK_CA],
    controls: [],
  };
  if (world.sink === 'closed') env.sink = { address: HOST, port: await closedPort() };
  else if (world.sink) {
    const sink = await startDnsServer(world.sink, world.sinkFallback ?? { silent: true });
    closers.push(sink);
    env.sink = sink;
  }
  if (world.control) {
    const doh = await startDohServer(world.control, world.controlCert);
    closers.push(doh);
    env.controls = [doh.url];
    const dispatcher = dohDispatcher([SELF_SIGNED], 400, 4);
    env.doh = dispatcher;
    closers.push({ close: () => dispatcher.destroy() });
  }
  return runProbe(targets, { ...OPTIONS, ...options }, env);
}

const names = (out: RunOutput, i = 0) =>
  (out.results[i]!.dns_heuristics ?? []).map((h) => `${h.name}${h.strong ? '' : ' (weak)'}`);

let good: number;
beforeAll(async () => {
  good = await server('ok', 'good');
});

describe('clean names stay reachable', () => {
  it('a clean name: silent sink, agreeing control, one reply', async () => {
    const out = await measure(
      {
        resolver: { 'www.reachprobe.test': { answer: [HOST] } },
        sink: 'closed',
        control: { 'www.reachprobe.test': { answer: [HOST] } },
      },
      [target('clean', 'www.reachprobe.test', good)],
    );
    expect(out.results[0]).toMatchObject({ verdict: 'reachable' });
    expect(names(out)).toEqual([]);
    expect(out.summary.dns_preflight.sink).toMatchObject({ usable: true });
    expect(
      out.results[0]!.checks.filter((c) => c.check === 'doh_query').map(
        (c) => c.check === 'doh_query' && c.addresses,
      ),
    ).toEqual([[HOST], []]);
  });

  it('a resolver that loses the first queries: asked again, reachable, not dns-failure', async () => {
    const out = await measure(
      {
        resolver: { 'lossy.reachprobe.test': { answer: [HOST], lose: 1 } },
        sink: { 'lossy.reachprobe.test': { silent: true } },
      },
      [target('lossy', 'lossy.reachprobe.test', good)],
    );
    const result = out.results[0]!;
    expect(result.verdict).toBe('reachable');
    const sent = result.checks.flatMap((c) =>
      c.check === 'dns_query' ? [[c.purpose, c.query_type, c.sent]] : [],
    );
    // A, AAAA and TXT each went out twice; the sink, which must stay silent, was asked once.
    expect(sent).toEqual([
      ['resolver', 'A', 2],
      ['resolver', 'AAAA', 2],
      ['wrong_type', 'TXT', 2],
      ['sink', 'A', undefined],
    ]);
    expect(
      result.evidence.filter((e) => /^dns_query A lossy\.reachprobe\.test .*, sent 2 times\)$/.test(e)),
    ).toHaveLength(1);
  });

  it('a CDN: the control answers another address, but the local one has a valid certificate', async () => {
    const out = await measure(
      {
        resolver: { 'cdn.reachprobe.test': { answer: [HOST] } },
        control: { 'cdn.reachprobe.test': { answer: ['127.0.0.200'] } },
      },
      [target('cdn', 'cdn.reachprobe.test', good)],
    );
    expect(out.results[0]!.verdict).toBe('reachable');
    expect(names(out)).toEqual([]);
  });

  it('a control that fails is recorded and ignored', async () => {
    const out = await measure(
      {
        resolver: { 'www.reachprobe.test': { answer: [HOST] } },
        control: { 'www.reachprobe.test': { answer: ['127.0.0.9'] } },
        controlCert: 'expired',
      },
      [target('doh-down', 'www.reachprobe.test', good)],
    );
    expect(out.results[0]!.verdict).toBe('reachable');
    const doh = out.results[0]!.checks.find((c) => c.check === 'doh_query');
    expect(doh && doh.check === 'doh_query' && doh.failure?.failure).toBe('ssl_invalid_certificate');
  });
});

describe('a blocked control', () => {
  it('a control whose SYNs are dropped costs one DNS deadline, not the connect timeout of the pool', async () => {
    const resolver = await startDnsServer({ 'www.reachprobe.test': { answer: [HOST] } });
    const hole = await startBlackhole();
    closers.push(resolver, hole);
    const dispatcher = dohDispatcher([], 400, 4);
    closers.push({ close: () => dispatcher.destroy() });
    const env: ProbeEnv = {
      clock: systemClock,
      resolver: serverResolver(resolver),
      dnsServer: resolver,
      dial: dialTcp,
      ca: [MOCK_CA],
      controls: [`https://${HOST}:${hole.port}/dns-query`],
      doh: dispatcher,
    };
    const started = performance.now();
    const out = await runProbe(
      [target('a', 'www.reachprobe.test', good), target('b', 'www.reachprobe.test', good)],
      OPTIONS,
      env,
    );
    expect(performance.now() - started).toBeLessThan(1500);
    expect(out.results.map((r) => r.verdict)).toEqual(['reachable', 'reachable']);
    const doh = out.results[0]!.checks.filter((c) => c.check === 'doh_query');
    expect(doh.map((c) => c.failure?.failure)).toEqual(['generic_timeout_error', 'generic_timeout_error']);
  });
});

describe('strong evidence: dns-poisoned', () => {
  it('differing replies: the forged answer first, the real one later', async () => {
    const out = await measure(
      { resolver: { 'race.reachprobe.test': [{ answer: ['127.0.0.66'] }, { answer: [HOST], delayMs: 50 }] } },
      [target('race', 'race.reachprobe.test', good)],
    );
    expect(out.results[0]).toMatchObject({ verdict: 'dns-poisoned', stage: 'resolve' });
    expect(names(out)).toEqual(['differing-replies']);
    expect(out.results[0]!.reason).toMatch(/127\.0\.0\.66 after [\d.]+ ms; 127\.0\.0\.1 after/);
  });

  describe("a raced answer is nobody's server: never dialled, over TCP or QUIC", () => {
    const FORGED = '127.0.0.66';
    // What reaches the forged address at the genuine server's port: TCP connections and UDP datagrams.
    const seen = { tcp: 0, udp: 0 };
    beforeAll(async () => {
      const tcp = net.createServer((socket) => {
        seen.tcp++;
        socket.destroy();
      });
      await new Promise<void>((resolve) => tcp.listen(good, FORGED, resolve));
      const udp = dgram.createSocket('udp4').on('message', () => seen.udp++);
      await new Promise<void>((resolve) => udp.bind(good, FORGED, resolve));
      closers.push({
        close: async () => {
          udp.close();
          await new Promise((resolve) => tcp.close(resolve));
        },
      });
    });
    beforeEach(() => Object.assign(seen, { tcp: 0, udp: 0 }));

    it('the only answer forged: nothing dialled, the verdict from DNS, and the evidence says why', async () => {
      const out = await measure(
        {
          resolver: {
            'raced.reachprobe.test': [{ answer: [FORGED] }, { answer: [HOST], delayMs: 50 }],
          },
        },
        [{ ...target('raced', 'raced.reachprobe.test', good), quic: true }],
      );
      const r = out.results[0]!;
      expect(r).toMatchObject({ verdict: 'dns-poisoned', stage: 'resolve', addresses: [FORGED] });
      expect(names(out)).toEqual(['differing-replies']);
      expect(seen).toEqual({ tcp: 0, udp: 0 });
      expect(r.checks.some((c) => c.check === 'connect')).toBe(false);
      expect(r.quic).toBeUndefined();
      expect(r.evidence).toContain(
        `not dialled: ${FORGED}, raced in ahead of the genuine DNS reply (nobody's server)`,
      );
    });

    it('a forged answer beside the genuine one: only the genuine one is dialled, and it proves itself', async () => {
      const out = await measure(
        {
          resolver: {
            'mixed.reachprobe.test': [{ answer: [FORGED, HOST] }, { answer: [HOST], delayMs: 50 }],
          },
        },
        [target('mixed', 'mixed.reachprobe.test', good)],
      );
      const r = out.results[0]!;
      // The genuine address served the name with a valid certificate: the race stays evidence.
      expect(r.verdict).toBe('reachable');
      expect(names(out)).toEqual(['differing-replies']);
      expect(seen.tcp).toBe(0);
      const dialled = r.checks.flatMap((c) => (c.check === 'connect' ? [c.address] : []));
      expect(new Set(dialled)).toEqual(new Set([HOST]));
      expect(r.evidence.at(-1)).toMatch(/^not dialled: 127\.0\.0\.66,/);
    });
  });

  it('a sink answer, although the resolver itself answers honestly', async () => {
    const plain = await server('ok');
    const out = await measure(
      {
        resolver: { 'sinked.reachprobe.test': { answer: [HOST] } },
        sink: { 'sinked.reachprobe.test': { answer: ['127.0.0.77'] } },
      },
      [target('sinked', 'sinked.reachprobe.test', plain, 'http')],
    );
    expect(out.results[0]!.verdict).toBe('dns-poisoned');
    expect(names(out)).toEqual(['sink-answer']);
    expect(out.results[0]!.dns_heuristics![0]!.detail).toContain('127.0.0.77');
  });

  it('a wrong-type answer: an A record for a TXT query', async () => {
    const plain = await server('ok');
    const out = await measure({ resolver: { 'typed.reachprobe.test': { answer: [HOST], anyType: true } } }, [
      target('typed', 'typed.reachprobe.test', plain, 'http'),
    ]);
    expect(out.results[0]!.verdict).toBe('dns-poisoned');
    expect(names(out)).toContain('wrong-type');
  });

  it(
    'no heuristic overrides a valid certificate: the address is proven genuine, the signals stay ' +
      'evidence',
    async () => {
      const out = await measure(
        {
          resolver: { 'proven.reachprobe.test': { answer: [HOST], anyType: true } },
          sink: { 'proven.reachprobe.test': { answer: ['127.0.0.77'] } },
          resolverFallback: { answer: [HOST] }, // rewrites NXDOMAIN to the very same address
        },
        [target('proven', 'proven.reachprobe.test', good)],
      );
      expect(out.results[0]!.verdict).toBe('reachable');
      // This resolver answers names that do not exist too: a wrong-type answer is its doing, so weak.
      expect(names(out)).toEqual(['sink-answer', 'wrong-type (weak)', 'nxdomain-rewrite (weak)']);
    },
  );

  it('an impossible answer (private, Teredo) is reported and never dialled', async () => {
    const out = await measure(
      { resolver: { 'bogon.reachprobe.test': { answer: ['10.10.10.10', '2001:0:4136:e378::1'] } } },
      [target('bogon', 'bogon.reachprobe.test', 443)],
    );
    const r = out.results[0]!;
    expect(r.verdict).toBe('dns-poisoned');
    expect(names(out)).toEqual(['impossible-address']);
    expect(r.dns_heuristics![0]!.detail).toMatch(/10\.10\.10\.10 \(private.*2001:0:4136:e378::1 \(Teredo\)/);
    expect(r.checks.some((c) => c.check === 'connect')).toBe(false);
  });

  it('a control mismatch confirmed by TLS: the local address has no valid certificate for the name', async () => {
    const wrong = await server('ok', 'wrong-name');
    const out = await measure(
      {
        resolver: { 'mitm.reachprobe.test': { answer: [HOST] } },
        control: { 'mitm.reachprobe.test': { answer: ['127.0.0.200'] } },
      },
      [target('mitm', 'mitm.reachprobe.test', wrong)],
    );
    expect(out.results[0]!.verdict).toBe('dns-poisoned');
    expect(names(out)).toEqual(['control-mismatch-tls']);
  });
});

describe('weak evidence decides nothing', () => {
  it('a control mismatch where the local address only times out stays a timeout', async () => {
    const stall = await server('stall');
    const out = await measure(
      {
        resolver: { 'slow.reachprobe.test': { answer: [HOST] } },
        control: { 'slow.reachprobe.test': { answer: ['127.0.0.200'] } },
      },
      [target('slow', 'slow.reachprobe.test', stall)],
    );
    expect(out.results[0]).toMatchObject({ verdict: 'timeout', stage: 'tls_handshake' });
    expect(names(out)).toEqual(['control-mismatch (weak)']);
  });

  it('an address in the forged pool is noted, not condemned', async () => {
    const out = await measure(
      { resolver: { 'pool.reachprobe.test': { answer: [HOST] } } },
      [target('pool', 'pool.reachprobe.test', good)],
      { forgedPool: blockListOf(['127.0.0.1/32']) },
    );
    expect(out.results[0]!.verdict).toBe('reachable');
    expect(names(out)).toEqual(['forged-pool (weak)']);
  });
});

describe('the DNS path itself', () => {
  it('a sink that answers the innocuous canary names is unusable, and its answers are not used', async () => {
    const out = await measure(
      {
        resolver: { 'www.reachprobe.test': { answer: [HOST] } },
        sink: {},
        sinkFallback: { answer: ['127.0.0.88'] },
      },
      [target('via-bad-sink', 'www.reachprobe.test', good)],
    );
    expect(out.summary.dns_preflight.sink).toMatchObject({
      usable: false,
      why: 'it answered www.example.com, www.iana.org',
    });
    expect(out.summary.notes.join(' ')).toContain('unusable');
    expect(out.results[0]!.verdict).toBe('reachable');
    expect(out.results[0]!.dns_heuristics).toBeUndefined(); // the sink did answer for the target too
    expect(
      out.results[0]!.checks.some(
        (c) => c.check === 'dns_query' && c.purpose === 'sink' && c.replies.length > 0,
      ),
    ).toBe(true);
  });

  it(
    'a resolver that rewrites NXDOMAIN is detected; a name that got the rewrite is dns-nxdomain, not ' +
      'reachable',
    async () => {
      const out = await measure(
        {
          resolver: { 'www.reachprobe.test': { answer: [HOST] } },
          resolverFallback: { answer: ['127.0.0.99'] },
        },
        [target('real', 'www.reachprobe.test', good), target('typo', 'wwww.reachprobe.test', good)],
      );
      expect(out.summary.dns_preflight.nxdomain!.rewritten_to).toEqual(['127.0.0.99']);
      expect(out.summary.notes.join(' ')).toContain('NXDOMAIN rewriting');
      expect(out.results.map((r) => r.verdict)).toEqual(['reachable', 'dns-nxdomain']);
      expect(names(out, 1)).toEqual(['nxdomain-rewrite (weak)']);
    },
  );

  it('an honest resolver says NXDOMAIN for the random name', async () => {
    const out = await measure({ resolver: { 'www.reachprobe.test': { answer: [HOST] } } }, [
      target('real', 'www.reachprobe.test', good),
    ]);
    expect(out.summary.dns_preflight.nxdomain!).toMatchObject({
      rewritten_to: [],
      answer: 'dns_nxdomain_error',
    });
    expect(out.summary.dns_preflight.nxdomain!.name).toMatch(/^rp-[0-9a-f]{12}\.example\.com$/);
  });
});
