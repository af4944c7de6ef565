import { isSuccess } from '../../classify/run.js';
import { InputError } from '../../model/input-error.js';
import { VERDICT_NAMES, type VerdictName } from '../../model/verdict.js';

// `history --db`: the store's verdict counts per time bucket as a grid, a row per vantage point
// and target, a column per bucket (every bucket from the first to the last, empty ones too, so the
// time axis stays honest), and where two vantage points differ. Pure: the counts come in, already
// summed by DuckDB; the renderers (terminal, HTML, JSON) only lay this out.

export type BucketSize = 'hour' | 'day' | 'week';

const STEP_MS: Record<BucketSize, number> = { hour: 3_600_000, day: 86_400_000, week: 7 * 86_400_000 };

/** Where the bucket that starts at `start` (ISO) ends: the next one's start. */
export const bucketEnd = (start: string, by: BucketSize): string =>
  new Date(Date.parse(start) + STEP_MS[by]).toISOString();

/** More columns than a page or a terminal can show usefully: ask for a coarser --by or a shorter span. */
export const MAX_BUCKETS = 2000;

/** One line of the store's answer: how many results of a target had a verdict in a bucket. */
export interface BucketCount {
  label: string | null;
  service: string;
  target: string;
  /** The bucket's start, ISO (UTC): date_trunc of the reports' start times. */
  bucket: string;
  verdict: VerdictName;
  n: number;
}

/** The median transfer rate of a target's results in a bucket, where any was measured. */
export interface BucketRate {
  label: string | null;
  target: string;
  bucket: string;
  median_rate_bytes_per_second: number;
}

export interface Cell {
  counts: Partial<Record<VerdictName, number>>;
  total: number;
  /** The median transfer rate of the bucket's results that measured one (body bytes a second). */
  median_rate_bytes_per_second?: number;
}

export interface BucketRow {
  label: string | null;
  /** The service in the latest bucket that has the target. */
  service: string;
  name: string;
  /** One per bucket; undefined where no report of the label had the target. */
  cells: Array<Cell | undefined>;
}

export interface Grid {
  by: BucketSize;
  /** Each bucket's start, ISO, oldest first. */
  starts: string[];
  /** By label (unlabelled last), then service and target in the order they first appear. */
  rows: BucketRow[];
}

export const shareReachable = (c: Cell): number =>
  VERDICT_NAMES.filter(isSuccess).reduce((n, v) => n + (c.counts[v] ?? 0), 0) / c.total;

/** The verdict most results of the cell had; a tie goes to the one listed first in VERDICTS. */
export function mostCommon(c: Cell): VerdictName {
  return VERDICT_NAMES.reduce(
    (best, v) => ((c.counts[v] ?? 0) > (c.counts[best] ?? 0) ? v : best),
    VERDICT_NAMES[0]!,
  );
}

/**
 * The start of the bucket holding `t`: hours and days are fixed in UTC; weeks start on Monday, as
 * date_trunc('week') does.
 */
export function truncate(t: number, by: BucketSize): number {
  const monday = by === 'week' ? 4 * 86_400_000 : 0; // 1970-01-01 was a Thursday
  return Math.floor((t - monday) / STEP_MS[by]) * STEP_MS[by] + monday;
}

/** What the user asked for (--since, inclusive; --until, exclusive): the axis covers it all, empty buckets too. */
export interface Span {
  since?: string;
  until?: string;
}

/** Every bucket's start from the first of `buckets` (ISO starts) to the last, the span's too. */
export function startsOf(buckets: string[], by: BucketSize, span: Span): string[] {
  const times = buckets.map((b) => Date.parse(b));
  if (span.since !== undefined) times.push(truncate(Date.parse(span.since), by));
  if (span.until !== undefined) times.push(truncate(Date.parse(span.until) - 1, by));
  if (times.length === 0) return [];
  const [first, last] = [Math.min(...times), Math.max(...times)];
  const n = Math.round((last - first) / STEP_MS[by]) + 1;
  if (n > MAX_BUCKETS)
    throw new InputError(
      `${n} ${by} buckets are too many to show (at most ${MAX_BUCKETS}): use a coarser --by, or --since/--until`,
    );
  return Array.from({ length: n }, (_, i) => new Date(first + i * STEP_MS[by]).toISOString());
}

const rowKey = (label: string | null, target: string) => `${label ?? ''}\u0000${target}`;

function byLabel(a: BucketRow, b: BucketRow): number {
  if (a.label === b.label) return 0;
  if (a.label === null || b.label === null) return a.label === null ? 1 : -1;
  return a.label < b.label ? -1 : 1;
}

