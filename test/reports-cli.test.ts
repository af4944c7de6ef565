// `diff` and `history` on reports from real runs against the mock network: before.yaml, then
// after.yaml twice (same target names, a censor arrived in between).
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportDiff } from '../src/report/diff/diff.js';
import { HISTORY_FIXTURES, mockReport, run } from './helpers/cli.js';

let dir: string;
let before: string;
let after: string;
let again: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'reachprobe-reports-'));
  // One after the other: history orders by start time, and the mock network's runs must not overlap in it.
  before = await mockReport(path.join(HISTORY_FIXTURES, 'before.yaml'), path.join(dir, 'before.json'));
  after = await mockReport(path.join(HISTORY_FIXTURES, 'after.yaml'), path.join(dir, 'after.json'));
  again = await mockReport(path.join(HISTORY_FIXTURES, 'after.yaml'), path.join(dir, 'again.json'));
}, 60_000);

afterAll(() => rm(dir, { recursive: true, force: true }));

describe('reachprobe diff', () => {
  it('lists the changed, appeared and vanished targets, and exits 1', async () => {
    const r = await run(['diff', before, after]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(
      new RegExp(
        /^News +news +changed +reachable +→ +reset, blocking http-failure/.source +
          / +tls_handshake: connection_reset, blocked by the name \(TLS SNI\)$/.source,
        'm',
      ),
    );
    expect(r.stdout).toMatch(
      new RegExp(
        /^Video +video +appeared +- +→ +reset, blocking tcp_ip/.source +
          / +connect: connection_refused, blocked by the server's address$/.source,
        'm',
      ),
    );
    expect(r.stdout).toMatch(/^Legacy +retired +vanished +reachable +→ +-$/m);
    expect(r.stdout).not.toMatch(/\bchat\b/);
    expect(r.stdout).toContain('1 changed, 1 appeared, 1 vanished; 2 unchanged');
    expect(r.stdout).not.toContain('\x1b[');
  });

  it('exits 0 when no verdict changed', async () => {
    const r = await run(['diff', after, again]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('nothing changed: 4 targets, the same verdicts');
  });

  it('--json: the reports compared, the counts, and each change with both sides', async () => {
    const r = await run(['diff', before, after, '--json']);
    expect(r.status).toBe(1);
    const diff = JSON.parse(r.stdout) as ReportDiff;
    expect(diff.old).toMatchObject({ file: before, partial: false, targets: 4 });
    expect(diff.new).toMatchObject({ file: after, partial: false, targets: 4 });
    expect(Date.parse(diff.new.started_at)).toBeGreaterThan(Date.parse(diff.old.started_at));
    expect(diff.counts).toEqual({ changed: 1, appeared: 1, vanished: 1, unchanged: 2 });
    expect(diff.changes).toMatchObject([
      {
        change: 'changed',
        name: 'news',
        service: 'News',
        old: { verdict: 'reachable' },
        new: { verdict: 'reset', stage: 'tls_handshake', 'blocked-by': 'sni' },
      },
      {
        change: 'appeared',
        name: 'video',
        service: 'Video',
        new: { verdict: 'reset', failure: 'connection_refused' },
      },
      { change: 'vanished', name: 'retired', service: 'Legacy', old: { verdict: 'reachable' } },
    ]);
    expect(diff.changes[1]).not.toHaveProperty('old');
    expect(diff.changes[2]).not.toHaveProperty('new');
  });

  it('--color colours the verdicts', async () => {
    const r = await run(['diff', before, after, '--color']);
    expect(r.stdout).toContain('\x1b[31mreset');
  });

  it.each([
    ['a missing file', 'missing.json', 'cannot read the report: ENOENT'],
    ['a file that is not a report', 'other.json', 'not a reachprobe report'],
  ])('%s: exit 2, naming the file', async (_, name, message) => {
    const bad = path.join(dir, name);
    if (name === 'other.json') await writeFile(bad, '{"results": []}');
    const r = await run(['diff', before, bad]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.startsWith(`reachprobe: ${bad}: `)).toBe(true);
    expect(r.stderr).toContain(message);
  });

  it('one report only: a usage error, exit 2', async () => {
    const r = await run(['diff', before]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("missing required argument 'new'");
  });
});

describe('reachprobe history', () => {
  it('a timeline in start-time order, whatever the order given: each service, target and verdict', async () => {
    const r = await run(['history', again, before, after]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(
        `^ {2}1 .* 4 +4 reachable +${before}\n {2}2 .* 4 +2 reachable, 2 reset +${after}\n {2}3 .*${again}$`,
        'm',
      ),
    );
    expect(r.stdout).toMatch(
      /^Control \(domestic\) +\.\.\. +usable\n {2}control-domestic +\.\.\. +reachable$/m,
    );
    expect(r.stdout).toMatch(/^News +\.BB +blocked\n {2}news +\.RR +reset, blocking http-failure$/m);
    expect(r.stdout).toMatch(/^Chat +\.\.\. +usable\n {2}chat +\.\.\. +reachable$/m);
    expect(r.stdout).toMatch(
      /^Legacy +\. {4}\(not in the last report\)\n {2}retired +\. {4}\(not in the last report\)$/m,
    );
    expect(r.stdout).toMatch(/^Video + BB +blocked\n {2}video + RR +reset, blocking tcp_ip$/m);
    expect(r.stdout).toContain('legend: . reachable  R reset  (blank) not in that report');
  });

  it('a folder: every report in it; a file there that is not a report is skipped, with a warning', async () => {
    const folder = path.join(dir, 'cron');
    await mkdir(folder);
    await Promise.all([before, after].map((f) => copyFile(f, path.join(folder, path.basename(f)))));
    await writeFile(path.join(folder, 'package.json'), '{"name": "not a report"}');
    const r = await run(['history', folder]);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe(
      `reachprobe: skipped ${path.join(folder, 'package.json')}: not a reachprobe report (no "tool": ` +
        `{"name": "reachprobe"})\n`,
    );
    expect(r.stdout).toContain('2 report(s), from');
    expect(r.stdout).toMatch(/^ {2}news +\.R +reset, blocking http-failure$/m);
  });

  it('--last 1: the latest report only', async () => {
    const r = await run(['history', before, after, again, '--last', '1']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('1 report(s), from');
    expect(r.stdout).not.toContain('retired');
  });

  it('a bad file named on the command line: exit 2, naming it', async () => {
    const bad = path.join(dir, 'truncated.json');
    await writeFile(bad, (await readFile(after, 'utf8')).slice(0, 200));
    const r = await run(['history', before, bad]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`^reachprobe: ${bad}:\\d+: not valid JSON: `));
  });

  it('--html writes one page, atomically, and says so', async () => {
    const page = path.join(dir, 'history.html');
    const r = await run(['history', before, after, again, '--html', page]);
    expect(r.status).toBe(0);
    const html = await readFile(page, 'utf8');
    const kB = Math.round(Buffer.byteLength(html) / 1024);
    expect(r.stdout).toBe(`wrote ${page}: 3 report(s), 5 service row(s), 5 target row(s), ${kB} kB\n`);
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('"name":"news"');
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
