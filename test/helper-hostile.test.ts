// The helper on the open internet, tried as an attacker (or a censor's active prober) would: slow
// headers and bodies, bodies without a token, too many connections, clients that go away, probes for
// what the server is, weak TLS. Every socket is on loopback; the targets' dials go to a loopback
// blackhole (a listener whose accept queue is full) or to a dialer that connects nowhere.
import { readdirSync } from 'node:fs';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import tls from 'node:tls';
import type { FastifyInstance } from 'fastify';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientOf } from '../src/helper/connections.js';
import { helperOptions } from '../src/helper/measure.js';
import { buildHelper, DEFAULT_LIMITS, limitsProblem, type HelperLimits } from '../src/helper/server.js';
import { Tokens } from '../src/helper/tokens.js';
import { blockListOf } from '../src/model/addresses.js';
import { systemClock } from '../src/model/clock.js';
import { failed, ok } from '../src/model/outcome.js';
import { CERTS } from '../src/mock/certs.js';
import { startBlackhole, type Listening } from '../src/mock/tcp-servers.js';
import type { Resolver } from '../src/net/resolve.js';
import { dialTcp, type Dialer } from '../src/net/tcp.js';
import { DEFAULT_OPTIONS } from '../src/run/options.js';

const TOKEN = 'hostile-test-token-0123456789abcdef';
const OTHER = 'hostile-other-token-0123456789abcdef';
const FORBIDDEN = /reachprobe|fastify|\d+\.\d+\.\d+/i;

// Each name its own loopback address (the run never dials two targets at once on one IP:port).
const addressOf = new Map<string, number>();
const resolver: Resolver = {
  name: 'script',
  lookup: async (host) => {
    if (!host.endsWith('.test'))
      return failed({ failure: 'dns_nxdomain_error', operation: 'resolve', message: 'NXDOMAIN' });
    const n = addressOf.get(host) ?? addressOf.size + 1;
    addressOf.set(host, n);
    return ok([`127.1.${n >> 8}.${n & 255}`]);
  },
};

interface Harness {
  app: FastifyInstance;
  port: number;
  logged: string[];
  /** Dials started and not yet settled. */
  pending: () => number;
  dials: () => number;
}

let hole: Listening;
const harnesses: Harness[] = [];

/** A helper on loopback whose dials all go to the blackhole (`refuse`: fail at once instead). */
async function start(limits: Partial<HelperLimits> = {}, refuse = false): Promise<Harness> {
  let pending = 0;
  let dials = 0;
  const dial: Dialer = async (_address, _port, timeoutMs, cancel) => {
    dials++;
    if (refuse)
      return failed({ failure: 'connection_refused', operation: 'connect', message: 'connects nowhere' });
    pending++;
    try {
      return await dialTcp(hole.address, hole.port, timeoutMs, cancel);
    } finally {
      pending--;
    }
  };
  const logged: string[] = [];
  const app = await buildHelper({
    tokens: new Tokens([TOKEN, OTHER]),
    tls: CERTS.good,
    basePath: '',
    limits: { ...DEFAULT_LIMITS, ...limits },
    options: helperOptions({ ...DEFAULT_OPTIONS, allowedAnswers: blockListOf(['127.0.0.0/8']) }),
    env: { clock: systemClock, resolver, dial, ca: [], controls: [] },
    log: (l) => logged.push(l),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const h = {
    app,
    port: (app.server.address() as net.AddressInfo).port,
    logged,
    pending: () => pending,
    dials: () => dials,
  };
  harnesses.push(h);
  return h;
}

beforeAll(async () => {
  hole = await startBlackhole();
});
afterAll(async () => {
  await Promise.all(harnesses.map((h) => h.app.close()));
  await hole.close();
});

const body = (n: number, prefix = 't') =>
  JSON.stringify({
    schema_version: 1,
    targets: Array.from({ length: n }, (_, i) => ({
      name: `${prefix}${i}`,
      url: `https://${prefix}${i}.test/`,
      addresses: [],
    })),
  });

/** A TLS connection that anything may be written to; `closed` resolves with what came back. */
async function rawTls(port: number, options: tls.ConnectionOptions = {}) {
  const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...options });
  socket.on('error', () => {});
  let received = '';
  socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
  const closed = new Promise<string>((resolve) => socket.once('close', () => resolve(received)));
  await new Promise<void>((resolve, reject) => {
    socket.once('secureConnect', () => resolve());
    socket.once('error', reject);
  });
  return { socket, closed, received: () => received };
}

