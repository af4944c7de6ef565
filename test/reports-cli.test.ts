// `diff` and `history` on reports from real runs against the mock network: before.yaml, then
// after.yaml twice (same target names, a censor arrived in between).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportDiff } from '../src/report/diff.js';
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
    expect(r.stdout).toMatch(/^News +news +changed +reachable +→ +reset +tls_handshake: connection_reset, blocked by the name \(TLS SNI\)$/m);
    expect(r.stdout).toMatch(/^Video +video +appeared +- +→ +reset +connect: connection_refused, blocked by the server's address$/m);
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
      { change: 'changed', name: 'news', service: 'News', old: { verdict: 'reachable' }, new: { verdict: 'reset', stage: 'tls_handshake', 'blocked-by': 'sni' } },
      { change: 'appeared', name: 'video', service: 'Video', new: { verdict: 'reset', failure: 'connection_refused' } },
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
