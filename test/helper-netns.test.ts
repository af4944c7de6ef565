// The probe and the helper on two sides of an nft filter, in network namespaces this test makes:
// "world" holds the server (10.77.0.1) and the censor's filter, "inside" the probe (10.77.1.2),
// "abroad" the helper (10.77.2.2), each joined to world by a veth pair. The filter drops what
// inside sends to the server's TLS port: an IP block, which no loopback server can fake. Nothing
// leaves the namespaces. Needs root, iproute2 and nftables; skipped, saying so, elsewhere; failed in CI.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, run } from './helpers/cli.js';
import { helperFiles, spawnHelper, type HelperFiles, type HelperProcess } from './helpers/helper-process.js';
import { unavailable } from './helpers/required.js';
import { expectValidJsonLines } from './helpers/schema.js';
import { system } from './helpers/system.js';

const id = randomBytes(3).toString('hex');
const NS = { world: `rp-world-${id}`, inside: `rp-in-${id}`, abroad: `rp-out-${id}` };
const SERVER = '10.77.0.1';
const SERVER6 = 'fd77::1';
const inNs = (ns: string, ...args: string[]) => system('ip', 'netns', 'exec', ns, ...args);

function tools(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root';
  for (const tool of ['ip', 'nft']) {
    try {
      system('sh', '-c', `command -v ${tool}`);
    } catch {
      return `no ${tool} (iproute2, nftables)`;
    }
  }
  return undefined;
}

const missing = unavailable('the tests in network namespaces', tools());

function build(): void {
  for (const ns of Object.values(NS)) system('ip', 'netns', 'add', ns);
  for (const ns of Object.values(NS)) inNs(ns, 'ip', 'link', 'set', 'lo', 'up');
  inNs(NS.world, 'ip', 'addr', 'add', `${SERVER}/32`, 'dev', 'lo');
  inNs(NS.world, 'ip', 'addr', 'add', `${SERVER6}/128`, 'dev', 'lo');
  inNs(NS.world, 'sysctl', '-qw', 'net.ipv4.ip_forward=1');
  inNs(NS.world, 'sysctl', '-qw', 'net.ipv6.conf.all.forwarding=1');
  for (const [side, net] of [
    [NS.inside, 1],
    [NS.abroad, 2],
  ] as const) {
    const [w, s] = [`w${net}-${id}`, `s${net}-${id}`];
    system('ip', 'link', 'add', w, 'netns', NS.world, 'type', 'veth', 'peer', 'name', s, 'netns', side);
    inNs(NS.world, 'ip', 'addr', 'add', `10.77.${net}.1/24`, 'dev', w);
    inNs(NS.world, 'ip', 'link', 'set', w, 'up');
    inNs(side, 'ip', 'addr', 'add', `10.77.${net}.2/24`, 'dev', s);
    inNs(side, 'ip', 'link', 'set', s, 'up');
    inNs(side, 'ip', 'route', 'add', 'default', 'via', `10.77.${net}.1`);
    // nodad: usable at once, not after duplicate address detection.
    inNs(NS.world, 'ip', 'addr', 'add', `fd77:${net}::1/64`, 'dev', w, 'nodad');
    inNs(side, 'ip', 'addr', 'add', `fd77:${net}::2/64`, 'dev', s, 'nodad');
    inNs(side, 'ip', '-6', 'route', 'add', 'default', 'via', `fd77:${net}::1`);
  }
  // The censor: whatever inside sends to the server's TLS port is dropped; abroad is not filtered.
  inNs(NS.world, 'nft', 'add table inet censor');
  inNs(NS.world, 'nft', 'add chain inet censor input { type filter hook input priority 0 ; }');
  inNs(
    NS.world,
    'nft',
    `add rule inet censor input ip saddr 10.77.1.0/24 ip daddr ${SERVER} tcp dport 8443 drop`,
  );
  // No IPv6 for inside: its TCP over IPv6 vanishes (abroad's IPv6 works). Neighbour discovery still
  // passes, so connects time out rather than finding no route (host_unreachable, a local failure anyway).
  inNs(NS.world, 'nft', 'add rule inet censor input ip6 saddr fd77:1::/64 meta l4proto tcp drop');
}

// The server in world, on both families: TLS on 8443 (filtered for inside), plain HTTP on 8080;
// nothing on 9443.
const SERVER_SCRIPT = `
const https = require('node:https'), http = require('node:http');
import(${JSON.stringify(path.join(ROOT, 'dist/mock/certs.js'))}).then(({ CERTS }) => {
  const answer = (req, res) => res.end('hello from the world namespace\\n');
  const listening = [];
  for (const host of ['${SERVER}', '${SERVER6}']) {
    listening.push(new Promise((ok) => https.createServer(CERTS.good, answer).listen(8443, host, ok)));
    listening.push(new Promise((ok) => http.createServer(answer).listen(8080, host, ok)));
  }
  Promise.all(listening).then(() => console.log('ready'));
});`;

let dir: string;
let files: HelperFiles;
let server: ChildProcess | undefined;
let helper: HelperProcess | undefined;

