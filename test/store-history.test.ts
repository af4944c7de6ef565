// `history --db`: time buckets from the store, against a small collection whose counts are worked
// out by hand below; the terminal, JSON and --compare; the page in headless Chromium.
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeReport } from '../src/bench/collection.js';
import type { VerdictName } from '../src/model/verdict.js';
import { chromium, hasChromium, SKIPPED, svgTitlesIn } from './helpers/chromium.js';
import { DuckDBInstance } from '@duckdb/node-api';
import { ingestReports, ROOT, run } from './helpers/cli.js';

let dir: string;
let db: string;

/** [label, day of November 2026 (the 23rd is a Monday), hour, verdict of a, verdict of b]. */
const COLLECTION: Array<[string | undefined, number, number, VerdictName, VerdictName]> = [
  ['bj-1', 23, 10, 'reachable', 'reachable'],
  ['bj-1', 23, 14, 'reset', 'reachable'],
  ['bj-1', 24, 10, 'reset', 'reachable'],
  ['bj-1', 26, 10, 'reachable', 'reachable'], // nothing on the 25th
  ['sh-1', 23, 10, 'reachable', 'timeout'],
  ['sh-1', 24, 10, 'reachable', 'reachable'],
  [undefined, 24, 12, 'reachable', 'dns-poisoned'], // a report made without --label
];

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'reachprobe-store-history-'));
  const reports = COLLECTION.map(([label, day, hour, a, b]) =>
    makeReport({
      ...(label ? { label } : {}),
      at: new Date(Date.UTC(2026, 10, day, hour)),
      targets: ['a', 'b'],
      verdictOf: (t) => (t === 'a' ? a : b),
    }),
  );
  db = await ingestReports(path.join(dir, 'reports'), reports);
}, 30_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

interface Json {
  by: string;
  buckets: string[];
  rows: Array<{
    label: string | null;
    service: string;
    target: string;
    cells: Array<{ counts: Record<string, number>; total: number } | null>;
  }>;
  compared?: { labels: string[]; differences: Array<Record<string, unknown>> };
}

async function history(...args: string[]): Promise<Json> {
  const r = await run(['history', '--db', db, '--json', ...args]);
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Json;
}

const day = (d: number) => `2026-11-${d}T00:00:00.000Z`;
const c = (counts: Record<string, number>) => ({
  counts,
  total: Object.values(counts).reduce((x, y) => x + y, 0),
});

