// A run's outputs at scale: the table of a large run, and one output's failure costing no other.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Chalk } from 'chalk';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../src/cli/main.js';
import type { RunSummary, TargetResult } from '../src/model/result.js';
import { FULL_TABLE_TARGETS, RunTable } from '../src/report/terminal/run-table.js';
import { renderTable } from '../src/report/terminal/table.js';
import { TargetSeries } from '../src/report/prometheus/series.js';
import { exec, ROOT } from './helpers/cli.js';
import { expectValidReport } from './helpers/schema.js';

const chalk = new Chalk({ level: 0 });

function result(i: number, service: string): TargetResult {
  const reached = i % 10 !== 0;
  return {
    name: `t${i}`,
    service,
    url: `tcp://127.0.0.1:${1000 + (i % 60_000)}`,
    tags: [],
    verdict: reached ? 'connected' : 'reset',
    ...(reached ? {} : { stage: 'connect' as const, failure: 'connection_refused' }),
    reason: reached ? 'connected' : 'a RST answered the SYN',
    evidence: [],
    blocking: null,
    accessible: null,
    addresses: ['127.0.0.1'],
    timings: { chain_ms: 1, total_ms: 1 },
    expect_met: true,
    started_at: new Date(0).toISOString(),
    checks: [],
  };
}

const summaryOf = (n: number): RunSummary => ({
  started_at: new Date(0).toISOString(),
  ended_at: new Date(0).toISOString(),
  duration_ms: 1,
  targets: n,
  counts: { connected: n - n / 10, reset: n / 10 },
  vantage: 'unknown',
  unmet: 0,
  dns_preflight: {},
  notes: [],
});

describe('the table at scale', () => {
  it('renders 200,000 results a line each (no spread or recursion that follows the list)', () => {
    const results = Array.from({ length: 200_000 }, (_, i) => result(i, `s${i % 3}`));
    const text = renderTable(results, summaryOf(200_000), chalk);
    expect(text.split('\n').filter((l) => /^ {2}t\d+ /.test(l))).toHaveLength(200_000);
  }, 120_000);

  it('fed 200,000 results, prints per-service lines, the first targets not reached and the counts', () => {
    const table = new RunTable();
    for (let i = 0; i < 200_000; i++) table.add(result(i, `s${i % 3}`), i);
    const text = table.render(summaryOf(200_000), chalk);
    expect(text).toMatch(/^ {2}s0 +66,667 +6,667$/m);
    expect(text).toMatch(/^20,000 targets not reached \(the first 40\):$/m);
    expect(text).toMatch(/^ {2}t0 +reset +connect: connection_refused/m);
    expect(text).toContain('200000 targets in');
    expect(text.split('\n').length).toBeLessThan(100);
  });

  it('with a service a target, lists no services; up to the limit, a line each as before', () => {
    const many = new RunTable();
    for (let i = 0; i < 10_000; i++) many.add(result(i, `s${i}`), i);
    expect(many.render(summaryOf(10_000), chalk)).not.toMatch(/SERVICE/);
    const few = new RunTable();
    const results = Array.from({ length: FULL_TABLE_TARGETS }, (_, i) => result(i, 'one'));
    // Fed out of order, shown in the order of the list.
    for (let i = results.length - 1; i >= 0; i--) few.add(results[i]!, i);
    expect(few.render(summaryOf(FULL_TABLE_TARGETS), chalk)).toBe(
      renderTable(results, summaryOf(FULL_TABLE_TARGETS), chalk),
    );
  });
});