/** Each rate into the cell of its row and bucket (a rate comes from a result, so the cell is there). */
function addRates(rows: Map<string, BucketRow>, column: Map<string, number>, rates: BucketRate[]): void {
  for (const r of rates) {
    const cell = rows.get(rowKey(r.label, r.target))?.cells[column.get(new Date(r.bucket).toISOString())!];
    if (cell) cell.median_rate_bytes_per_second = r.median_rate_bytes_per_second;
  }
}

export function buildGrid(
  counts: BucketCount[],
  by: BucketSize,
  span: Span = {},
  rates: BucketRate[] = [],
): Grid {
  const starts = startsOf(
    counts.map((c) => c.bucket),
    by,
    span,
  );
  const column = new Map(starts.map((s, i) => [s, i]));
  const rows = new Map<string, BucketRow & { latest: number }>();
  for (const c of counts) {
    const i = column.get(new Date(c.bucket).toISOString())!;
    const key = rowKey(c.label, c.target);
    const row = rows.get(key) ?? {
      label: c.label,
      service: c.service,
      name: c.target,
      cells: new Array<Cell | undefined>(starts.length).fill(undefined),
      latest: -1,
    };
    // a target moved to another service shows under the new one
    if (i >= row.latest) [row.service, row.latest] = [c.service, i];
    const cell = (row.cells[i] ??= { counts: {}, total: 0 });
    cell.counts[c.verdict] = (cell.counts[c.verdict] ?? 0) + c.n;
    cell.total += c.n;
    rows.set(key, row);
  }
  addRates(rows, column, rates);
  const services = [...new Set([...rows.values()].map((r) => r.service))];
  const ordered = [...rows.values()].sort(
    (a, b) => byLabel(a, b) || services.indexOf(a.service) - services.indexOf(b.service),
  );
  return { by, starts, rows: ordered.map(({ latest: _, ...row }) => row) };
}

/**
 * Where two vantage points saw a target differently: buckets in which both have it and their most common
 * verdicts differ.
 */
export interface Difference {
  service: string;
  name: string;
  /** How many buckets differ, of those both have. */
  buckets: number;
  of: number;
  first: string;
  last: string;
  /** Each side's most common verdict over the buckets that differ. */
  verdicts: [VerdictName, VerdictName];
}

function merged(cells: Cell[]): Cell {
  const sum: Cell = { counts: {}, total: 0 };
  for (const c of cells) {
    for (const [v, n] of Object.entries(c.counts) as Array<[VerdictName, number]>)
      sum.counts[v] = (sum.counts[v] ?? 0) + n;
    sum.total += c.total;
  }
  return sum;
}

function differenceOf(grid: Grid, a: BucketRow, b: BucketRow): Difference | undefined {
  const both = a.cells.flatMap((ca, i) => (ca && b.cells[i] ? [i] : []));
  const differ = both.filter((i) => mostCommon(a.cells[i]!) !== mostCommon(b.cells[i]!));
  if (differ.length === 0) return undefined;
  const side = (row: BucketRow) => mostCommon(merged(differ.map((i) => row.cells[i]!)));
  return {
    service: b.service,
    name: a.name,
    buckets: differ.length,
    of: both.length,
    first: grid.starts[differ[0]!]!,
    last: grid.starts[differ.at(-1)!]!,
    verdicts: [side(a), side(b)],
  };
}

/** The grid of two labels only, each target's two rows side by side (first label first), and where they differ. */
export function compareGrid(
  grid: Grid,
  [first, second]: [string, string],
): { grid: Grid; differences: Difference[] } {
  const of = (label: string) => new Map(grid.rows.filter((r) => r.label === label).map((r) => [r.name, r]));
  const [a, b] = [of(first), of(second)];
  for (const [label, rows] of [
    [first, a],
    [second, b],
  ] as const) {
    if (rows.size === 0) throw new InputError(`no report labelled ${label} in the store for this span`);
  }
  const names = [...new Set([...a.keys(), ...b.keys()])];
  const rows = names.flatMap((n) => [a.get(n), b.get(n)].filter((r): r is BucketRow => r !== undefined));
  const services = [...new Set(rows.map((r) => r.service))];
  rows.sort((x, y) => services.indexOf(x.service) - services.indexOf(y.service));
  const differences = names.flatMap((n) => {
    const [ra, rb] = [a.get(n), b.get(n)];
    const d = ra && rb ? differenceOf(grid, ra, rb) : undefined;
    return d ? [d] : [];
  });
  return { grid: { ...grid, rows }, differences };
}
