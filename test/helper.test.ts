// Both sides, on loopback: servers behind a censor's filters that apply to clients inside
// (127.0.0.1) and not to the helper abroad (a spawned `reachprobe helper` connecting from
// 127.0.0.2), a probe with its own (lying) resolver and the helper with its own; `check --helper`
// as a user runs it. Each `blocking` value that loopback can make, and "down everywhere"; then a
// helper that is unreachable, refuses the token, or never answers.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import https from 'node:https';
import tls from 'node:tls';
import os from 'node:os';
import path from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MOCK_CA } from '../src/mock/certs.js';
import { startDnsServer, type MockDnsServer } from '../src/mock/dns-server.js';
import { closedPort, HOST, startServer, type Listening } from '../src/mock/tcp-servers.js';
import { CERTS } from '../src/mock/certs.js';
import { run } from './helpers/cli.js';
import { controlLines, expectValidRequest } from './helpers/control-schema.js';
import {
  helperFiles,
  spawnHelper,
  TOKEN,
  type HelperFiles,
  type HelperProcess,
} from './helpers/helper-process.js';
import { expectValidJsonLines } from './helpers/schema.js';

let dir: string;
let files: HelperFiles;
let helper: HelperProcess;
let probeDns: MockDnsServer;
let helperDns: MockDnsServer;
const servers: Listening[] = [];
let targetsFile: string;

async function server(opts: Parameters<typeof startServer>[0]): Promise<number> {
  const s = await startServer(opts);
  servers.push(s);
  return s.port;
}

// name -> [url, expected verdict, expected blocking]
let expected: Record<string, [string, string, unknown]>;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'reachprobe-helper-'));
  files = await helperFiles(dir);
  // The probe's resolver forges an NXDOMAIN for one name; the helper's tells the truth; one name
  // exists nowhere (and neither does anything else: a resolver that answers every name rewrites NXDOMAIN).
  const names = ['www', 'blocked', 'news', 'other', 'kz', 'refusing', 'stalling'].map(
    (n) => `${n}.reachprobe.test`,
  );
  const truth = Object.fromEntries([...names, 'forged.reachprobe.test'].map((n) => [n, { answer: [HOST] }]));
  probeDns = await startDnsServer({ ...truth, 'forged.reachprobe.test': { rcode: 'NXDOMAIN' } });
  helperDns = await startDnsServer(truth);
  const web = await server({ behaviour: 'ok', cert: 'good' });
  const sni = await server({ behaviour: 'ok', cert: 'good', resetSni: ['blocked.reachprobe.test'] });
  const proxy = await server({ behaviour: 'ok', blockpageHost: ['news.reachprobe.test'] });
  const intercept = await server({ behaviour: 'ok', cert: 'good', interceptSni: ['kz.reachprobe.test'] });
  const stall = await server({ behaviour: 'stall' });
  const down = await closedPort();
  expected = {
    works: [`https://www.reachprobe.test:${web}/`, 'reachable', false],
    'sni-reset': [`https://blocked.reachprobe.test:${sni}/`, 'reset', 'http-failure'],
    blockpage: [`http://news.reachprobe.test:${proxy}/`, 'http-diff', 'http-diff'],
    'same-page': [`http://other.reachprobe.test:${proxy}/`, 'reachable', false],
    interception: [`https://kz.reachprobe.test:${intercept}/`, 'cert-invalid', 'http-failure'],
    'dns-forged': [`https://forged.reachprobe.test:${web}/`, 'dns-nxdomain', 'dns'],
    'dns-gone': [`https://gone.reachprobe.test:${web}/`, 'dns-nxdomain', false],
    'down-refused': [`https://refusing.reachprobe.test:${down}/`, 'down', false],
    'down-stalling': [`https://stalling.reachprobe.test:${stall}/`, 'down', false],
  };
  targetsFile = path.join(dir, 'targets.yaml');
  const entries = Object.entries(expected).map(
    ([name, [url]]) => `  - { name: ${name}, service: S, url: "${url}" }`,
  );
  await writeFile(targetsFile, `targets:\n${entries.join('\n')}\n`);
  helper = await spawnHelper([
    ...[
      '--listen',
      '127.0.0.1:0',
      '--cert',
      files.cert,
      '--key',
      files.key,
      '--token-file',
      files.tokens,
      '--ca',
      files.ca,
    ],
    ...[
      '--allow-answers',
      '127.0.0.0/8',
      '--resolver',
      `${HOST}:${helperDns.port}`,
      '--source-address',
      '127.0.0.2',
      '--timeout',
      '1',
    ],
  ]);
});