const agent = new Agent({ connect: { rejectUnauthorized: false } });
const get = (port: number, path: string, headers: Record<string, string> = {}) =>
  request(`https://127.0.0.1:${port}${path}`, { dispatcher: agent, headers });
const post = (port: number, payload: string, token = TOKEN, signal?: AbortSignal) =>
  request(`https://127.0.0.1:${port}/v1/measure`, {
    method: 'POST',
    dispatcher: agent,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: payload,
    ...(signal ? { signal } : {}),
  });

const openDescriptors = () => readdirSync('/proc/self/fd').length;
const elapsedSince = (t: number) => performance.now() - t;

describe('every connection bounded in time', () => {
  it('headers that trickle are cut off at the headers timeout, with a 408, and logged', async () => {
    const h = await start({ headersMs: 1000, requestMs: 2000, idleMs: 5000 });
    const c = await rawTls(h.port);
    const began = performance.now();
    c.socket.write('POST /v1/measure HTTP/1.1\r\nHost: x\r\n');
    const trickle = setInterval(() => c.socket.writable && c.socket.write('X-A: b\r\n'), 200);
    const answer = await c.closed;
    clearInterval(trickle);
    expect(elapsedSince(began)).toBeGreaterThan(900);
    expect(elapsedSince(began)).toBeLessThan(3000);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(h.logged.some((l) => / - - 408 /.test(l))).toBe(true);
  });

  it('a body that stops is closed at the idle timeout; one that trickles, at the request timeout', async () => {
    const h = await start({ headersMs: 1000, requestMs: 2500, idleMs: 1000 });
    const head =
      `POST /v1/measure HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: ` +
      `application/json\r\nContent-Length: 5000\r\n\r\n`;
    const stopped = await rawTls(h.port);
    let began = performance.now();
    stopped.socket.write(`${head}{"schema_version":1,`);
    await stopped.closed;
    expect(elapsedSince(began)).toBeLessThan(2500);

    const trickling = await rawTls(h.port);
    began = performance.now();
    trickling.socket.write(head);
    const trickle = setInterval(() => trickling.socket.writable && trickling.socket.write(' '), 300);
    await trickling.closed;
    clearInterval(trickle);
    expect(elapsedSince(began)).toBeGreaterThan(2000);
    expect(elapsedSince(began)).toBeLessThan(4500);
  });

  it('a request without a valid token is answered 401 and closed without its body being read', async () => {
    const h = await start();
    const c = await rawTls(h.port);
    c.socket.write(
      'POST /v1/measure HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000000000\r\n\r\n',
    );
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let sent = 0;
    const began = performance.now();
    const flood = async () => {
      while (!c.socket.destroyed && elapsedSince(began) < 5000) {
        if (c.socket.write(chunk)) sent += chunk.length;
        else await new Promise((r) => setTimeout(r, 5));
      }
    };
    void flood();
    const answer = await c.closed;
    expect(elapsedSince(began)).toBeLessThan(2000);
    expect(answer).toMatch(/^HTTP\/1\.1 401 /);
    // The kernel's buffers take some; nothing near the 200 MB a drained body would be.
    expect(sent).toBeLessThan(16 * 1024 * 1024);
  });

  it('connections beyond the cap for one address, or overall, are closed at once', async () => {
    const h = await start({ connectionsPerAddress: 3, connections: 5 });
    const open = (localAddress: string) =>
      new Promise<{ socket: net.Socket; closedWithin: Promise<boolean> }>((resolve) => {
        const socket = net.connect({ host: '127.0.0.1', port: h.port, localAddress });
        socket.on('error', () => {});
        const closedWithin = new Promise<boolean>((r) => {
          const timer = setTimeout(() => r(false), 500);
          socket.once('close', () => (clearTimeout(timer), r(true)));
        });
        socket.once('connect', () => resolve({ socket, closedWithin }));
      });
    const first = await Promise.all([open('127.0.0.1'), open('127.0.0.1'), open('127.0.0.1')]);
    const fourth = await open('127.0.0.1');
    expect(await fourth.closedWithin).toBe(true); // a fourth from one address
    const others = await Promise.all([open('127.0.0.2'), open('127.0.0.2')]);
    const sixth = await open('127.0.0.3');
    expect(await sixth.closedWithin).toBe(true); // a sixth overall
    for (const c of [...first, ...others]) expect(await c.closedWithin).toBe(false);
    for (const c of [...first, ...others]) c.socket.destroy();
    await sleep(100);
    const again = await open('127.0.0.1');
    expect(await again.closedWithin).toBe(false); // room again once they closed
    again.socket.destroy();
  });
});

