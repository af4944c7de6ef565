import { Chalk } from 'chalk';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildTimeline, digestOf } from '../src/report/history/history.js';
import { cellEnds, pageData, renderHistoryHtml, scriptSafeJson } from '../src/report/history/html.js';
import { plotLibraries } from '../src/report/html/plot-library.js';
import { renderHistory } from '../src/report/history/text.js';
import { reportOf, type Line } from './helpers/reports.js';

const at = (minute: number) => new Date(Date.UTC(2026, 10, 23, 12, minute)).toISOString();
const timelineOf = (reports: Array<[minute: number, lines: Line[]]>, last?: number) =>
  buildTimeline(
    reports.map(([m, lines]) => digestOf(reportOf(lines, at(m), `r${m}.json`))),
    last,
  );
const plain = new Chalk({ level: 0 });

describe('buildTimeline', () => {
  it('orders the reports by start time, whatever order they came in', () => {
    const t = timelineOf([
      [20, [['a', 'reset']]],
      [0, [['a', 'reachable']]],
      [10, [['a', 'timeout']]],
    ]);
    expect(t.columns.map((c) => c.file)).toEqual(['r0.json', 'r10.json', 'r20.json']);
    expect(t.rows[0]!.cells.map((c) => c?.verdict)).toEqual(['reachable', 'timeout', 'reset']);
  });

  it(
    'one row per target, grouped by service in the order they first appear; a report without the ' +
      'target leaves a hole',
    () => {
      const t = timelineOf([
        [
          0,
          [
            ['a', 'reachable', { service: 'X' }],
            ['b', 'reset', { service: 'Y' }],
          ],
        ],
        [
          5,
          [
            ['c', 'timeout', { service: 'X' }],
            ['b', 'reset', { service: 'Y' }],
          ],
        ],
      ]);
      expect(t.rows.map((r) => [r.service, r.name, r.cells.map((c) => c?.verdict ?? null)])).toEqual([
        ['X', 'a', ['reachable', null]],
        ['X', 'c', [null, 'timeout']],
        ['Y', 'b', ['reset', 'reset']],
      ]);
    },
  );

  it.each<[string, number[], boolean[]]>([
    ['regular reports: no gap', [0, 5, 10, 15], [false, false, false, false]],
    ['a pause over twice the usual one is marked', [0, 5, 10, 40, 45], [false, false, false, true, false]],
    ['exactly twice is not', [0, 5, 10, 20], [false, false, false, false]],
  ])('%s', (_, minutes, gaps) => {
    const t = timelineOf(minutes.map((m) => [m, [['a', 'reachable']]]));
    expect(t.columns.map((c) => c.long_gap)).toEqual(gaps);
    expect(t.columns.map((c) => c.after_ms)).toEqual(
      minutes.map((m, i) => (i === 0 ? undefined : (m - minutes[i - 1]!) * 60_000)),
    );
  });

  it('--last keeps the most recent reports, and only their targets', () => {
    const t = timelineOf(
      [
        [0, [['old', 'reset']]],
        [5, [['a', 'reachable']]],
        [10, [['a', 'timeout']]],
      ],
      2,
    );
    expect(t.columns.map((c) => c.file)).toEqual(['r5.json', 'r10.json']);
    expect(t.rows.map((r) => r.name)).toEqual(['a']);
  });

  it('counts the verdicts of each report', () => {
    const t = timelineOf([
      [
        0,
        [
          ['a', 'reset'],
          ['b', 'reset'],
          ['c', 'reachable'],
        ],
      ],
    ]);
    expect(t.columns[0]).toMatchObject({ targets: 3, counts: { reset: 2, reachable: 1 }, partial: false });
  });
});

describe('renderHistory (terminal)', () => {
  const t = timelineOf([
    [
      0,
      [
        ['a', 'reachable', { service: 'Svc' }],
        ['gone', 'reset', { service: 'Svc' }],
      ],
    ],
    [5, [['a', 'reset', { service: 'Svc' }]]],
    [10, [['a', 'reset', { service: 'Svc' }]]],
    [60, [['a', 'dns-poisoned', { service: 'Svc' }]]],
  ]);
  const text = renderHistory(t, plain);

  it('lists the reports in time order, with the pause since the previous one and the counts', () => {
    expect(text).toMatch(/^ {2}1 +2026-11-23 12:00:00Z +2 +1 reachable, 1 reset +r0\.json$/m);
    expect(text).toMatch(/^ {2}4 +2026-11-23 13:00:00Z +\+50m00s ¦ +1 +1 dns-poisoned +r60\.json$/m);
  });

  it('a line per service and per target: a character per report, a mark before a long pause, the last state', () => {
    expect(text).toMatch(
      /^Svc +pBB¦B +blocked\n {2}a +\.RR¦P +dns-poisoned\n {2}gone +R {2}¦ {3}\(not in the last report\)$/m,
    );
    expect(text).toMatch(/^ +123¦4 +LAST$/m);
  });

  it('a legend of the verdicts shown, and only those', () => {
    expect(text).toContain(
      'legend: . reachable  P dns-poisoned  R reset  (blank) not in that report  ¦ a pause over twice',
    );
    expect(text).not.toContain('timeout');
    expect(
      renderHistory(
        timelineOf([
          [0, [['a', 'reset']]],
          [5, [['a', 'reset']]],
        ]),
        plain,
      ),
    ).toMatch(/legend: R reset {2}\(blank\) not in that report\n$/);
    expect(text).toContain(
      'services: . usable  p partly blocked  B blocked  S throttled  W down  ? unknown\n',
    );
  });

  it('control characters from a report do not reach the terminal', () => {
    const hostile = renderHistory(timelineOf([[0, [['evil\x1b[2Jname', 'reachable']]]]), plain);
    expect(hostile).toContain('evil?[2Jname');
    expect(hostile).not.toContain('\x1b');
  });
});