afterAll(async () => {
  await helper?.stop();
  await Promise.all([...servers.map((s) => s.close()), probeDns?.close(), helperDns?.close()]);
  await rm(dir, { recursive: true, force: true });
});

const probeArgs = () => [
  ...[
    'check',
    targetsFile,
    '--resolver',
    `${HOST}:${probeDns.port}`,
    '--ca',
    files.ca,
    '--allow-answers',
    '127.0.0.0/8',
  ],
  ...['--timeout', '1', '--dns-window', '0.1', '--json'],
];

describe('check --helper, against a spawned helper', () => {
  it('decides each verdict against the control: dns, http-failure, http-diff, false, and down everywhere', async () => {
    const r = await run([...probeArgs(), '--helper', helper.url, '--helper-token-file', files.tokens]);
    const lines = expectValidJsonLines(r.stdout);
    const summary = lines.pop()!;
    const got = Object.fromEntries(lines.map((l) => [l.name, [l.verdict, l.blocking]]));
    expect(got).toEqual(
      Object.fromEntries(
        Object.entries(expected).map(([name, [, verdict, blocking]]) => [name, [verdict, blocking]]),
      ),
    );
    expect(summary.helper).toEqual({ url: helper.url, reachable: true, sent: 9, controls: 9, refused: 0 });
    const byName = Object.fromEntries(lines.map((l) => [l.name, l]));
    expect(byName['down-refused']!.reason).toMatch(/fails from abroad too .*: not censorship/);
    expect(byName['down-refused']!['blocked-by']).toBeUndefined();
    expect(byName.interception!.reason).toMatch(
      new RegExp(
        /issued by CN=self-signed.reachprobe.test.*/.source +
          /; abroad the helper got one issued by CN=reachprobe test CA.*TLS interception/.source,
      ),
    );
    expect(byName.blockpage!.reason).toMatch(/title "Access denied"/);
    expect(byName.works).toMatchObject({
      accessible: true,
      control: { verdict: 'reachable', tls: { valid_for_name: true } },
    });
    // Nothing the helper logged names a target.
    expect(helper.stderr()).not.toMatch(/reachprobe\.test/);
    expect(helper.stderr()).toMatch(/POST \/v1\/measure 200 token=[0-9a-f]{8} targets=\d+ \d+ ms/);
  });

  it("the helper's own answer: one valid control line per target, then the end line", async () => {
    const body = {
      schema_version: 1,
      targets: Object.entries(expected).map(([name, [url]]) => ({ name, url, addresses: [HOST] })),
    };
    expectValidRequest(body);
    const dispatcher = new Agent({ connect: { ca: MOCK_CA } });
    const r = await request(`${helper.url}/v1/measure`, {
      method: 'POST',
      dispatcher,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/application\/x-ndjson/);
    const lines = controlLines(await r.body.text());
    expect(lines).toHaveLength(10);
    expect(lines.at(-1)).toMatchObject({ type: 'end', targets: 9, measured: 9, refused: 0 });
    await dispatcher.close();
  });
});

describe('a helper that cannot help: the run goes on with local verdicts, and the summary says why', () => {
  const localOnly = async (extra: string[]) => {
    const started = Date.now();
    const r = await run([...probeArgs(), ...extra]);
    const lines = expectValidJsonLines(r.stdout);
    const summary = lines.pop()!;
    for (const l of lines) expect([l.name, l.blocking, l.accessible]).toEqual([l.name, null, null]);
    expect(lines.find((l) => l.name === 'down-refused')!.verdict).toBe('reset'); // no control: no claim it is down
    return {
      summary: summary.helper as Record<string, unknown>,
      ms: Date.now() - started,
      notes: summary.notes as string[],
    };
  };

  it('unreachable (nothing listens)', async () => {
    const port = await closedPort();
    const { summary, notes } = await localOnly([
      '--helper',
      `https://127.0.0.1:${port}`,
      '--helper-token-file',
      files.tokens,
    ]);
    expect(summary).toMatchObject({
      reachable: false,
      sent: 9,
      controls: 0,
      why: expect.stringMatching(/cannot reach the helper: connection_refused/),
    });
    expect(notes.join('\n')).toMatch(/9 of 9 targets got no control from the helper/);
  });

  it('refusing the token (401): no more batches are sent', async () => {
    const wrong = path.join(dir, 'wrong-token');
    await writeFile(wrong, 'not-the-token-0123456789abcdef\n');
    const { summary } = await localOnly(['--helper', helper.url, '--helper-token-file', wrong]);
    expect(summary).toMatchObject({
      reachable: false,
      controls: 0,
      why: expect.stringMatching(/the helper answered HTTP 401/),
    });
  });

  it('itself blocked (reset during the TLS handshake) or never answering: within --helper-timeout', async () => {
    const resetting = net.createServer((s) => s.once('data', () => s.resetAndDestroy()));
    const silent = tls.createServer(CERTS.good, () => {}); // completes TLS, never answers HTTP
    await Promise.all([resetting, silent].map((s) => new Promise<void>((ok) => s.listen(0, HOST, ok))));
    const port = (s: net.Server) => (s.address() as net.AddressInfo).port;
    try {
      const reset = await localOnly([
        '--helper',
        `https://127.0.0.1:${port(resetting)}`,
        '--helper-token-file',
        files.tokens,
      ]);
      expect(reset.summary.why).toMatch(/cannot reach the helper: (connection_reset|eof_error)/);
      const hung = await localOnly([
        '--helper',
        `https://127.0.0.1:${port(silent)}`,
        '--helper-token-file',
        files.tokens,
        '--helper-timeout',
        '1',
      ]);
      expect(hung.summary).toMatchObject({ reachable: false, controls: 0 });
      expect(hung.ms).toBeLessThan(8000);
    } finally {
      resetting.close();
      silent.close();
    }
  });

  it(
    'what the probe sends is a valid request, with its token, its targets and their addresses; a 503 ' +
      'is asked again',
    async () => {
      const bodies: unknown[] = [];
      const auth: string[] = [];
      const busy = https.createServer(CERTS.good, (req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => {
          bodies.push(JSON.parse(body));
          auth.push(String(req.headers.authorization));
          res
            .writeHead(503, { 'retry-after': '0', 'content-type': 'application/json' })
            .end('{"message":"busy"}');
        });
      });
      await new Promise<void>((ok) => busy.listen(0, HOST, ok));
      try {
        const { summary } = await localOnly([
          '--helper',
          `https://127.0.0.1:${(busy.address() as net.AddressInfo).port}`,
          '--helper-token-file',
          files.tokens,
        ]);
        expect(summary).toMatchObject({ reachable: false, why: 'the helper answered HTTP 503: busy' });
        bodies.forEach(expectValidRequest);
        expect(new Set(auth)).toEqual(new Set([`Bearer ${TOKEN}`]));
        const sent = bodies.flatMap(
          (b) => (b as { targets: Array<{ name: string; addresses: string[] }> }).targets,
        );
        // Each target sent once per try (three tries of each batch), with the probe's answers.
        expect(sent.filter((t) => t.name === 'works')).toHaveLength(3);
        expect(sent.find((t) => t.name === 'works')!.addresses).toEqual([HOST]);
        expect(sent.find((t) => t.name === 'dns-forged')!.addresses).toEqual([]);
      } finally {
        busy.close();
      }
    },
  );

  it('--helper without a token file is a usage error, before anything is measured', async () => {
    const r = await run([...probeArgs(), '--helper', helper.url]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--helper needs --helper-token-file/);
  });
});