describe('a client that goes away', () => {
  it('leaves no dial running within a second, and is logged as aborted', async () => {
    const h = await start();
    const gone = new AbortController();
    const asked = post(h.port, body(20, 'gone'), TOKEN, gone.signal).catch(() => undefined);
    for (let i = 0; i < 50 && h.pending() < 20; i++) await sleep(20);
    expect(h.pending()).toBe(20); // every target is dialling the blackhole (a 10 s connect timeout)
    gone.abort();
    await asked;
    await sleep(1000);
    expect(h.pending()).toBe(0);
    expect(h.logged.at(-1)).toMatch(/POST \/v1\/measure aborted token=\w{8} targets=20 /);
  });

  it('descriptors stay bounded through repeated disconnecting requests', async () => {
    const h = await start();
    const before = openDescriptors();
    let most = before;
    for (let i = 0; i < 20; i++) {
      const gone = new AbortController();
      const asked = post(h.port, body(30, `r${i}-`), TOKEN, gone.signal).catch(() => undefined);
      await sleep(60);
      most = Math.max(most, openDescriptors());
      gone.abort();
      await asked;
    }
    await sleep(1000);
    // Without the cancelling, 600 dials would still hang on the blackhole here.
    expect(h.pending()).toBe(0);
    expect(most - before).toBeLessThan(100);
    expect(openDescriptors() - before).toBeLessThan(20);
  });
});

