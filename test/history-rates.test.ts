// history's transfer rates, through real report files and a real store: a target throttled on the
// second day shows its rate (each report's, or a bucket's median) falling tenfold and more, in the
// terminal, in the page and in --db's JSON; a target whose transfer was never measured has no rate line.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeReport } from '../src/bench/collection.js';
import type { Throughput } from '../src/model/transfer.js';
import { chromium, hasChromium, SKIPPED, svgTitlesIn } from './helpers/chromium.js';
import { ingestReports, run } from './helpers/cli.js';

let dir: string;
let folder: string;
let db: string;

/** [day of November 2026, hour, rate of x, of y]: x is throttled on the 24th; z never measures one. */
const REPORTS: Array<[number, number, number, number]> = [
  [23, 10, 2_000_000, 1_000_000],
  [23, 14, 1_800_000, 1_000_000],
  [24, 10, 16_000, 1_000_000],
  [24, 14, 20_000, 1_000_000],
];

const throughput = (rate: number): Throughput => ({
  rate_bytes_per_second: rate,
  bytes: 524_288,
  end: rate < 100_000 ? 'deadline' : 'cut',
  ttfb_ms: 20,
  stalls: 0,
  slow: rate < 100_000,
});

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'reachprobe-history-rates-'));
  folder = path.join(dir, 'reports');
  const reports = REPORTS.map(([day, hour, x, y]) => {
    const doc = makeReport({
      label: 'bj-1',
      at: new Date(Date.UTC(2026, 10, day, hour)),
      targets: ['x', 'y', 'z'],
      verdictOf: (t) => (t === 'x' && x < 100_000 ? 'throttled' : 'reachable'),
    });
    for (const r of doc.results) {
      if (r.name === 'x') r.throughput = throughput(x);
      if (r.name === 'y') r.throughput = throughput(y);
    }
    return doc;
  });
  db = await ingestReports(folder, reports);
}, 30_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('history: the transfer rate of each report', () => {
  it('in the terminal: a rate line under a measured target, falling where it was throttled', async () => {
    const r = await run(['history', folder, '--no-color']);
    expect(r.status, r.stderr).toBe(0);
    // 16 Mbit/s is the top; 128 kbit/s is 125x below it: five levels down (¦: the night's long pause).
    const lines = r.stdout.split('\n');
    const x = lines.findIndex((l) => /^ +x +\.\.¦SS {2}throttled$/.test(l));
    expect(lines[x + 1]).toMatch(/^ +██¦▃▃ {2}rate 16 Mbit\/s → 160 kbit\/s$/);
    // The rate's characters stand under the verdicts' characters of the same reports.
    expect(lines[x + 1]!.indexOf('██')).toBe(lines[x]!.indexOf('..¦'));
    expect(r.stdout).toMatch(/^ +██¦██ {2}rate 8000 kbit\/s → 8000 kbit\/s$/m);
    const z = lines.findIndex((l) => /^ +z +\.\.¦\.\. {2}reachable$/.test(l));
    expect(lines[z + 1]).not.toMatch(/rate/); // no rate line under z
    expect(r.stdout).toMatch(/rate line: its height the transfer rate of a report's target/);
  });

  it('in the page: each cell says the rate it was measured at', async () => {
    const page = path.join(dir, 'history.html');
    expect((await run(['history', folder, '--html', page])).status).toBe(0);
    const html = await readFile(page, 'utf8');
    expect(html).toContain('transfer at 128 kbit/s');
    expect(html).toContain('transfer at 16 Mbit/s');
  });
});

interface Json {
  rows: Array<{
    target: string;
    cells: Array<{ counts: Record<string, number>; median_rate_bytes_per_second?: number } | null>;
  }>;
}

describe('history --db: the median rate per bucket', () => {
  it('--json: the median of each day, none where no transfer was measured', async () => {
    const r = await run(['history', '--db', db, '--json', '--by', 'day']);
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as Json;
    const rates = (t: string) =>
      j.rows.find((row) => row.target === t)!.cells.map((c) => c?.median_rate_bytes_per_second);
    expect(rates('x')).toEqual([1_900_000, 18_000]);
    expect(rates('y')).toEqual([1_000_000, 1_000_000]);
    expect(rates('z')).toEqual([undefined, undefined]);
    expect(j.rows.find((row) => row.target === 'x')!.cells[1]!.counts).toEqual({ throttled: 2 });
  });

  it('--by week: one median over the four reports (the mean of the middle two)', async () => {
    const r = await run(['history', '--db', db, '--json', '--by', 'week']);
    const j = JSON.parse(r.stdout) as Json;
    expect(j.rows.find((row) => row.target === 'x')!.cells[0]!.median_rate_bytes_per_second).toBe(
      (20_000 + 1_800_000) / 2,
    );
  });

  it('in the terminal: a rate line per measured row, the throttled day low', async () => {
    const r = await run(['history', '--db', db, '--no-color']);
    expect(r.status, r.stderr).toBe(0);
    // 15 Mbit/s against 144 kbit/s: 106x below, five levels down.
    expect(r.stdout).toMatch(/^ {2}x {2}█▁ .*\n {5}█▃ {2}median rate 15 Mbit\/s → 144 kbit\/s$/m);
    expect(r.stdout).toMatch(/^ {5}██ {2}median rate 8000 kbit\/s → 8000 kbit\/s$/m);
    expect(r.stdout).toMatch(/^ {2}z {2}██ .*\n(?! {5})/m);
    expect(r.stdout).toMatch(/rate line: its height the median transfer rate of a day/);
  });

  it("colour: a median tenfold below the row's fastest is red", async () => {
    const r = await run(['history', '--db', db, '--color']);
    expect(r.stdout).toContain('\u001b[31m▃\u001b[39m');
    expect(r.stdout).not.toContain('\u001b[31m█\u001b[39m');
  });

  it('the page carries each median, and marks the fall', async () => {
    const page = path.join(dir, 'buckets.html');
    expect((await run(['history', '--db', db, '--html', page])).status).toBe(0);
    const html = await readFile(page, 'utf8');
    expect(html).toContain('"rates":[["15 Mbit/s",false],["144 kbit/s",true]]');
    expect(html).toContain('"rates":[["8000 kbit/s",false],["8000 kbit/s",false]]');
  });
});

describe.skipIf(!hasChromium)(`the bucketed page's rates in headless Chromium${SKIPPED}`, () => {
  it('the hover says the median rate; a tenfold fall is marked', async () => {
    const page = path.join(dir, 'buckets-browser.html');
    expect((await run(['history', '--db', db, '--html', page])).status).toBe(0);
    const dom = await chromium(page, dir, '--dump-dom');
    expect(svgTitlesIn(dom)).toContain(
      'x @bj-1, 2026-11-24: 0% reachable (0 of 2)\nthrottled 2\nmedian rate 144 kbit/s (10x or more below its fastest)',
    );
    expect(svgTitlesIn(dom)).toContain('svc-0 @bj-1, 2026-11-24: throttled (2 of 2 report(s))\n2 throttled');
    expect(svgTitlesIn(dom)).toContain(
      'x @bj-1, 2026-11-23: 100% reachable (2 of 2)\nreachable 2\nmedian rate 15 Mbit/s',
    );
  }, 90_000);
});