describe('Prometheus at scale', () => {
  it('has series per target up to the cap, in list order; past it only the run and the services', () => {
    const few = new TargetSeries(3);
    for (const i of [2, 0, 1]) few.add(result(i, 's'), i);
    const text = few.render(summaryOf(3), false);
    const verdictOf =
      /^reachprobe_target_verdict\{target="(t\d)",service="s",verdict="(?:reset|connected)"\} 1$/gm;
    expect([...text.matchAll(verdictOf)].map((m) => m[1])).toEqual(['t0', 't1', 't2']);
    const many = new TargetSeries(3);
    for (let i = 0; i < 10; i++) many.add(result(i, 's'), i);
    const over = many.render(summaryOf(10), false);
    expect(over).not.toMatch(/^reachprobe_target_/m);
    expect(over).toMatch(/^reachprobe_run_targets\{verdict="reset"\} 1$/m);
    expect(over).toMatch(/^# 10 targets: more than 3 for series per target/);
  });
});

describe('an output that fails at the end', () => {
  let dir: string | undefined;
  afterEach(async () => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('a table that cannot be written still leaves the -o report written and valid, and says which failed', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'reachprobe-scale-'));
    const out = path.join(dir, 'report.json');
    const errors: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      errors.push(String(chunk));
      return true;
    });
    vi.spyOn(process.stdout, 'write').mockImplementation(() => {
      throw new Error('stdout is gone');
    });
    await main([process.execPath, 'reachprobe', 'check', '--mock', 'gfw', '-o', out]);
    vi.restoreAllMocks();
    expect(process.exitCode).toBe(3);
    expect(errors.join('')).toMatch(
      /reachprobe: the table failed, the other outputs were written: Error: stdout is gone/,
    );
    const doc = JSON.parse(await readFile(out, 'utf8')) as { results: unknown[]; summary: RunSummary };
    expectValidReport(doc);
    expect(doc.results).toHaveLength(doc.summary.targets);
  }, 60_000);
});

// The CLI run in a child that collects its garbage every 100 ms and keeps the largest heap left: what
// the run holds live, which RSS (mostly the runtime's own) would hide below a few hundred thousand targets.
const LIVE_HEAP = `
const { main } = await import(process.argv[1]);
let max = 0;
const sample = setInterval(() => { gc(); max = Math.max(max, process.memoryUsage().heapUsed); }, 100);
process.stdout.write = () => true;
await main([process.argv[0], 'reachprobe', ...process.argv.slice(2)]);
clearInterval(sample);
process.stderr.write(JSON.stringify({ liveBytes: max }));
`;

/** A Citizen Lab list of `count` tcp:// targets on closed loopback ports (127.0.0.0/8, port 9). */
async function closedPorts(file: string, count: number): Promise<void> {
  const rows = ['url,category_code,category_description,date_added,source,notes'];
  for (let i = 0; i < count; i++)
    rows.push(`tcp://127.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:9,NEWS,,,,`);
  await writeFile(file, `${rows.join('\n')}\n`);
}

describe('memory at scale', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  // A service per category: the per-service tallies are measured apart (one per service).
  it('holds no more at 24,000 targets than within 20% of 6,000 (--json, -o, --prom)', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'reachprobe-memory-'));
    const live = async (count: number) => {
      const list = path.join(dir!, `${count}.csv`);
      await closedPorts(list, count);
      const args = ['check', list, '--service-from', 'category', '--concurrency', '64', '--json'];
      const out = ['-o', path.join(dir!, `${count}.json`), '--prom', path.join(dir!, `${count}.prom`)];
      const main = path.join(ROOT, 'dist/cli/main.js');
      const ran = await exec(
        process.execPath,
        ['--expose-gc', '--input-type=module', '-e', LIVE_HEAP, main, ...args, ...out],
        {},
        150_000, // seconds on a quiet machine; minutes on a loaded one
      );
      const figures = /\{"liveBytes":(\d+)\}$/.exec(ran.stderr);
      expect(figures, ran.stderr).not.toBeNull();
      const doc = JSON.parse(await readFile(path.join(dir!, `${count}.json`), 'utf8')) as {
        results: unknown[];
      };
      expect(doc.results).toHaveLength(count);
      return Number(figures![1]);
    };
    const small = await live(6_000);
    const large = await live(24_000);
    // Four times the targets, within the 20% issue 29 asks. Quiet: 34.8 and 32.9 MB of live heap; 12,000
    // and 48,000 gave 32.9 and 33.1. 3,000 ends before the targets in flight fill up (24 MB), so it is
    // no base. 1.54 before the targets were kept compact.
    expect(large / small).toBeLessThan(1.2);
  }, 300_000);
});
