// The helper is a server on the internet that opens connections for whoever holds a token. Each
// refusal it owes, on an in-process helper whose dialer records what it was asked and connects
// nowhere, and whose resolver answers from a script: not a packet leaves this process.
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHelper, DEFAULT_LIMITS, type HelperLimits } from '../src/helper/server.js';
import { tokenLabel, Tokens } from '../src/helper/tokens.js';
import { ownAddresses } from '../src/helper/pipeline.js';
import { blockListOf, hostPort, inList } from '../src/model/addresses.js';
import { systemClock } from '../src/model/clock.js';
import { failed, ok } from '../src/model/outcome.js';
import { CERTS } from '../src/mock/certs.js';
import type { Resolver } from '../src/net/resolve.js';
import type { Dialer } from '../src/net/tcp.js';
import { helperOptions } from '../src/helper/measure.js';
import { DEFAULT_OPTIONS } from '../src/run/options.js';
import os from 'node:os';
import { controlLines, expectValidRequest } from './helpers/control-schema.js';

const TOKEN = 'test-token-0123456789abcdef';
const OTHER = 'other-token-0123456789abcdef';
// stands for one of the helper's own addresses (in the lab range: only its being own refuses it)
const OWN = '192.0.2.77';
const LAB = '192.0.2.10'; // documentation range, opened as a lab would with --allow-answers

/** Names and their answers: rebind.test points at loopback, as a DNS rebinding attack does. */
const ANSWERS: Record<string, string[]> = {
  'rebind.test': ['127.0.0.1'],
  'metadata.test': ['169.254.169.254', 'fe80::1'],
  'lab.test': [LAB],
  'slow.test': [LAB],
};

const resolver: Resolver = {
  name: 'script',
  lookup: async (host) =>
    ANSWERS[host]
      ? ok(ANSWERS[host]!)
      : failed({ failure: 'dns_nxdomain_error', operation: 'resolve', message: 'NXDOMAIN' }),
};

interface Harness {
  app: FastifyInstance;
  dialled: string[];
  logged: string[];
}

async function helper(limits: Partial<HelperLimits> = {}, dialDelayMs = 0): Promise<Harness> {
  const dialled: string[] = [];
  const logged: string[] = [];
  const dial: Dialer = async (address, port) => {
    dialled.push(hostPort(address, port));
    if (dialDelayMs > 0) await sleep(dialDelayMs);
    return failed({
      failure: 'connection_refused',
      operation: 'connect',
      message: 'the test dialer connects nowhere',
    });
  };
  const options = helperOptions({
    ...DEFAULT_OPTIONS,
    allowedAnswers: blockListOf(['192.0.2.0/24']),
    neverDial: blockListOf([OWN]),
  });
  const env = { clock: systemClock, resolver, dial, ca: [], controls: [] };
  const app = await buildHelper({
    tokens: new Tokens([TOKEN, OTHER]),
    tls: CERTS.good,
    basePath: '/rp',
    limits: { ...DEFAULT_LIMITS, ...limits },
    options,
    env,
    log: (l) => logged.push(l),
  });
  return { app, dialled, logged };
}

