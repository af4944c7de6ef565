import { SERVICE_STATES } from '../../model/service.js';
import { VERDICT_NAMES, type VerdictName } from '../../model/verdict.js';
import { isSuccess } from '../../classify/run.js';
import { STATE_COLOR, VERDICT_COLOR } from '../terminal/verdict-style.js';
import { UNLABELLED } from '../history/events.js';
import { bucketEnd, mostCommon, type Grid } from './buckets.js';
import { ratesOf, type RateMark } from './html.js';
import { mostCommonState, type ServiceGrid } from './services.js';
import { bucketName, headline, labelName } from './text.js';

// `history --db --html`: the store's buckets on the history page (history/html.ts, drawn by Observable
// Plot): a row per service and vantage point coloured by the state most of a bucket's reports had,
// then the targets by their most common verdict, a cell spanning its bucket. A year of day buckets
// is tens of thousands of cells, so a cell carries only numbers (what it shows, then each state's or
// verdict's count) and the page's script (page.ts, BUCKET_EXPAND) makes the hover text: the page's
// size is set by rows x buckets, never by how many reports the store holds.

/** A cell: the index of what it shows, then [index, count] pairs, the most frequent first; 0: none. */
type Counted = number[] | 0;

export interface BucketPlotData {
  heading: string;
  /** Each bucket's start, then the end of the last one (ISO). */
  axis: string[];
  /** Each bucket's name, for the hover text. */
  buckets: string[];
  /** Results in each bucket (a tick on the axis where any). */
  totals: number[];
  states: Array<{ name: string; color: string }>;
  verdicts: Array<{ name: VerdictName; color: string }>;
  /** Indexes into `verdicts` of the verdicts that count as reachable. */
  success: number[];
  services: Array<{ name: string; cells: Counted[] }>;
  rows: Array<{ service: string; name: string; cells: Counted[]; rates?: Array<RateMark | 0> }>;
}

const rowTitle = (name: string, label: string | null) =>
  label === null || label === UNLABELLED ? name : `${name} @${labelName(label)}`;

function counted(counts: Partial<Record<string, number>>, shown: string, names: readonly string[]): Counted {
  const pairs = names.flatMap((name, i) => (counts[name] ? [[i, counts[name]]] : []));
  return [names.indexOf(shown), ...pairs.sort((a, b) => b[1]! - a[1]!).flat()];
}

export function bucketPlotData(grid: Grid, services: ServiceGrid): BucketPlotData {
  const used = new Set(grid.rows.flatMap((r) => r.cells.flatMap((c) => (c ? Object.keys(c.counts) : []))));
  const verdicts = VERDICT_NAMES.filter((v) => used.has(v));
  return {
    heading: `${headline(grid)}; ${services.rows.length} service row(s)`,
    axis: [...grid.starts, bucketEnd(grid.starts.at(-1)!, grid.by)],
    buckets: grid.starts.map((s) => bucketName(s, grid.by)),
    totals: grid.starts.map((_, i) => grid.rows.reduce((n, r) => n + (r.cells[i]?.total ?? 0), 0)),
    states: SERVICE_STATES.map((name) => ({ name, color: STATE_COLOR[name] })),
    verdicts: verdicts.map((name) => ({ name, color: VERDICT_COLOR[name] })),
    success: verdicts.flatMap((v, i) => (isSuccess(v) ? [i] : [])),
    services: services.rows.map((r) => ({
      name: rowTitle(r.service, r.label),
      cells: r.cells.map((c) => (c ? counted(c, mostCommonState(c), SERVICE_STATES) : 0)),
    })),
    rows: grid.rows.map((r) => ({
      service: r.service,
      name: rowTitle(r.name, r.label),
      cells: r.cells.map((c) => (c ? counted(c.counts, mostCommon(c), verdicts) : 0)),
      ...ratesOf(r),
    })),
  };
}