describe('renderHistoryHtml', () => {
  const hostile = '</script><img src=x onerror=alert(1)><!--';
  const t = timelineOf([
    [0, [['a', 'reachable']]],
    [
      5,
      [
        [
          'a',
          'reset',
          { stage: 'tls_handshake', failure: 'connection_reset', 'blocked-by': 'sni', reason: hostile },
        ],
      ],
    ],
  ]);
  let page: string;
  beforeAll(async () => {
    page = renderHistoryHtml(t, await plotLibraries());
  });

  it('forbids itself every fetch, and loads nothing', () => {
    expect(page).toContain(
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ` +
        `'unsafe-inline'; script-src 'unsafe-inline';`,
    );
    const markup = page.replace(/<script[^>]*>[^]*?<\/script>/g, '');
    expect(markup).not.toMatch(/\b(src|href)=/);
    // Plot and d3 inlined, so the page draws offline; their size (about 490 kB) is the page's most.
    expect(page).toContain('// @observablehq/plot v0.6.17');
    expect(page.length).toBeGreaterThan(480_000);
    expect(page.length).toBeLessThan(560_000);
  });

  it('report text travels only as escaped JSON: no tag of it reaches the page', () => {
    expect(page).not.toContain('<img');
    expect(page).not.toContain('<!--');
    expect(page.match(/<\/script>/g)).toHaveLength(4); // the data's, d3's, Plot's and the script's own
    const json = /<script type="application\/json" id="data">(.*)<\/script>/.exec(page)![1]!;
    expect(JSON.parse(json)).toEqual(pageData(t));
  });

  it('a cell says when, what, where, what the block is keyed on, and why', () => {
    expect(pageData(t).rows[0]!.cells[1]!.title).toBe(
      `a at 2026-11-23 12:05:00Z\nreset\ntls_handshake: connection_reset\nblocked by the name (TLS SNI)\n${hostile}`,
    );
  });

  it('columns are labelled with their start time; a partial report says so', () => {
    const partial = buildTimeline([digestOf(reportOf([['a', 'reachable']], at(0), 'p.json', true))]);
    expect(pageData(partial).reports[0]).toMatchObject({
      label: '2026-11-23 12:00:00Z (partial)',
      partial: true,
    });
    expect(pageData(partial).reports[0]!.title).toContain('partial: the run was interrupted');
  });

  it('a cell spans to the next report of its vantage point, at most twice the usual pause', () => {
    const labelled = (minute: number, label: string) => {
      const r = reportOf([['a', 'reachable']], at(minute), `${label}${minute}.json`);
      r.doc.vantage_point = { label } as NonNullable<typeof r.doc.vantage_point>;
      return digestOf(r);
    };
    const cols = buildTimeline(
      [0, 10, 20, 60].map((m) => labelled(m, 'bj')).concat(labelled(5, 'sh')),
    ).columns;
    // bj at 0, 10, 20, 60 (a long pause), sh at 5 only (an hour: no pause to go by).
    expect(cellEnds(cols, 'bj').filter((_, i) => cols[i]!.label === 'bj')).toEqual([
      at(10),
      at(20),
      at(40),
      at(70),
    ]);
    expect(cellEnds(cols, 'sh')[1]).toBe(at(65));
    expect(cellEnds(cols, undefined)[0]).toBe(at(5));
  });

  it.each([
    ['<', '\\u003c'],
    ['>', '\\u003e'],
    ['&', '\\u0026'],
    ['\u2028', '\\u2028'],
  ])('scriptSafeJson escapes %j', (raw, escaped) => {
    expect(scriptSafeJson({ s: `x${raw}y` })).toBe(`{"s":"x${escaped}y"}`);
  });
});

describe('the look of each verdict', () => {
  it('no two verdicts share a character or a colour', async () => {
    const { VERDICT_COLOR, VERDICT_SYMBOL, ABSENT_SYMBOL } =
      await import('../src/report/terminal/verdict-style.js');
    const symbols = [...Object.values(VERDICT_SYMBOL), ABSENT_SYMBOL];
    expect(new Set(symbols).size).toBe(symbols.length);
    expect(new Set(Object.values(VERDICT_COLOR)).size).toBe(Object.values(VERDICT_COLOR).length);
  });
});
