// The mock network: `check --mock`, `reachprobe mock`, scenario files and the programmatic API.
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../src/mock/tcp-servers.js';

const BIN = fileURLToPath(new URL('../bin/reachprobe.js', import.meta.url));

interface Ran {
  status: number;
  stdout: string;
  stderr: string;
}

const run = (args: string[], timeout = 20_000) => runWith([], args, timeout);

/** With `setpriv` options first (to run as another user), or none. */
function runWith(setpriv: string[], args: string[], timeout = 20_000): Promise<Ran> {
  const [file, argv] =
    setpriv.length > 0
      ? ['setpriv', [...setpriv, process.execPath, BIN, ...args]]
      : [process.execPath, [BIN, ...args]];
  return new Promise((resolve) => {
    execFile(
      file,
      argv,
      { timeout, env: { ...process.env, NO_COLOR: '1', XDG_CONFIG_HOME: os.tmpdir() } },
      (err, stdout, stderr) => {
        resolve({ status: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
      },
    );
  });
}

const lines = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'reachprobe-mock-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('check --mock', () => {
  it(
    'gfw --quic: every expect_quic met, with the QUIC filter, the UDP blackhole and ' + 'QUIC against TCP',
    async () => {
      const r = await run(['check', '--mock', 'gfw', '--quic', '--json']);
      expect(r.stderr).toBe('');
      const results = lines(r.stdout);
      const summary = results.pop()!;
      expect(summary).toMatchObject({ unmet: 0 });
      expect(r.status).toBe(0);
      type Quic = { verdict: string; 'blocked-by'?: string; reason: string };
      const quic = new Map(results.filter((x) => x.quic).map((x) => [x.name as string, x.quic as Quic]));
      const quicOf = (name: unknown) => quic.get(name as string);
      const missed = results
        .filter((x) => x.expect_quic !== undefined && quicOf(x.name)?.verdict !== x.expect_quic)
        .map((x) => x.name);
      expect(missed).toEqual([]);
      expect(new Set([...quic.values()].map((q) => q.verdict))).toEqual(
        // No reset: the one ICMP refusal here was the forged address, no longer dialled (test/quic/probe-quic.test.ts
        // has a refused QUIC port of a real server).
        new Set(['reachable', 'timeout', 'not-offered', 'cert-invalid']),
      );
      expect(quic.get('quic-sni')).toMatchObject({
        'blocked-by': 'sni',
        reason: expect.stringContaining('the QUIC filter'),
      });
      expect(quic.get('ip-blackhole')).toMatchObject({
        'blocked-by': 'ip',
        reason: expect.stringContaining('IP block'),
      });
      expect(quic.get('sni-rst')?.reason).toContain('the TCP SNI filter alone');
      // The raced (forged) answer is nobody's server: QUIC never dials it.
      const race = results.find((x) => x.name === 'dns-race')!;
      expect(race.verdict).toBe('dns-poisoned');
      expect(quic.has('dns-race')).toBe(false);
      expect(JSON.stringify(race.checks)).not.toMatch(/"check":"quic[^}]*127\.0\.0\.66/);
      // The helper abroad ran the QUIC check too (the filters spare it): evidence that QUIC is offered.
      const control = (name: string) =>
        (results.find((x) => x.name === name)!.control as { quic?: { verdict: string } } | undefined)?.quic;
      expect(control('quic-sni')).toMatchObject({ verdict: 'reachable' });
      expect(control('slow-healthy')).toMatchObject({ verdict: 'not-offered' });
      expect(quic.get('quic-sni')).toMatchObject({ offered_by: ['target', 'helper'] });
    },
  );

  it(
    'gfw: every target gets the verdict its expect says, exit 0, in far less than the sum of its ' +
      'timeouts',
    async () => {
      const r = await run(['check', '--mock', 'gfw', '--json']);
      expect(r.stderr).toBe('');
      const results = lines(r.stdout);
      const summary = results.pop()!;
      const missed = results
        .filter((x) => x.verdict !== x.expect)
        .map((x) => `${x.name}: expected ${x.expect}, got ${x.verdict}`);
      expect(missed).toEqual([]);
      // Each decided against the mock network's helper abroad, as the scenario's expect_blocking says.
      const blocking = results
        .filter((x) => x.blocking !== x.expect_blocking)
        .map((x) => `${x.name}: expected blocking ${x.expect_blocking}, got ${x.blocking}`);
      expect(blocking).toEqual([]);
      expect(new Set(results.map((x) => x.blocking))).toEqual(
        new Set([false, 'dns', 'tcp_ip', 'http-failure', 'http-diff']),
      );
      expect(summary.helper).toMatchObject({
        reachable: true,
        sent: results.length,
        controls: results.length,
        refused: 0,
      });
      expect(r.status).toBe(0);
      expect(summary).toMatchObject({ unmet: 0, vantage: 'online' });
      // Every verdict a censor causes is in the scenario.
      expect(new Set(results.map((x) => x.verdict))).toEqual(
        new Set([
          'reachable',
          'connected',
          'dns-poisoned',
          'dns-nxdomain',
          'reset',
          'timeout',
          'closed',
          'cert-invalid',
          'inconsistent',
          'http-diff',
          'down',
        ]),
      );
      // And says what each block is keyed on.
      const by = Object.fromEntries(
        results.map((x) => [
          x.name,
          [x['blocked-by'], ...((x.flags as string[] | undefined) ?? [])].join(' '),
        ]),
      );
      expect(by).toMatchObject({
        'ip-rst': 'ip',
        'ip-blackhole': 'ip',
        'tls-stall': 'ip',
        'sni-rst': 'sni',
        'sni-flaky': 'sni',
        'http-host-rst': 'host',
        'linger-trigger': 'sni',
        'linger-residual': 'unknown possibly-residual',
      });
      // 26 targets with 1 s deadlines at up to four stages and three tries each: the sum is minutes.
      expect(summary.duration_ms as number).toBeLessThan(5000);
    },
  );

  it(
    "ooni-qa: every OONI QA scenario meets OONI's blocking and " +
      'accessible (or the documented better answer)',
    async () => {
      // Fewer at once than the default: the scenario's 54 targets on 1 s deadlines, on a shared machine.
      const r = await run(['check', '--mock', 'ooni-qa', '--json', '--concurrency', '8'], 90_000);
      const results = lines(r.stdout);
      const summary = results.pop()!;
      const missed = results
        .filter((x) => !x.expect_met)
        .map((x) => `${x.name}: ${x.verdict} ${x.blocking} ${x.accessible}: ${x.reason}`);
      expect(missed).toEqual([]);
      expect(results.every((x) => x.expect_accessible !== undefined && x.expect_blocking !== undefined)).toBe(
        true,
      );
      expect(summary).toMatchObject({ unmet: 0, vantage: 'online' });
      expect(r.status).toBe(0);
      const got = Object.fromEntries(results.map((x) => [x.name, x]));
      // The cases that must never read as censorship.
      expect(got.localhostWithHTTPS).toMatchObject({ verdict: 'down', blocking: false });
      expect(got.dnsHijackingToProxyWithHTTPSURL).toMatchObject({ verdict: 'reachable', blocking: false });
      expect(got.websiteDownNXDOMAIN).toMatchObject({ blocking: false, accessible: false });
      // The server's own CAPTCHA over valid TLS: not censorship, but said.
      expect(got.cloudflareCAPTCHAWithHTTPS).toMatchObject({ verdict: 'reachable', blocking: false });
      expect(got.cloudflareCAPTCHAWithHTTPS!.reason).toMatch(
        /the server answered this vantage point differently from the helper abroad/,
      );
      // A redirect into a host reset by SNI names that host.
      expect(got.redirectWithConsistentDNSAndThenConnectionResetForHTTPS!.reason).toMatch(
        /hop-reset-https\.reachprobe\.test failed: .*reset after the TLS ClientHello/,
      );
    },
    100_000,
  );
  it('throttle: every expectation met, as an unprivileged user (no qdisc, no root: the servers pace)', async () => {
    // As root, the run drops to nobody: the mock network's throttling must not need privileges.
    const asNobody = process.getuid?.() === 0 ? ['--reuid=65534', '--regid=65534', '--clear-groups'] : [];
    const r = await runWith(asNobody, ['check', '--mock', 'throttle', '--json']);
    expect(r.stderr).toBe('');
    const results = lines(r.stdout);
    const summary = results.pop()!;
    const missed = results
      .filter((x) => x.verdict !== x.expect || x.blocking !== x.expect_blocking)
      .map(
        (x) =>
          `${x.name}: expected ${x.expect}/${x.expect_blocking}, got ${x.verdict}/${x.blocking}: ${x.reason}`,
      );
    expect(missed).toEqual([]);
    const by = Object.fromEntries(results.map((x) => [x.name, x['blocked-by']]));
    expect(by).toMatchObject({ 'twitter-www': 'sni', 'vk-http': 'host', 'hosting-frozen': 'ip' });
    const throughput = (name: string) =>
      results.find((x) => x.name === name)!.throughput as Record<string, number | string>;
    // The policer's 130 kbit/s is 16,250 bytes a second; the freeze comes after 16 KB.
    expect(throughput('twitter-www').ceiling_bytes_per_second).toBeLessThan(30_000);
    expect(throughput('hosting-frozen')).toMatchObject({ end: 'frozen' });
    expect(throughput('large-download')).toMatchObject({ end: 'cut', bytes: 524_288, slow: false });
    expect(summary).toMatchObject({ unmet: 0 });
    expect(r.status).toBe(0);
  });

  it('clean: everything reachable', async () => {
    const r = await run(['check', '--mock', 'clean', '--json']);
    expect(r.status).toBe(0);
    const verdicts = lines(r.stdout)
      .slice(0, -1)
      .map((x) => x.verdict);
    expect(new Set(verdicts)).toEqual(new Set(['reachable', 'connected']));
  });

  it('a mismatch prints expected-vs-got and exits 1', async () => {
    const scenario = path.join(dir, 'wrong-expect.yaml');
    await writeFile(
      scenario,
      'servers:\n  gone: { behaviour: refused }\ntargets:\n  - { name: hopeful, service: S, url: ' +
        '"https://a.reachprobe.test/", server: gone, expect: reachable }\n',
    );
    const r = await run(['check', '--mock', scenario]);
    expect(r.status).toBe(1);
    // Refused abroad too: the helper says the server is down, not blocked.
    expect(r.stdout).toMatch(/hopeful +reachable +down/);
  });

  it.each([
    [
      'servers:\n  web: { tls: good }\ntargets:\n  - { name: a, service: S, url: ' +
        '"https://a.reachprobe.test/", server: wbe }\n',
      4,
      'no server "wbe" (did you mean `web`?)',
    ],
    [
      'servers:\n  web: { tls: god }\ntargets:\n  - { name: a, service: S, url: ' +
        '"https://a.reachprobe.test/", server: web }\n',
      2,
      'field "tls": "god" is not one of',
    ],
    [
      'servers:\n  web: { behavior: stall }\ntargets:\n  - { name: a, service: S, url: ' +
        '"https://a.reachprobe.test/", server: web }\n',
      2,
      'unknown field "behavior" (did you mean `behaviour`?)',
    ],
    [
      'servers:\n  web: {}\ntargets:\n  - name: a\n    service: S\n    url: ' +
        'https://a.reachprobe.test/\n    server: web\n    dns: [{ answer: [not-an-ip] }]\n',
      8,
      '"not-an-ip" is not an IP address',
    ],
    [
      'targets:\n  - { name: a, service: S, url: "https://a.reachprobe.test/", server: web }\n',
      1,
      'a scenario needs "servers"',
    ],
    [
      'servers:\n  web: {}\ntargets:\n  - name: a\n    service: S\n    url: ' +
        'https://a.reachprobe.test/\n    server: web\n    dns: [{ answer: [server], any_type: no }]\n',
      8,
      'field "any_type": must be true or false',
    ],
    [
      'servers:\n  web: {}\ntargets:\n  - { name: a, service: S, url: "https://a.reachprobe.test/", ' +
        'server: web }\n  - { name: b, service: S, url: "http://a.reachprobe.test/", server: web, dns: ' +
        '[{ rcode: NXDOMAIN }] }\n',
      5,
      'DNS for a.reachprobe.test is scripted by target "a" (line 4)',
    ],
  ])('a scenario with a mistake names the line (%#)', async (text, line, message) => {
    const scenario = path.join(dir, `bad-${line}.yaml`);
    await writeFile(scenario, text);
    const r = await run(['check', '--mock', scenario]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${scenario}:${line}: `);
    expect(r.stderr).toContain(message);
    expect(r.stdout).toBe('');
  });

  it('an unknown scenario name lists the bundled ones', async () => {
    const r = await run(['check', '--mock', 'gfww']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('clean, gfw');
  });
});

describe('reachprobe mock', () => {
  it('writes a targets file and prints the check command that measures it while it runs', async () => {
    const targets = path.join(dir, 'mock-targets.yaml');
    const mock = spawn(process.execPath, [
      BIN,
      'mock',
      '--scenario',
      'clean',
      '--write-targets',
      targets,
      '--for',
      '15',
    ]);
    const command = await new Promise<string>((resolve) =>
      mock.stdout.once('data', (d: Buffer) => resolve(d.toString().trim())),
    );
    expect(command).toMatch(
      /^reachprobe check \S+mock-targets\.yaml --resolver 127\.0\.0\.1:\d+ --sink 127\.0\.0\.1:\d+ --control-doh /,
    );
    expect(await readFile(targets, 'utf8')).toContain('expect: reachable');
    const r = await run(command.split(' ').slice(1));
    mock.kill('SIGINT');
    const code = await new Promise((resolve) => mock.once('exit', resolve));
    expect(r.stdout).toContain('6 targets in');
    expect(r.status).toBe(0);
    expect(code).toBe(0);
  });
});

describe("import { startMockNetwork } from 'reachprobe/mock'", () => {
  it('starts the scenario on loopback, gives its addresses and targets, and closes', async () => {
    const { startMockNetwork } = await import('reachprobe/mock');
    const network = await startMockNetwork({ scenario: 'gfw' });
    try {
      expect(network.check.resolver.address).toBe('127.0.0.1');
      expect(network.targets.length).toBeGreaterThan(20);
      expect(network.targets.every((t) => t.url.includes(':') && /\.reachprobe\.test:\d+/.test(t.url))).toBe(
        true,
      );
      expect(network.targetsYaml()).toContain('expect: dns-poisoned');
    } finally {
      await network.close();
    }
  });
});

describe('a mock server that answers', () => {
  /** A plain connection to the server, and its answers as they come. */
  function connect(port: number) {
    const socket = net.connect(port, '127.0.0.1');
    let seen = '';
    const ended = new Promise<void>((resolve) => socket.once('end', () => resolve()));
    socket.on('data', (d: Buffer) => (seen += d.toString('latin1')));
    /** Sends a request and waits for its whole answer (the body is 29 bytes). */
    const ask = async (request: string) => {
      const before = seen.length;
      socket.write(request);
      while (!/\r\n\r\n[^]{29}$/.test(seen.slice(before))) await new Promise((r) => setTimeout(r, 5));
      return seen.slice(before);
    };
    /** Whether the server closed its side within 300 ms. */
    const closedByServer = () =>
      Promise.race([ended.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 300))]);
    return { ask, closedByServer, socket };
  }

  it(
    'keeps the connection open for more requests unless the request asks it to close, as an HTTP/1.1 ' +
      'server does',
    async () => {
      const server = await startServer({ behaviour: 'ok' });
      try {
        const c = connect(server.port);
        const first = await c.ask('GET / HTTP/1.1\r\nhost: a.reachprobe.test\r\n\r\n');
        expect(first).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
        expect(first).not.toMatch(/^connection:/im);
        expect(await c.closedByServer()).toBe(false);
        const last = await c.ask('GET / HTTP/1.1\r\nhost: a.reachprobe.test\r\nConnection: close\r\n\r\n');
        expect(last).toMatch(/^connection: close\r$/im);
        expect(await c.closedByServer()).toBe(true);
        c.socket.destroy();
      } finally {
        await server.close();
      }
    },
  );

  it('closes after answering an HTTP/1.0 request, unless it asks to keep the connection', async () => {
    const server = await startServer({ behaviour: 'ok' });
    try {
      const old = connect(server.port);
      await old.ask('GET / HTTP/1.0\r\n\r\n');
      expect(await old.closedByServer()).toBe(true);
      const kept = connect(server.port);
      await kept.ask('GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n');
      expect(await kept.closedByServer()).toBe(false);
      old.socket.destroy();
      kept.socket.destroy();
    } finally {
      await server.close();
    }
  });
});
