import dgram from 'node:dgram';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockNetwork, type MockNetwork } from '../src/mock/index.js';
import { closedPort } from '../src/mock/tcp-servers.js';
import { run, type Ran } from './helpers/cli.js';
import { startHelperStandIn, type StandIn } from './helpers/helper-standin.js';
import { system } from './helpers/system.js';

// reachprobe doctor against the mock network on loopback, and in a network namespace with nothing up.

let dir: string;
let network: MockNetwork;
let targetsFile: string;
let args: string[];
let helper: StandIn;
let tokenFile: string;
const TOKEN = 'a-good-token-0123456789';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'reachprobe-doctor-'));
  network = await startMockNetwork({ scenario: 'clean' });
  targetsFile = join(dir, 'targets.yaml');
  await writeFile(targetsFile, network.targetsYaml());
  const caFile = join(dir, 'ca.pem');
  await writeFile(caFile, network.check.ca);
  // The mock network's own helper is asked in a test of its own: the others configure theirs.
  const all = network.checkArgs(caFile, join(dir, 'mock-token'));
  args = all.filter((a, i) => !a.startsWith('--helper') && !(all[i - 1] ?? '').startsWith('--helper'));
  helper = await startHelperStandIn(TOKEN);
  tokenFile = join(dir, 'token');
  await writeFile(tokenFile, `\n${TOKEN}\nsecond-token-is-not-used-0123\n`);
});
afterAll(async () => {
  await Promise.all([network.close(), helper.close()]);
  await rm(dir, { recursive: true, force: true });
});

/** The doctor line about a topic: its mark and what it says. */
function line(r: Ran, topic: string): string {
  const found = r.stdout.split('\n').find((l) => l.slice(8).startsWith(topic));
  if (!found) throw new Error(`no "${topic}" line in:\n${r.stdout}${r.stderr}`);
  return found.trim();
}

const doctor = (...extra: string[]) => run(['doctor', targetsFile, ...args, ...extra]);
const helperArgs = (port: number, token = tokenFile) => [
  '--helper',
  `https://helper.reachprobe.test:${port}/`,
  '--helper-resolve',
  `helper.reachprobe.test:${port}:127.0.0.1`,
  '--helper-token-file',
  token,
];