beforeAll(async () => {
  if (missing) return;
  build();
  dir = await mkdtemp(path.join(os.tmpdir(), 'reachprobe-netns-'));
  files = await helperFiles(dir);
  server = spawn('ip', ['netns', 'exec', NS.world, process.execPath, '-e', SERVER_SCRIPT]);
  await new Promise<void>((ready, fail) => {
    server!.stdout!.once('data', () => ready());
    server!.once('exit', (code) => fail(new Error(`the server exited ${code}`)));
  });
  helper = await spawnHelper(
    [
      ...[
        '--listen',
        '10.77.2.2:8443',
        '--cert',
        files.cert,
        '--key',
        files.key,
        '--token-file',
        files.tokens,
        '--ca',
        files.ca,
      ],
      // Its resolver is a port where nothing listens: it measures the probe's addresses, as given.
      ...[
        '--allow-answers',
        '10.77.0.0/16',
        '--allow-answers',
        'fd77::/16',
        '--resolver',
        `${SERVER}:5353`,
        '--timeout',
        '2',
      ],
    ],
    ['ip', 'netns', 'exec', NS.abroad],
  );
});

afterAll(async () => {
  await helper?.stop();
  server?.kill();
  if (!missing) for (const ns of Object.values(NS)) system('ip', 'netns', 'del', ns);
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** `check --json` inside, against the helper abroad: the targets, each name:port pinned to addresses. */
async function checkInside(lines: string[], pins: string[]) {
  const targets = path.join(dir, `targets-${randomBytes(3).toString('hex')}.yaml`);
  await writeFile(targets, ['targets:', ...lines].join('\n'));
  const r = await run(
    [
      ...['check', targets, ...pins.flatMap((p) => ['--resolve', p]), '--ca', files.ca],
      ...['--allow-answers', '10.77.0.0/16', '--allow-answers', 'fd77::/16', '--timeout', '2', '--json'],
      ...[
        '--helper',
        'https://helper.reachprobe.test:8443',
        '--helper-resolve',
        'helper.reachprobe.test:8443:10.77.2.2',
        '--helper-token-file',
        files.tokens,
      ],
    ],
    {},
    ['ip', 'netns', 'exec', NS.inside],
  );
  const results = expectValidJsonLines(r.stdout);
  const summary = results.pop()!;
  return { summary, byName: Object.fromEntries(results.map((l) => [l.name as string, l])) };
}

describe('probe inside, helper abroad, an nft filter between the probe and the server', () => {
  it.skipIf(missing !== undefined)(
    'an IP block is tcp_ip; what works is false; a port closed everywhere is down',
    async () => {
      const { summary, byName } = await checkInside(
        [
          '  - { name: blocked, service: S, url: "https://site.reachprobe.test:8443/" }',
          '  - { name: open, service: S, url: "http://site.reachprobe.test:8080/" }',
          '  - { name: closed, service: S, url: "https://site.reachprobe.test:9443/" }',
        ],
        [8443, 8080, 9443].map((port) => `site.reachprobe.test:${port}:${SERVER}`),
      );
      expect(summary.helper).toMatchObject({ reachable: true, sent: 3, controls: 3 });
      const got = Object.fromEntries(
        Object.values(byName).map((l) => [l.name, [l.verdict, l.stage, l.blocking, l.accessible]]),
      );
      expect(got).toEqual({
        blocked: ['timeout', 'connect', 'tcp_ip', false],
        open: ['reachable', undefined, false, true],
        closed: ['down', 'connect', false, false],
      });
      expect(byName.blocked!['blocked-by']).toBe('ip');
      expect(byName.closed!.reason).toMatch(/fails from abroad too/);
    },
  );

  it.skipIf(missing !== undefined)(
    "IPv6 blackholed for inside: the domestic control's IPv6 fails, so no IPv6 failure counts as blocking",
    async () => {
      const both = `${SERVER},${SERVER6}`;
      const { summary, byName } = await checkInside(
        [
          '  - { name: home, service: H, role: control-domestic, url: "http://home.reachprobe.test:8080/" }',
          '  - { name: dual, service: S, url: "http://site.reachprobe.test:8080/" }',
          '  - { name: v6only, service: S, url: "http://v6.reachprobe.test:8080/" }',
          '  - { name: v4blocked, service: S, url: "https://site.reachprobe.test:8443/" }',
        ],
        [
          `home.reachprobe.test:8080:${both}`,
          `site.reachprobe.test:8080:${both}`,
          `v6.reachprobe.test:8080:${SERVER6}`,
          `site.reachprobe.test:8443:${both}`,
        ],
      );
      expect(summary.vantage).toBe('online');
      expect(summary.notes).toContainEqual(
        expect.stringMatching(/IPv6 does not work from this vantage point/),
      );
      const got = Object.fromEntries(
        Object.values(byName).map((l) => [l.name, [l.verdict, l.measured_verdict, l.blocking, l.accessible]]),
      );
      expect(got).toEqual({
        home: ['reachable', undefined, false, true],
        dual: ['reachable', undefined, false, true],
        // The helper connects to fd77::1 from abroad; here IPv6 fails for every address alike.
        v6only: ['unreachable', 'timeout', null, null],
        // IPv4 is blocked on 8443 for inside: a block over IPv4 still counts.
        v4blocked: ['timeout', undefined, 'tcp_ip', false],
      });
      expect(byName.dual!.families).toMatchObject({
        ipv4: { open: true },
        ipv6: { open: false, failure: 'generic_timeout_error' },
      });
      expect(byName.dual!.reason).toMatch(/IPv6 fails .*IPv6 does not work from this vantage point/);
      // The helper judged the families apart too: both open abroad.
      expect((byName.dual!.control as { families: unknown }).families).toMatchObject({
        ipv4: { open: true },
        ipv6: { open: true },
      });
      expect(byName.dual!.evidence).toContainEqual(expect.stringMatching(/control .*IPv4 open, IPv6 open/));
      expect((byName.v6only!.control as { tcp: unknown }).tcp).toEqual([{ address: SERVER6, port: 8080 }]);
    },
  );
});
