import type { ChalkInstance } from 'chalk';
import type { RunSummary, TargetResult } from '../../model/result.js';
import { rateText } from '../../model/transfer.js';
import type { VerdictName } from '../../model/verdict.js';
import type { TargetOutcome } from '../document/target-outcome.js';
import { servicesOf } from '../../classify/service.js';
import type { Paint } from './columns.js';
import { fitColumns, wrapWords, type Fitted } from './fit.js';
import { serviceLine } from './service-line.js';

// The table people read: targets grouped by service under a line with the service's verdict, one
// line each, the reason in words; fitted to a terminal's width when given one (fit.ts says how).

export function paintFor(chalk: ChalkInstance, verdict: VerdictName): Paint {
  switch (verdict) {
    case 'reachable':
    case 'connected':
      return chalk.green;
    case 'dns-poisoned':
    case 'throttled':
    case 'reset':
    case 'timeout':
    case 'closed':
    case 'cert-invalid':
    case 'http-diff':
      return chalk.red;
    case 'down':
    case 'vantage-offline':
    case 'unreachable':
    case 'error':
      return chalk.magenta;
    default:
      return chalk.yellow;
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;

export function where(r: Pick<TargetResult, 'stage' | 'failure'>): string {
  if (!r.stage) return '';
  return r.failure ? `${r.stage}: ${r.failure}` : r.stage;
}

function groupByService(results: TargetResult[]): Map<string, TargetResult[]> {
  const groups = new Map<string, TargetResult[]>();
  for (const r of results) {
    const group = groups.get(r.service);
    if (group) group.push(r);
    else groups.set(r.service, [r]);
  }
  return groups;
}

/** The reason, with the DNS signals that did not decide the verdict but a reader should know of. */
function reasonCell(r: TargetResult): string {
  const deciding = r.verdict === 'dns-poisoned' || r.verdict === 'dns-nxdomain';
  const signals = deciding
    ? []
    : (r.dns_heuristics ?? []).map((h) => (h.strong ? h.name : `${h.name} (weak)`));
  return signals.length > 0 ? `${r.reason} [DNS signals: ${signals.join(', ')}]` : r.reason;
}

/** What the block is keyed on, in words a reader outside the field follows. */
export const BLOCKED_BY_WORDS = {
  ip: "blocked by the server's address",
  sni: 'blocked by the name (TLS SNI)',
  host: 'blocked by the Host header',
  unknown: 'blocked, cause unknown',
} as const;

function blockedByCell(r: TargetResult): string {
  const by = r['blocked-by'];
  const words = by ? BLOCKED_BY_WORDS[by] : '';
  return r.flags?.includes('possibly-residual') ? `${words} (maybe residual)`.trim() : words;
}

/** OONI's `blocking`, as the comparison with the helper decided it (nothing without a control). */
const blockingCell = (r: TargetResult) =>
  r.blocking === null || r.blocking === undefined ? '' : `blocking=${r.blocking}`;

/** The verdict, what was measured when the run's context replaced it, and the QUIC verdict (diff, history). */
export function verdictCell(
  r: Pick<TargetResult, 'verdict' | 'measured_verdict'> & { quic_verdict?: string },
): string {
  const main = r.measured_verdict ? `${r.verdict} (${r.measured_verdict})` : r.verdict;
  return r.quic_verdict ? `${main}, quic ${r.quic_verdict}` : main;
}

/**
 * A target's outcome in diff and history: the verdict cell, and OONI's blocking where a control
 * found a block (`false` adds nothing a verdict does not say: reachable, or down from abroad too).
 */
export const outcomeCell = (o: TargetOutcome): string =>
  o.blocking ? `${verdictCell(o)}, blocking ${o.blocking}` : verdictCell(o);

/** A slow page's rate beside its verdict ("reachable at 295 kbit/s"): a page that comes is not always usable. */
function rated(r: TargetResult, cell: string): string {
  const t = r.throughput;
  return t?.slow && t.end !== 'frozen' ? `${cell} at ${rateText(t.rate_bytes_per_second)}` : cell;
}

/** "6 dns-poisoned, 5 reachable": the most frequent verdict first. */
export function countsText(counts: RunSummary['counts']): string {
  return Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .map(([verdict, n]) => `${n} ${verdict}`)
    .join(', ');
}

function summaryText(s: RunSummary): string {
  return `${s.targets} targets in ${seconds(s.duration_ms)}: ${countsText(s.counts)}; vantage ${s.vantage}`;
}

/** OONI's values expected and got, for a target whose verdict was as expected but not its blocking or accessible. */
function ooniValues(r: TargetResult): [string, string] {
  const show = (blocking: unknown, accessible: unknown) =>
    `blocking=${String(blocking)} accessible=${String(accessible)}`;
  return [
    show(r.expect_blocking ?? r.blocking, r.expect_accessible ?? r.accessible),
    show(r.blocking, r.accessible),
  ];
}

/** The targets (and their QUIC sides) that missed what they expected: name, expected, got, why. */
function missedRows(results: TargetResult[]): string[][] {
  return results.flatMap((r) => {
    const q = r.quic;
    const quicMissed = q !== undefined && r.expect_quic !== undefined && q.verdict !== r.expect_quic;
    const rows: string[][] = [];
    // Missed over TCP (its verdict, or `expect_blocking`), unless the QUIC side alone missed.
    if (r.expect !== undefined && r.verdict !== r.expect) rows.push([r.name, r.expect, r.verdict, r.reason]);
    else if (!quicMissed && (r.expect_blocking !== undefined || r.expect_accessible !== undefined))
      rows.push([r.name, ...ooniValues(r), r.reason]);
    if (quicMissed) rows.push([`${r.name} (quic)`, r.expect_quic!, q.verdict, q.reason]);
    return rows;
  });
}

function mismatches(results: TargetResult[], chalk: ChalkInstance, width?: number): string[] {
  const missed = missedRows(results.filter((r) => !r.expect_met));
  if (missed.length === 0) return [];
  const names = ['TARGET', 'EXPECTED', 'GOT', 'WHY'];
  const rows = [names, ...missed];
  const paints = rows.map((_, i) =>
    i === 0 ? [chalk.bold, chalk.bold, chalk.bold, chalk.bold] : [undefined, chalk.green, chalk.red],
  );
  const fitted = fitColumns(rows, paints, { width, names, dropOrder: [] });
  return ['', chalk.bold(`${missed.length} target(s) did not meet their expect:`), ...fitted.rows.flat()];
}

interface Layout {
  withExpect: boolean;
  withControl: boolean;
  withAttribution: boolean;
}

/** The target's QUIC handshake, on a line of its own under the target's. */
function quicRow(
  r: TargetResult,
  layout: Layout,
  chalk: ChalkInstance,
): { cells: string[]; paints: Array<Paint | undefined> } | undefined {
  const q = r.quic;
  if (!q) return undefined;
  const expected =
    r.expect_quic === undefined
      ? ''
      : q.verdict === r.expect_quic
        ? 'as expected'
        : `expected ${r.expect_quic}`;
  const by = q['blocked-by'] ? BLOCKED_BY_WORDS[q['blocked-by']] : '';
  const cells = [
    '    quic',
    q.verdict,
    ...(layout.withExpect ? [expected] : []),
    q.failure ? `quic_handshake: ${q.failure}` : '',
    ...(layout.withControl ? [''] : []),
    ...(layout.withAttribution
      ? [q.flags?.includes('possibly-residual') ? `${by} (maybe residual)`.trim() : by]
      : []),
    seconds(q.timings.total_ms),
    q.reason,
  ];
  const paint = q.verdict === 'not-offered' ? chalk.dim : paintFor(chalk, q.verdict);
  const met = r.expect_quic === undefined || q.verdict === r.expect_quic;
  return {
    cells,
    paints: [
      chalk.dim,
      paint,
      ...(layout.withExpect ? [met ? chalk.dim : chalk.red] : []),
      chalk.dim,
      ...(layout.withControl ? [undefined] : []),
      ...(layout.withAttribution ? [chalk.cyan] : []),
      chalk.dim,
    ],
  };
}

export interface TableOptions {
  /** The terminal's width, to fit every line to; undefined (piped output, --wide): whole lines. */
  width?: number;
}

/**
 * The columns a narrow terminal leaves out first: the least useful to the question "is it blocked?".
 * The first three may go to keep reasons on their rows (the service's line says how it is blocked).
 */
const DROP_ORDER = ['time', 'expect', 'blocking', 'stage', 'blocked by'];
const INLINE_DROPS = 3;

/** "(to fit 80 columns: left out time, expect; reasons shortened; --wide prints everything)" */
function fitNote(fitted: Fitted, width: number | undefined): string[] {
  if (width === undefined || (fitted.dropped.length === 0 && !fitted.shortened)) return [];
  const parts = [
    ...(fitted.dropped.length > 0 ? [`left out ${fitted.dropped.join(', ')}`] : []),
    ...(fitted.shortened ? ['reasons shortened'] : []),
  ];
  return wrapWords(`(to fit ${width} columns: ${parts.join('; ')}; --wide prints everything)`, width);
}

export function renderTable(
  results: TargetResult[],
  summary: RunSummary,
  chalk: ChalkInstance,
  { width }: TableOptions = {},
): string {
  const withExpect = results.some((r) => r.expect !== undefined || r.expect_quic !== undefined);
  const withAttribution = results.some(
    (r) => r['blocked-by'] !== undefined || r.flags !== undefined || r.quic?.['blocked-by'] !== undefined,
  );
  const withControl = results.some((r) => r.blocking !== null && r.blocking !== undefined);
  const layout = { withExpect, withControl, withAttribution };
  const groups = [...groupByService(results)];
  const ordered = groups.flatMap(([, group]) => group);
  const quic = ordered.map((r) => quicRow(r, layout, chalk));
  const mainRows = ordered.map((r) => [
    `  ${r.name}`,
    rated(r, verdictCell(r)),
    ...(withExpect
      ? [r.expect === undefined ? '' : r.expect_met ? 'as expected' : `expected ${r.expect}`]
      : []),
    where(r),
    ...(withControl ? [blockingCell(r)] : []),
    ...(withAttribution ? [blockedByCell(r)] : []),
    seconds(r.timings.chain_ms),
    reasonCell(r),
  ]);
  const mainPaints = ordered.map((r) => [
    undefined,
    paintFor(chalk, r.verdict),
    ...(withExpect ? [r.expect_met ? chalk.dim : chalk.red] : []),
    chalk.dim,
    ...(withControl ? [r.blocking === false ? chalk.dim : chalk.red] : []),
    ...(withAttribution ? [chalk.cyan] : []),
    chalk.dim,
  ]);
  // One set of column widths for the whole table (QUIC lines included); a service's name heads its rows.
  const rows = mainRows.flatMap((row, i) => [row, ...(quic[i] ? [quic[i].cells] : [])]);
  const paints = mainPaints.flatMap((p, i) => [p, ...(quic[i] ? [quic[i].paints] : [])]);
  const names = [
    'target',
    'verdict',
    ...(withExpect ? ['expect'] : []),
    'stage',
    ...(withControl ? ['blocking'] : []),
    ...(withAttribution ? ['blocked by'] : []),
    'time',
    'reason',
  ];
  const present = (list: string[]) => list.map((n) => names.indexOf(n)).filter((i) => i >= 0);
  const dropOrder = present(DROP_ORDER);
  const inlineDrops = present(DROP_ORDER.slice(0, INLINE_DROPS)).length;
  const fitted = fitColumns(rows, paints, { width, names, dropOrder, inlineDrops });
  const verdicts = new Map((summary.services ?? servicesOf(results)).map((v) => [v.service, v]));
  const lines: string[] = [];
  let next = 0;
  for (const [service, group] of groups) {
    const count = group.length + group.filter((r) => r.quic).length;
    lines.push(serviceLine(service, verdicts.get(service), chalk, width));
    for (const row of fitted.rows.slice(next, next + count)) lines.push(...row);
    next += count;
  }
  for (const line of fitNote(fitted, width)) lines.push(chalk.dim(line));
  for (const line of mismatches(results, chalk, width)) lines.push(line);
  return `${[...lines, ...endLines(summary, chalk, width)].join('\n')}\n`;
}

/** The run's counts and its notes, under every table (broken between words to fit `width`). */
export function endLines(summary: RunSummary, chalk: ChalkInstance, width?: number): string[] {
  return [
    '',
    ...wrapWords(summaryText(summary), width).map((line) => chalk.bold(line)),
    ...summary.notes.flatMap((n) => wrapWords(`note: ${n}`, width, 6).map((line) => chalk.yellow(line))),
  ];
}