describe('reachprobe doctor on the mock network', () => {
  it('finds everything usable and recommends the settings that worked', async () => {
    const r = await doctor();
    expect(r.stderr).toBe('');
    expect(line(r, 'network')).toMatch(/^ok {4}network \(domestic controls\) +yes: control-domestic/);
    expect(line(r, 'abroad')).toMatch(/^ok .*yes: control-foreign/);
    expect(line(r, 'resolver')).toMatch(
      new RegExp(
        `^ok .*--resolver ${network.check.resolver.address}:${network.check.resolver.port} answers raw UDP queries`,
      ),
    );
    expect(line(r, 'sink')).toMatch(/^ok .* is usable: it stayed silent for www.example.com, www.iana.org/);
    expect(line(r, 'DoH control')).toMatch(/^ok .*answers \(NXDOMAIN for example.com in \d+ ms\)/);
    expect(line(r, 'helper')).toMatch(/^note .*none configured/);
    expect(r.stdout).toContain('Usable: nothing needs attention.');
    expect(r.stdout).toContain(
      `--sink ${network.check.sink.address}:${network.check.sink.port} --control-doh ${network.check.controlDoh}`,
    );
    expect(r.status).toBe(0);
  });

  it("says IPv6 works when a control's IPv6 address answers a connect (a RST from ::1 is an answer)", async () => {
    const control = network.targets.find((t) => t.role === 'control-domestic')!;
    const url = new URL(control.url);
    const r = await doctor('--resolve', `${url.hostname}:${url.port || 443}:127.0.0.1,::1`);
    expect(line(r, 'IPv6')).toMatch(
      /^ok .*works: .*control-domestic \(\[::1\]:\d+\) answered a connect over IPv6/,
    );
  });

  it('says a sink that answers its canaries is not usable, and leaves it out', async () => {
    const r = await doctor('--sink', `${network.check.resolver.address}:${network.check.resolver.port}`);
    expect(line(r, 'sink')).toMatch(
      /^FIX .* is not usable: it answered www.example.com, www.iana.org; runs will ignore it/,
    );
    expect(r.stdout).not.toContain('--sink ');
    expect(r.status).toBe(1);
  });

  it('tells a DoH control that answers from one that is down', async () => {
    const down = `https://127.0.0.1:${await closedPort()}/dns-query`;
    const r = await doctor('--control-doh', network.check.controlDoh, '--control-doh', down);
    const lines = r.stdout.split('\n').filter((l) => l.includes('DoH control'));
    expect(lines.find((l) => l.includes(down))).toMatch(/FIX .*does not answer: .*ECONNREFUSED/);
    expect(lines.find((l) => l.includes(network.check.controlDoh))).toMatch(/ok .*answers/);
    expect(r.stdout).toContain(`--control-doh ${network.check.controlDoh}`);
    expect(r.stdout).not.toContain(`--control-doh ${down}`);
    expect(r.status).toBe(1);
  });

  it("checks the helper and its token, and the clock by the helper's Date", async () => {
    const good = await doctor(...helperArgs(helper.port));
    expect(line(good, 'helper')).toMatch(/^ok .*answers \(\d+ ms\) and accepts the token/);
    expect(line(good, 'clock')).toMatch(/^ok .*right: within \d+ s of the Date of the helper/);
    expect(good.status).toBe(0);
    const badToken = join(dir, 'bad-token');
    await writeFile(badToken, 'not-the-token-0123456789\n');
    const bad = await doctor(...helperArgs(helper.port, badToken));
    expect(line(bad, 'helper')).toMatch(/^FIX .*refuses the token \(HTTP 401\)/);
    expect(bad.status).toBe(1);
  });

  it("asks the real helper: the mock network's, with its token and with another", async () => {
    const url = network.check.helper.url;
    const mockToken = join(dir, 'mock-token');
    await writeFile(mockToken, `${network.check.helper.token}\n`);
    const good = await doctor('--helper', url, '--helper-token-file', mockToken);
    expect(line(good, 'helper')).toMatch(/^ok .*answers \(\d+ ms\) and accepts the token/);
    expect(good.stdout).toContain(`--helper ${url} --helper-token-file ${mockToken}`);
    const bad = await doctor('--helper', url, '--helper-token-file', tokenFile);
    expect(line(bad, 'helper')).toMatch(/^FIX .*refuses the token \(HTTP 401\)/);
  });

  it('says a helper that is down does not answer, without a stack trace', async () => {
    const r = await doctor(...helperArgs(await closedPort()));
    expect(line(r, 'helper')).toMatch(/^FIX .*does not answer as a helper: connection_refused/);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(1);
  });

  it("says a clock far from the servers' Date needs attention", async () => {
    const late = await startHelperStandIn(TOKEN, -3 * 3600_000);
    try {
      const r = await doctor(...helperArgs(late.port));
      expect(line(r, 'clock')).toMatch(
        /^FIX .*3 h ahead of the Date of the helper: certificate checks depend on it/,
      );
      expect(r.status).toBe(1);
    } finally {
      await late.close();
    }
  });

  it("reads the clock from a control's Date even when a wrong clock fails its certificate", async () => {
    const late = await startHelperStandIn(TOKEN, -3 * 3600_000);
    try {
      const file = join(dir, 'control.yaml');
      await writeFile(
        file,
        `targets:\n  - { name: ctl, service: C, role: control-domestic, url: ` +
          `"https://ctl.reachprobe.test:${late.port}/v1/health" }\n`,
      );
      // No --ca: the mock CA is not trusted, and the question is only whether, and when, it answers.
      const resolver = `${network.check.resolver.address}:${network.check.resolver.port}`;
      const r = await run([
        'doctor',
        file,
        '--resolver',
        resolver,
        '--resolve',
        `ctl.reachprobe.test:${late.port}:127.0.0.1`,
      ]);
      expect(line(r, 'network')).toMatch(
        /^ok .*yes: ctl \(https:\/\/ctl.reachprobe.test:\d+\/v1\/health\) answered HTTP 200/,
      );
      expect(line(r, 'clock')).toMatch(/^FIX .*3 h ahead of the Date of ctl/);
    } finally {
      await late.close();
    }
  });

  it('sees UDP get out when the foreign control answers a QUIC version probe', async () => {
    const control = network.targets.find((t) => t.role === 'control-foreign')!;
    // A UDP socket on the control's (TCP) port, answering as a QUIC server must: Version Negotiation.
    const quic = dgram.createSocket('udp4');
    quic.on('message', (msg, peer) => {
      const dcid = msg.subarray(6, 6 + msg[5]!);
      const scidAt = 6 + msg[5]!;
      const scid = msg.subarray(scidAt + 1, scidAt + 1 + msg[scidAt]!);
      const vn = Buffer.concat([
        Buffer.from([0x80, 0, 0, 0, 0, scid.length]),
        scid,
        Buffer.from([dcid.length]),
        dcid,
        Buffer.from([0, 0, 0, 1]),
      ]);
      quic.send(vn, peer.port, peer.address);
    });
    await new Promise<void>((resolve) => quic.bind(control.port, '127.0.0.1', resolve));
    try {
      const r = await doctor();
      expect(line(r, 'UDP 443')).toMatch(
        new RegExp(
          `^ok .*gets out: control-foreign \\(127.0.0.1:${control.port}\\) answered a QUIC version probe`,
        ),
      );
    } finally {
      quic.close();
    }
    const silent = await doctor();
    expect(line(silent, 'UDP 443')).toMatch(
      /^note .*unknown: UDP gets to control-foreign .*, but nothing there speaks QUIC \(ICMP port unreachable\)/,
    );
  });

  it('recommends a command that measures the same targets with the answers it accepted', async () => {
    const r = await doctor();
    const command = r.stdout.split('\n').find((l) => l.startsWith('  reachprobe check '))!;
    expect(command).toMatch(new RegExp(`^  reachprobe check ${targetsFile} `));
    expect(command).toContain('--allow-answers 127.0.0.0/24');
    expect(r.stdout).toContain(`  targets: ${JSON.stringify(targetsFile)}`);
  });

  it('asks the controls whatever --only picks for check', async () => {
    const r = await doctor('--only', 'google-www');
    expect(line(r, 'network')).toMatch(/^ok .*yes: control-domestic/);
  });

  it('runs on the mock network by itself with --mock', async () => {
    const r = await run(['doctor', '--mock', 'gfw']);
    expect(line(r, 'network')).toMatch(/^ok /);
    // The gfw scenario's foreign control serves QUIC, so it answers the version probe.
    expect(line(r, 'UDP 443')).toMatch(/^ok .*gets out: control-foreign \(127\.0\.0\.1:\d+\) answered/);
    expect(r.stdout).toContain('reachprobe check --mock gfw');
    expect(r.status).toBe(0);
  });
});

const isRoot = process.getuid?.() === 0;

describe('reachprobe doctor with no network at all', () => {
  it.skipIf(!isRoot)(
    'says so in plain words inside a network namespace with no interface up, exit 1 (skipped when not root)',
    async () => {
      const ns = `rp-doctor-${process.pid}`;
      system('ip', 'netns', 'add', ns);
      try {
        const r = await run(['doctor'], {}, ['ip', 'netns', 'exec', ns]);
        expect(r.stderr).toBe('');
        expect(line(r, 'network')).toMatch(/^FIX .*no: none of 3 answered/);
        expect(line(r, 'resolver')).toMatch(
          /^FIX .*cannot be reached by raw UDP queries \(network_unreachable/,
        );
        expect(r.stdout).toContain('Recommended, with what works now (fix the FIX lines first):');
        expect(r.stdout).not.toMatch(/\n\s+at /);
        expect(r.status).toBe(1);
      } finally {
        system('ip', 'netns', 'delete', ns);
      }
    },
  );
});