const measure = (app: FastifyInstance, body: unknown, token: string | undefined = TOKEN, raw?: string) =>
  app.inject({
    method: 'POST',
    url: '/rp/v1/measure',
    headers: {
      'content-type': 'application/json',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    payload: raw ?? JSON.stringify(body),
  });

const request = (urls: string[], addresses: string[] = []) => {
  const body = { schema_version: 1, targets: urls.map((url, i) => ({ name: `t${i}`, url, addresses })) };
  expectValidRequest(body);
  return body;
};

let h: Harness;
beforeAll(async () => {
  h = await helper();
});
afterAll(() => h.app.close());

describe('the helper over HTTP', () => {
  it('health needs no token and says only "ok" without one, what it is with one; other methods are 405', async () => {
    const r = await h.app.inject({ method: 'GET', url: '/rp/v1/health' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ status: 'ok' });
    const known = await h.app.inject({
      method: 'GET',
      url: '/rp/v1/health',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(known.json()).toEqual({
      status: 'ok',
      service: 'reachprobe-helper',
      version: expect.any(String),
      schema_version: 1,
    });
    const post = await h.app.inject({ method: 'POST', url: '/rp/v1/health' });
    expect([post.statusCode, post.headers.allow]).toEqual([405, 'GET']);
  });

  it('401 without a token, with a wrong one, or with another scheme', async () => {
    for (const authorization of [
      undefined,
      'Bearer wrong-token-0123456789',
      `Basic ${TOKEN}`,
      `Bearer ${TOKEN}x`,
    ]) {
      const r = await h.app.inject({
        method: 'POST',
        url: '/rp/v1/measure',
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        payload: JSON.stringify(request([])),
      });
      expect(r.statusCode, String(authorization)).toBe(401);
    }
    expect((await measure(h.app, request([]))).statusCode).toBe(200);
  });

  it('400 for malformed JSON and for a request the schema refuses, saying what is wrong', async () => {
    const bad = await measure(h.app, undefined, TOKEN, '{"schema_version": 1, "targets": [');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/JSON/i);
    const cases: Array<[unknown, RegExp]> = [
      [{ schema_version: 1 }, /targets/],
      [{ schema_version: 2, targets: [] }, /schema_version/],
      [{ schema_version: 1, targets: [{ name: 'a', url: 'https://x.test/' }] }, /addresses/],
      [
        {
          schema_version: 1,
          targets: [{ name: 'a', url: 'https://x.test/', addresses: ['not an address'] }],
        },
        /addresses/,
      ],
      [{ schema_version: 1, targets: [], extra: true }, /additional/],
    ];
    for (const [body, message] of cases) {
      const r = await measure(h.app, body);
      expect(r.statusCode, JSON.stringify(body)).toBe(400);
      expect(r.json().message).toMatch(message);
    }
  });

  it('404 for an unknown path, 405 for the wrong method, and nothing outside --base-path', async () => {
    expect((await h.app.inject({ method: 'GET', url: '/rp/v1/nothing' })).statusCode).toBe(404);
    expect((await h.app.inject({ method: 'GET', url: '/v1/health' })).statusCode).toBe(404);
    const get = await h.app.inject({
      method: 'GET',
      url: '/rp/v1/measure',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect([get.statusCode, get.headers.allow]).toEqual([405, 'POST']);
  });

  it('413 over the size limit', async () => {
    const small = await helper({ bodyBytes: 2000 });
    const r = await measure(small.app, request(Array.from({ length: 100 }, (_, i) => `https://n${i}.test/`)));
    expect(r.statusCode).toBe(413);
    await small.app.close();
  });

  it(
    '429 over the targets of one request, the measurements of a token at ' +
      'once, and its requests a minute',
    async () => {
      const limited = await helper(
        { targetsPerRequest: 3, measurementsPerToken: 4, requestsPerMinute: 6 },
        300,
      );
      const many = await measure(
        limited.app,
        request(['https://lab.test/', 'https://lab.test/a', 'https://lab.test/b', 'https://lab.test/c']),
      );
      expect(many.statusCode).toBe(429);
      expect(many.json().message).toMatch(/at most 3 targets a request/);
      const first = measure(
        limited.app,
        request(['https://slow.test/', 'https://slow.test/a', 'https://slow.test/b']),
      );
      await sleep(50);
      const second = await measure(limited.app, request(['https://slow.test/c', 'https://slow.test/d']));
      expect(second.statusCode).toBe(429);
      expect(second.json().message).toMatch(
        /at most 4 targets under way for a token \(3 now\): send at most 1 now, or wait for them/,
      );
      expect(
        (await measure(limited.app, request(['https://slow.test/e', 'https://slow.test/f']), OTHER))
          .statusCode,
      ).toBe(200); // another token's own budget
      expect((await first).statusCode).toBe(200);
      expect((await measure(limited.app, request(['https://slow.test/g']))).statusCode).toBe(200); // freed once done
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await measure(limited.app, request([]))).statusCode);
      expect(statuses.at(-1)).toBe(429); // the seventh request of the minute
      await limited.app.close();
    },
  );

  it(
    'one log line per request: a hash prefix of the token, the count, ' +
      'the time; never the token, never a URL',
    async () => {
      h.logged.length = 0;
      await measure(h.app, request(['https://secret-site.test/path']));
      await measure(h.app, request([]), 'wrong-token-0123456789');
      expect(h.logged).toHaveLength(2);
      expect(h.logged[0]).toMatch(
        new RegExp(`POST /rp/v1/measure 200 token=${tokenLabel(TOKEN)} targets=1 \\d+ ms$`),
      );
      expect(h.logged[1]).toMatch(/POST \/rp\/v1\/measure 401 token=- targets=0/);
      for (const line of h.logged) {
        expect(line).not.toContain(TOKEN);
        expect(line).not.toContain('secret-site');
      }
    },
  );
});

describe('the helper never connects where no public name can be', () => {
  const refusedLiterals = [
    'https://127.0.0.1/',
    'https://127.8.9.10:8443/',
    'http://10.0.0.1/',
    'https://172.16.5.4/',
    'https://192.168.1.1/',
    'http://169.254.169.254/latest/meta-data/', // the cloud metadata address
    'https://100.64.0.1/',
    'https://[::1]/',
    'https://[fd00::1]/',
    'https://[fe80::1]/',
    'http://224.0.0.1/',
    'http://0.0.0.0/',
    'http://2130706433/', // 127.0.0.1 written as a number
    'http://0x7f.1/', // and in hex
    'https://[::ffff:127.0.0.1]/', // IPv4-mapped
    'https://[64:ff9b::a9fe:a9fe]/', // the metadata address through NAT64
    `https://${OWN}/`, // the helper's own address
  ];

  it.each(refusedLiterals)('%s is refused, not measured', async (url) => {
    h.dialled.length = 0;
    const r = await measure(h.app, request([url]));
    const [control, end] = controlLines(r.body);
    expect(control).toMatchObject({ type: 'control', refused: expect.stringMatching(/address/) });
    expect(end).toMatchObject({ targets: 1, measured: 0, refused: 1 });
    expect(h.dialled).toEqual([]);
  });

  it(
    'a name that resolves to loopback or link-local (DNS rebinding) is refused; one in an allowed lab ' +
      'range is measured',
    async () => {
      h.dialled.length = 0;
      const r = await measure(
        h.app,
        request(['https://rebind.test/', 'https://metadata.test/', 'https://lab.test/']),
      );
      const byName = Object.fromEntries(
        controlLines(r.body)
          .slice(0, -1)
          .map((c) => [c.url, c]),
      );
      expect(byName['https://rebind.test/']).toMatchObject({
        refused: 'resolves only to addresses the helper does not connect to (127.0.0.1)',
      });
      expect(byName['https://metadata.test/']).toMatchObject({
        refused: expect.stringContaining('169.254.169.254'),
      });
      expect(byName['https://lab.test/']?.refused).toBeUndefined();
      expect(h.dialled).toEqual([`${LAB}:443`]);
    },
  );

  it("the probe's addresses: the public (or allowed) ones are dialled too, the others named and skipped", async () => {
    h.dialled.length = 0;
    const r = await measure(h.app, request(['https://nxdomain.test/'], ['10.1.2.3', '127.0.0.1', OWN, LAB]));
    const [control] = controlLines(r.body);
    expect(control!.not_dialled).toEqual([
      '10.1.2.3 (private (RFC 1918) address)',
      '127.0.0.1 (loopback address)',
      `${OWN} (the helper's own address)`,
    ]);
    expect(h.dialled).toEqual([`${LAB}:443`]);
  });

  it("the machine's own addresses are never dialled, unless an allowed range holds them", () => {
    const mine = Object.values(os.networkInterfaces())
      .flat()
      .map((i) => i!.address);
    const own = ownAddresses(blockListOf(['127.0.0.0/8']));
    for (const address of mine) expect(inList(own, address), address).toBe(!address.startsWith('127.'));
  });

  it(
    'property: whatever the body, the answer is 200, 400, 413, 415 or 429, never a server error, and a ' +
      '200 is valid lines',
    async () => {
      const urls = fc.oneof(
        fc.webUrl(),
        fc.constantFrom(
          'https://lab.test/',
          'http://[::1]/',
          'tcp://lab.test:5222',
          'ftp://x/',
          'https://a b/',
        ),
        fc.string(),
      );
      const target = fc.record(
        {
          name: fc.string({ maxLength: 20 }),
          url: urls,
          addresses: fc.array(fc.oneof(fc.ipV4(), fc.ipV6(), fc.string()), { maxLength: 3 }),
        },
        { requiredKeys: [] },
      );
      const body = fc.oneof(
        fc.json(),
        fc.string(),
        fc.record(
          {
            schema_version: fc.oneof(fc.constant(1), fc.integer()),
            targets: fc.array(target, { maxLength: 4 }),
          },
          { requiredKeys: [] },
        ),
      );
      await fc.assert(
        fc.asyncProperty(body, async (b) => {
          const r = await measure(h.app, undefined, TOKEN, typeof b === 'string' ? b : JSON.stringify(b));
          expect([200, 400, 413, 415, 429]).toContain(r.statusCode);
          if (r.statusCode === 200) controlLines(r.body);
        }),
        { numRuns: 150 },
      );
    },
  );
});
