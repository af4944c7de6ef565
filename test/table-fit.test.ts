// The check table fitted to a terminal's width (renderTable's `width`), on results made up here: no
// line longer than the width, the reason shortened or on a line of its own, columns left out only
// when needed and named in a note, and a line per service with its verdict.
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import type { RunSummary, TargetResult } from '../src/model/result.js';
import type { ServiceVerdict } from '../src/model/service.js';
import { fitColumns, MIN_REASON } from '../src/report/terminal/fit.js';
import { FULL_TABLE_TARGETS, RunTable } from '../src/report/terminal/run-table.js';
import { renderTable } from '../src/report/terminal/table.js';

const plain = new Chalk({ level: 0 });
const LONG =
  'the connection to 127.0.0.1:443 was reset after the TLS ClientHello (SNI gd2.line.naver.jp) (all 3 tries); ' +
  'the helper abroad completed the handshake with the same address: a reset by SNI, as the GFW does';

function result(name: string, service: string, verdict: TargetResult['verdict'], extra = {}): TargetResult {
  return {
    name,
    service,
    verdict,
    reason: verdict === 'reachable' ? 'HTTP 200 over TLS with a valid certificate' : LONG,
    blocking: verdict === 'reachable' ? false : 'http-failure',
    timings: { chain_ms: 1234 },
    expect: verdict,
    expect_met: true,
    ...(verdict === 'reset' && { stage: 'tls_handshake', failure: 'connection_reset', 'blocked-by': 'sni' }),
    ...extra,
  } as TargetResult;
}

const results = [
  result('line-www', 'LINE', 'reachable'),
  result('line-gd2', 'LINE', 'reset'),
  result('flickr-www', 'Flickr', 'reset'),
];
const summary = {
  targets: 3,
  duration_ms: 2000,
  counts: { reset: 2, reachable: 1 },
  vantage: 'online',
  notes: [],
};
const table = (width?: number, s: Partial<RunSummary> = {}) =>
  renderTable(results, { ...summary, ...s } as unknown as RunSummary, plain, { width })
    .trimEnd()
    .split('\n');
const longest = (lines: string[]) => Math.max(...lines.map((l) => [...l].length));

describe('the check table, fitted to a width', () => {
  it('without a width prints whole lines, for grep', () => {
    const lines = table();
    expect(lines.some((l) => l.endsWith(LONG))).toBe(true);
    expect(lines.join('\n')).not.toMatch(/…|to fit/);
  });

  it.each([200, 120, 100, 80, 60, 30])('at %i columns no line is longer', (width) => {
    const lines = table(width);
    expect(longest(lines)).toBeLessThanOrEqual(width);
    // Never wrapped mid-column: each target's name and verdict share its line.
    expect(lines.some((l) => /^ {2}line-gd2 +reset\b/.test(l))).toBe(true);
  });

  it('heads each service with its verdict, from the summary when it has them', () => {
    expect(table()).toContain('LINE — partly blocked: line-gd2 (reset by SNI)');
    expect(table()).toContain('Flickr — blocked: reset by SNI');
    const services = [{ service: 'LINE', state: 'down', how: [], blocked_endpoints: [], counts: {} }];
    const lines = table(undefined, { services: services as unknown as ServiceVerdict[] });
    expect(lines).toContain('LINE — down (fails from abroad too)');
  });

  it('shortens the heading of a service to the width', () => {
    expect(table(30)).toContain('LINE — partly blocked: line-g…');
  });

  it('shortens the reason on its row while enough of it is left, keeping the columns', () => {
    const lines = table(200);
    const row = lines.find((l) => l.startsWith('  line-gd2'))!;
    expect(row).toMatch(
      /as expected +tls_handshake: connection_reset +blocking=http-failure +blocked by the name/,
    );
    expect(row).toMatch(/1\.23 s {2}the connection .*…$/);
    expect(lines.at(-3)).toBe('(to fit 200 columns: reasons shortened; --wide prints everything)');
  });

  it('puts the reason on an indented line of its own when its row leaves too little room', () => {
    const lines = table(100);
    const at = lines.findIndex((l) => l.startsWith('  line-gd2'));
    expect(lines[at + 1]).toMatch(/^ {4}the connection to 127\.0\.0\.1:443 .*…$/);
    expect(lines[at]).toMatch(/blocked by the name \(TLS SNI\)$/);
    expect(lines.join('\n')).toMatch(
      /\(to fit 100 columns: left out time, expect, blocking; reasons shortened;/,
    );
  });

  it('leaves out the least useful columns first, name and verdict last of all', () => {
    const lines = table(60);
    const row = lines.find((l) => l.startsWith('  line-gd2'))!;
    expect(row).toMatch(/^ {2}line-gd2 +reset +blocked by the name \(TLS SNI\)$/);
    expect(lines.join(' ')).toMatch(/left out time, expect, blocking, stage;/);
  });
});

describe('the table of a large run, fitted to a width', () => {
  it('its targets not reached and its counts fit too', () => {
    const table = new RunTable();
    for (let i = 0; i <= FULL_TABLE_TARGETS; i++) table.add(result(`t${i}`, 'LINE', 'reset'), i);
    const text = table.render({ ...summary, notes: [LONG] } as unknown as RunSummary, plain, { width: 80 });
    const lines = text.trimEnd().split('\n');
    expect(longest(lines)).toBeLessThanOrEqual(80);
    expect(lines.some((l) => /^ {2}t0 +reset +the connection .*…$/.test(l))).toBe(true);
    expect(lines.filter((l) => l.startsWith('note: the connection'))).toHaveLength(1);
  });
});

describe('fitColumns', () => {
  const rows = [
    ['a', 'x'.repeat(10), 'r'.repeat(100)],
    ['bb', 'y', ''],
  ];
  const fit = (width: number) => fitColumns(rows, [], { width, names: ['n', 'v', 'reason'], dropOrder: [1] });

  it('keeps the reason inline, shortened, while MIN_REASON characters fit', () => {
    const width = 14 + MIN_REASON;
    expect(fit(width).rows.map((r) => r.length)).toEqual([1, 1]);
    expect(fit(width).rows[0]![0]).toHaveLength(width);
    expect(fit(width).rows[0]![0]!.endsWith('r…')).toBe(true);
  });

  it('first leaves out a column to keep the reason inline, then moves the reason to its own line', () => {
    expect(fit(4 + MIN_REASON)).toMatchObject({ dropped: ['v'], shortened: true });
    const own = fit(3 + MIN_REASON);
    expect(own.rows[0]).toEqual(['a   xxxxxxxxxx', `  ${'r'.repeat(MIN_REASON)}…`]);
    expect(own.rows[1]).toEqual(['bb  y']);
  });
});