describe('history --db', () => {
  it('--by day: every day from the first to the last, the counts per vantage point, target and day', async () => {
    const j = await history('--by', 'day');
    expect(j.buckets).toEqual([day(23), day(24), day(25), day(26)]);
    expect(j.rows.map((r) => [r.label, r.service, r.target, r.cells])).toEqual([
      ['bj-1', 'svc-0', 'a', [c({ reachable: 1, reset: 1 }), c({ reset: 1 }), null, c({ reachable: 1 })]],
      ['bj-1', 'svc-1', 'b', [c({ reachable: 2 }), c({ reachable: 1 }), null, c({ reachable: 1 })]],
      ['sh-1', 'svc-0', 'a', [c({ reachable: 1 }), c({ reachable: 1 }), null, null]],
      ['sh-1', 'svc-1', 'b', [c({ timeout: 1 }), c({ reachable: 1 }), null, null]],
      [null, 'svc-0', 'a', [null, c({ reachable: 1 }), null, null]],
      [null, 'svc-1', 'b', [null, c({ 'dns-poisoned': 1 }), null, null]],
    ]);
  });

  it('--by week (Monday to Sunday) and --by hour', async () => {
    const week = await history('--by', 'week', '--label', 'bj-1');
    expect(week.buckets).toEqual([day(23)]);
    expect(week.rows.map((r) => r.cells)).toEqual([[c({ reachable: 2, reset: 2 })], [c({ reachable: 4 })]]);
    const hour = await history('--by', 'hour', '--label', 'sh-1');
    expect(hour.buckets).toHaveLength(25); // 23rd 10:00 to 24th 10:00
    expect(hour.rows[1]!.cells[0]).toEqual(c({ timeout: 1 }));
    expect(hour.rows[1]!.cells[24]).toEqual(c({ reachable: 1 }));
    expect(hour.rows[1]!.cells.slice(1, 24)).toEqual(new Array(23).fill(null));
  });

  it('--since (inclusive) and --until (exclusive) bound the reports and the axis', async () => {
    const j = await history('--since', '2026-11-24', '--until', '2026-11-26', '--label', 'bj-1,sh-1');
    expect(j.buckets).toEqual([day(24), day(25)]);
    expect(j.rows.map((r) => [r.label, r.target, r.cells])).toEqual([
      ['bj-1', 'a', [c({ reset: 1 }), null]],
      ['bj-1', 'b', [c({ reachable: 1 }), null]],
      ['sh-1', 'a', [c({ reachable: 1 }), null]],
      ['sh-1', 'b', [c({ reachable: 1 }), null]],
    ]);
  });

  it('--compare: the two side by side, and where their most common verdicts differ', async () => {
    const j = await history('--compare', 'bj-1,sh-1');
    expect(j.rows.map((r) => `${r.target}@${r.label}`)).toEqual(['a@bj-1', 'a@sh-1', 'b@bj-1', 'b@sh-1']);
    // a: the 23rd ties 1-1 for bj-1 (reachable first) like sh-1; the 24th: reset against reachable.
    expect(j.compared!.differences).toEqual([
      {
        service: 'svc-0',
        name: 'a',
        buckets: 1,
        of: 2,
        first: day(24),
        last: day(24),
        verdicts: ['reset', 'reachable'],
      },
      {
        service: 'svc-1',
        name: 'b',
        buckets: 1,
        of: 2,
        first: day(23),
        last: day(23),
        verdicts: ['reachable', 'timeout'],
      },
    ]);
  });

  it('in the terminal: a character per day, its height the share reachable', async () => {
    const r = await run(['history', '--db', db, '--label', 'bj-1', '--no-color']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      '4 day bucket(s) (UTC) from 2026-11-23 to 2026-11-26; 1 vantage point(s), 2 target(s)',
    );
    expect(r.stdout).toMatch(/^ {2}a {2}▅▁·█ {2}50% reachable of 4; last: 1 reachable$/m);
    expect(r.stdout).toMatch(/^ {2}b {2}██·█ {2}100% reachable of 4; last: 1 reachable$/m);
    const cmp = await run(['history', '--db', db, '--compare', 'bj-1,sh-1', '--no-color']);
    expect(cmp.stdout).toContain(
      'svc-0 / a: 1 of 2 day(s), 2026-11-24: bj-1 mostly reset, sh-1 mostly reachable',
    );
  });

  it.each([
    [['--by', 'hour', '--since', '2026-01-01'], /\d+ hour buckets are too many to show \(at most 2000\)/],
    [['--compare', 'bj-1,nowhere'], /no report labelled nowhere/],
    [['--label', 'nowhere'], /no result in the store/],
    [['--since', '2026-11-25', '--until', '2026-11-24'], /--since must come before --until/],
    [['--since', 'yesterday'], /--since.*ISO date/],
    [['--compare', 'bj-1'], /--compare.*two different labels/],
    [['--last', '3'], /--last counts reports/],
  ])('%j: exit 2 with a clear message', async (args, message) => {
    const r = await run(['history', '--db', db, ...(args as string[])]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('--services: a line per vantage point and service, the state most reports of each day had', async () => {
    const r = await run(['history', '--db', db, '--by', 'day', '--services', '--no-color']);
    expect(r.status, r.stderr).toBe(0);
    // svc-0 is target a, svc-1 target b (makeReport); a tie (usable once, blocked once) reads as blocked.
    expect(r.stdout).toMatch(/^bj-1\n {2}svc-0 {2}BB·\. {2}usable in 2 of 4 report\(s\); last: usable$/m);
    expect(r.stdout).toMatch(/^ {2}svc-1 {2}\.\.·\. {2}usable in 4 of 4 report\(s\); last: usable$/m);
    expect(r.stdout).toMatch(/^sh-1\n {2}svc-0 {2}\.\.·· {2}usable in 2 of 2/m);
    expect(r.stdout).toMatch(/^ {2}svc-1 {2}B\.·· {2}usable in 1 of 2 report\(s\); last: usable$/m);
    expect(r.stdout).toContain('4 day bucket(s) (UTC) from 2026-11-23 to 2026-11-26; 2 service(s)');
    const json = JSON.parse(
      (await run(['history', '--db', db, '--services', '--json', '--label', 'bj-1'])).stdout,
    ) as { buckets: string[]; services: Array<{ label: string; service: string; cells: unknown[] }> };
    expect(json.buckets).toEqual([day(23), day(24), day(25), day(26)]);
    expect(json.services[0]).toEqual({
      label: 'bj-1',
      service: 'svc-0',
      cells: [{ usable: 1, blocked: 1 }, { blocked: 1 }, null, { usable: 1 }],
    });
    const refused = await run(['history', '--services', 'x.json']);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('--services answers from the store: give --db FILE too');
  });

  it('without --db the store options are refused, and a missing store is named', async () => {
    const r = await run(['history', path.join(dir, 'reports'), '--by', 'week']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--by answers from the store: give --db FILE too/);
    const missing = await run(['history', '--db', path.join(dir, 'nope.duckdb')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/nope\.duckdb: no such store/);
  });
});

describe('docs/store.md', () => {
  it("the example query runs on the store's tables", async () => {
    const doc = await readFile(path.join(ROOT, 'docs/store.md'), 'utf8');
    const sql = /```sql\n(-- duckdb [^]*?)```/.exec(doc)![1]!.replace("'google-search'", "'a'");
    const instance = await DuckDBInstance.create(db, { access_mode: 'READ_ONLY' });
    const c = await instance.connect();
    const rows = (await c.runAndReadAll(sql)).getRowsJS();
    c.closeSync();
    instance.closeSync();
    // As COLLECTION says: a was reset twice at bj-1, and nothing else failed.
    expect(
      rows
        .map(([label, hour, failed]) => [label, (hour as Date).toISOString(), Number(failed)])
        .filter((r) => r[2] !== 0)
        .sort(),
    ).toEqual([
      ['bj-1', '2026-11-23T14:00:00.000Z', 1],
      ['bj-1', '2026-11-24T10:00:00.000Z', 1],
    ]);
  });
});

describe.skipIf(!hasChromium)(`the bucketed page in headless Chromium${SKIPPED}`, () => {
  it('draws the buckets as the history page does: services first, then targets, each cell its bucket', async () => {
    const page = path.join(dir, 'buckets.html');
    const r = await run(['history', '--db', db, '--html', page]);
    expect(r.status, r.stderr).toBe(0);
    const dom = await chromium(page, dir, '--dump-dom');
    // 12 target cells (the non-empty cells of the --by day grid above) and 12 service cells.
    expect(dom).toContain('data-drawn="24"');
    const titles = svgTitlesIn(dom);
    expect(titles).toContain('a @bj-1, 2026-11-23: 50% reachable (1 of 2)\nreachable 1\nreset 1');
    expect(titles).toContain('b @sh-1, 2026-11-23: 0% reachable (0 of 1)\ntimeout 1');
    expect(titles).toContain('b, 2026-11-24: 0% reachable (0 of 1)\ndns-poisoned 1'); // no label
    // A service's bucket: the state most of its reports had; a tie reads as the one that says most.
    expect(titles).toContain('svc-0 @bj-1, 2026-11-23: blocked (1 of 2 report(s))\n1 usable, 1 blocked');
    expect(titles).toContain('svc-1 @bj-1, 2026-11-23: usable (2 of 2 report(s))\n2 usable');
    expect(titles.some((t) => t.includes('2026-11-25'))).toBe(false); // no report that day: no cell
    expect(titles.filter((t) => /^\d+ result\(s\)$/.test(t))).toEqual([
      '6 result(s)',
      '6 result(s)',
      '2 result(s)',
    ]);
    expect(r.stdout).toMatch(/^wrote .*buckets\.html: 4 day bucket\(s\), 6 row\(s\), \d+ kB$/m);
    // A cell ships numbers; the page writes its hover text (a year of days is tens of thousands of cells).
    expect(await readFile(page, 'utf8')).not.toContain('reachable (1 of 2)');
  }, 90_000);

  it('with --compare, lists where the two differ', async () => {
    const page = path.join(dir, 'compare.html');
    expect((await run(['history', '--db', db, '--compare', 'bj-1,sh-1', '--html', page])).status).toBe(0);
    const dom = await chromium(page, dir, '--dump-dom');
    expect(dom).toContain('<h2>Where bj-1 and sh-1 differ</h2>');
    expect(dom).toContain(
      '<li>svc-1 / b: 1 of 2 day(s), 2026-11-23: bj-1 mostly reachable, sh-1 mostly timeout</li>',
    );
    expect(dom).toContain('<th class="name">a @sh-1</th>');
    expect((await stat(page)).size).toBeLessThan(20_000);
    expect(await readFile(page, 'utf8')).not.toContain('reset 1'); // hover text is made in the page, not shipped
  }, 90_000);
});