describe('limits that agree', () => {
  it('the defaults agree, and contradicting ones are refused', () => {
    expect(limitsProblem(DEFAULT_LIMITS)).toBeUndefined();
    expect(limitsProblem({ ...DEFAULT_LIMITS, targetsPerRequest: 1000, measurementsPerToken: 512 })).toMatch(
      /--max-measurements \(512\) is below --max-targets \(1000\)/,
    );
  });

  it('a 600-target request at the defaults is measured', async () => {
    const h = await start({}, true);
    const r = await post(h.port, body(600));
    expect(r.statusCode).toBe(200);
    const lines = (await r.body.text()).split('\n').filter((l) => l.trim() !== '');
    expect(lines).toHaveLength(601);
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ type: 'end', targets: 600 });
  });

  it('beyond the measurements at once of the whole helper, another token gets 503 and when to retry', async () => {
    const h = await start({ measurementsAtOnce: 40 });
    const gone = new AbortController();
    const first = post(h.port, body(32, 'a'), TOKEN, gone.signal).catch(() => undefined);
    for (let i = 0; i < 50 && h.pending() < 32; i++) await sleep(20);
    const second = await post(h.port, body(10, 'b'), OTHER);
    expect(second.statusCode).toBe(503);
    expect(second.headers['retry-after']).toBe('1');
    expect(((await second.body.json()) as { message: string }).message).toMatch(
      /at most 40 targets at once \(32 now\)/,
    );
    const fits = await post(h.port, body(8, 'c'), OTHER, AbortSignal.timeout(300)).catch((e: Error) => e);
    expect(fits).toBeInstanceOf(Error); // accepted: it is measuring (and cut off by the test)
    gone.abort();
    await first;
  });

  it('two targets of one name are refused, naming them', async () => {
    const h = await start({}, true);
    const twice = JSON.stringify({
      schema_version: 1,
      targets: [
        { name: 'a', url: 'https://a.test/', addresses: [] },
        { name: 'b', url: 'https://b.test/', addresses: [] },
        { name: 'a', url: 'https://c.test/', addresses: [] },
      ],
    });
    const r = await post(h.port, twice);
    expect(r.statusCode).toBe(400);
    expect(((await r.body.json()) as { message: string }).message).toMatch(
      /target name "a" twice \(targets 1 and 3\)/,
    );
    expect(h.dials()).toBe(0);
  });
});

describe('what a client without a token learns', () => {
  it('health, an unknown path, a 401 and a 405 name no software and no version', async () => {
    const h = await start();
    const answers = [
      await get(h.port, '/v1/health'),
      await get(h.port, '/'),
      await get(h.port, '/v1/nothing'),
      await get(h.port, '/v1/measure'),
      await post(h.port, body(1), 'wrong-token-0123456789abcdef'),
      await request(`https://127.0.0.1:${h.port}/v1/health`, { method: 'POST', dispatcher: agent }),
    ];
    const statuses: number[] = [];
    for (const a of answers) {
      statuses.push(a.statusCode);
      const text = await a.body.text();
      expect(text).not.toMatch(FORBIDDEN);
      expect(JSON.stringify(a.headers)).not.toMatch(/reachprobe|fastify|powered|server/i);
    }
    expect(statuses).toEqual([200, 404, 404, 401, 401, 405]);
    const health = await get(h.port, '/v1/health');
    expect(await health.body.json()).toEqual({ status: 'ok' });
    const known = await get(h.port, '/v1/health', { authorization: `Bearer ${TOKEN}` });
    expect(await known.body.json()).toMatchObject({ service: 'reachprobe-helper', schema_version: 1 });
  });

  it("TLS as Mozilla's intermediate profile: forward secrecy only, TLS 1.2 and 1.3", async () => {
    const h = await start();
    const handshake = (options: tls.ConnectionOptions) =>
      rawTls(h.port, options).then(
        (c) => {
          const said = `${c.socket.getProtocol()} ${c.socket.getCipher().name}`;
          c.socket.destroy();
          return said;
        },
        () => 'refused',
      );
    expect(await handshake({ maxVersion: 'TLSv1.2', ciphers: 'AES128-SHA' })).toBe('refused');
    expect(await handshake({ maxVersion: 'TLSv1.2', ciphers: 'AES256-GCM-SHA384' })).toBe('refused');
    expect(
      await handshake({ minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' }),
    ).toBe('refused');
    expect(await handshake({ maxVersion: 'TLSv1.2' })).toMatch(
      /^TLSv1\.2 ECDHE-(RSA|ECDSA)-AES\d+-GCM-SHA\d+$/,
    );
    expect(await handshake({})).toMatch(/^TLSv1\.3 TLS_/);
  });
});

describe('whose connection it is', () => {
  it.each([
    ['192.0.2.1', '192.0.2.1'],
    ['::ffff:192.0.2.1', '192.0.2.1'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::7', '2001:db8:1:2::/64'],
    ['2001:db8::7', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
  ])('%s counts as %s', (address, client) => {
    expect(clientOf(address)).toBe(client);
  });
});
