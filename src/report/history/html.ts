import { rateText } from '../../model/transfer.js';
import { SERVICE_STATES, type ServiceState } from '../../model/service.js';
import type { VerdictName } from '../../model/verdict.js';
import { rowName, verdictsIn, type Column, type ServiceOutcome, type Timeline } from './history.js';
import type { TargetOutcome } from '../document/target-outcome.js';
import { PAGE_SCRIPT, PAGE_STYLE } from './page.js';
import { renderPage } from '../html/page-shell.js';
import { BLOCKED_BY_WORDS, countsText, outcomeCell, where } from '../terminal/table.js';
import { STATE_COLOR, VERDICT_COLOR } from '../terminal/verdict-style.js';
import { shortTime, span } from '../terminal/words.js';

export { scriptSafeJson } from '../html/page-shell.js';

// `reachprobe history --html`: one page, nothing fetched, no report text parsed as HTML (page-shell.ts).
// Drawn by Observable Plot (inlined: plot-library.ts) on a time axis: a cell spans from its report's
// start to the next report of its vantage point, so an hour of reports and a year of them both read.

/** Where a cell sits on the time axis, and its hover text. */
interface Span {
  x1: string;
  x2: string;
  title: string;
}

/** What the page's script draws; every text is ready to show. */
export interface PageData {
  heading: string;
  reports: Array<{ at: string; label: string; title: string; partial: boolean }>;
  /** A row per service (and vantage point), first. */
  services: Array<{ name: string; cells: Array<(Span & { state: ServiceState }) | null> }>;
  /** A row per target, shown on demand. */
  rows: Array<{ service: string; name: string; cells: Array<(Span & { verdict: VerdictName }) | null> }>;
  states: Array<{ name: ServiceState; color: string }>;
  verdicts: Array<{ name: VerdictName; color: string }>;
}

/** When there is no next report to end a cell: an hour. */
const LONE_REPORT_MS = 3_600_000;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/**
 * Where each report's cells end for a row of vantage point `label` (undefined: every report): at
 * the next report of that vantage point, at most twice the usual pause (a long gap shows as a gap).
 */
export function cellEnds(cols: Column[], label: string | undefined): string[] {
  const own = cols.flatMap((c, i) => (label === undefined || c.label === label ? [i] : []));
  const at = (i: number) => Date.parse(cols[i]!.started_at);
  const usual =
    median(
      own
        .slice(1)
        .map((i, k) => at(i) - at(own[k]!))
        .filter((g) => g > 0),
    ) || LONE_REPORT_MS;
  const ends = cols.map((_, i) => at(i) + usual);
  own.forEach((i, k) => {
    const next = own[k + 1];
    if (next !== undefined) ends[i] = Math.min(at(next), at(i) + 2 * usual);
  });
  return ends.map((t) => new Date(t).toISOString());
}

function reportTitle(c: Column): string {
  const after =
    c.after_ms === undefined
      ? []
      : [`${span(c.after_ms)} after the previous report${c.long_gap ? ' (over twice the usual pause)' : ''}`];
  const partial = c.partial ? ['partial: the run was interrupted'] : [];
  return [
    c.file,
    `started ${shortTime(c.started_at)}`,
    ...after,
    ...partial,
    `${c.targets} targets: ${countsText(c.counts)}`,
  ].join('\n');
}

/** The hover text of a target's cell: when, what, where, why. */
function cellTitle(name: string, c: Column, o: TargetOutcome): string {
  const by = o['blocked-by'];
  return [
    `${name} at ${shortTime(c.started_at)}`,
    outcomeCell(o),
    ...(o.stage ? [where(o)] : []),
    ...(by ? [BLOCKED_BY_WORDS[by]] : []),
    ...(o.rate_bytes_per_second !== undefined ? [`transfer at ${rateText(o.rate_bytes_per_second)}`] : []),
    o.reason,
  ].join('\n');
}

/** The hover text of a service's cell: when, its state, and the sentence that says why. */
const stateTitle = (name: string, c: Column, o: ServiceOutcome): string =>
  [`${name} at ${shortTime(c.started_at)}`, o.state, o.reason].join('\n');

export function pageData(timeline: Timeline): PageData {
  const cols = timeline.columns;
  const ends = new Map<string | undefined, string[]>();
  const endsOf = (label: string | undefined) =>
    ends.get(label) ?? ends.set(label, cellEnds(cols, label)).get(label)!;
  const spanOf = (label: string | undefined, i: number, title: string): Span => ({
    x1: cols[i]!.started_at,
    x2: endsOf(label)[i]!,
    title,
  });
  return {
    heading:
      `${cols.length} report(s) from ${shortTime(cols[0]!.started_at)} ` +
      `to ${shortTime(cols.at(-1)!.started_at)}; ${timeline.services.length} service row(s), ` +
      `${timeline.rows.length} target row(s)`,
    reports: cols.map((c) => ({
      at: c.started_at,
      label: `${shortTime(c.started_at)}${c.label === undefined ? '' : ` @${c.label}`}${c.partial ? ' (partial)' : ''}`,
      title: reportTitle(c),
      partial: c.partial,
    })),
    services: timeline.services.map((s) => ({
      name: rowName(s),
      cells: s.cells.map((o, i) =>
        o ? { state: o.state, ...spanOf(s.label, i, stateTitle(rowName(s), cols[i]!, o)) } : null,
      ),
    })),
    rows: timeline.rows.map((r) => ({
      service: r.service,
      name: rowName(r),
      cells: r.cells.map((o, i) =>
        o ? { verdict: o.verdict, ...spanOf(r.label, i, cellTitle(rowName(r), cols[i]!, o)) } : null,
      ),
    })),
    states: SERVICE_STATES.map((name) => ({ name, color: STATE_COLOR[name] })),
    verdicts: verdictsIn(timeline).map((v) => ({
      name: v,
      color: VERDICT_COLOR[v],
    })),
  };
}

/**
 * The history page; `libraries`: Plot and d3, inlined. `data` is PageData, or another form that `expand`
 * (a script run first) turns into it: the store's compact buckets (buckets/plot.ts).
 */
export function renderPlotPage(data: unknown, libraries: string[], expand = ''): string {
  return renderPage({
    style: PAGE_STYLE,
    body:
      '<div id="services" class="plot"></div>\n' +
      '<pre id="evidence">Click a cell for its evidence; hover for the same in a tooltip.</pre>\n' +
      '<details id="targets"><summary>Targets</summary><div class="plot"></div></details>',
    data,
    script: expand + PAGE_SCRIPT,
    libraries,
  });
}

export const renderHistoryHtml = (timeline: Timeline, libraries: string[]): string =>
  renderPlotPage(pageData(timeline), libraries);
