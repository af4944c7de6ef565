import type { ChalkInstance } from 'chalk';
import {
  mostCommon,
  shareReachable,
  type BucketRow,
  type Cell,
  type Difference,
  type Grid,
} from './buckets.js';
import { countsText, paintFor } from '../terminal/table.js';
import { fastest, rateGlyph, rateLegend, rateSpan } from '../terminal/rates.js';
import { printable } from '../terminal/words.js';

// `history --db` in the terminal: a line per vantage point and target, a character per bucket
// whose height is the share of its results that were reachable; then, with --compare, where the
// two vantage points differ.

const LEVELS = '▁▂▃▄▅▆▇█';
const NONE = '·';

/** `2026-11-23` for days and weeks, `2026-11-23 13:00` for hours. */
export function bucketName(iso: string, by: Grid['by']): string {
  return by === 'hour' ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}` : iso.slice(0, 10);
}

export const labelName = (label: string | null): string => label ?? '(no label)';

function glyph(cell: Cell | undefined, chalk: ChalkInstance): string {
  if (!cell) return chalk.dim(NONE);
  const share = shareReachable(cell);
  const level = LEVELS[Math.min(LEVELS.length - 1, Math.floor(share * LEVELS.length))]!;
  return share === 1 ? chalk.green(level) : share === 0 ? chalk.red(level) : chalk.yellow(level);
}

function summaryOf(row: BucketRow): string {
  const cells = row.cells.filter((c): c is Cell => c !== undefined);
  const total = cells.reduce((n, c) => n + c.total, 0);
  const ok = cells.reduce((n, c) => n + shareReachable(c) * c.total, 0);
  return `${Math.round((100 * ok) / total)}% reachable of ${total}`;
}

/** Under a row whose results measured a rate: a character per bucket, its height the median rate there. */
function rateLine(row: BucketRow, indent: number, chalk: ChalkInstance): string[] {
  const rates = row.cells.map((c) => c?.median_rate_bytes_per_second);
  if (rates.every((r) => r === undefined)) return [];
  const top = fastest(rates);
  const strip = rates.map((r) => rateGlyph(r, top, chalk)).join('');
  return [`  ${''.padEnd(indent)}  ${strip}  ${rateSpan(rates, 'median rate')}`];
}

/** Rows under a heading per vantage point and service; compared, under one per service, each name with its label. */
function rowLines(grid: Grid, chalk: ChalkInstance, compared: boolean): string[] {
  const named = (r: BucketRow) =>
    compared ? `${printable(r.name)} @${labelName(r.label)}` : printable(r.name);
  const width = Math.max(...grid.rows.map((r) => named(r).length));
  const lines: string[] = [];
  let group: string | undefined;
  for (const row of grid.rows) {
    const heading = compared ? row.service : `${labelName(row.label)}  ${row.service}`;
    if (heading !== group) lines.push(chalk.bold(printable(heading)));
    group = heading;
    const last = row.cells.findLast((c) => c !== undefined)!;
    const lastly = paintFor(chalk, mostCommon(last))(`last: ${countsText(last.counts)}`);
    lines.push(
      `  ${named(row).padEnd(width)}  ${row.cells.map((c) => glyph(c, chalk)).join('')}  ${summaryOf(row)}; ${lastly}`,
      ...rateLine(row, width, chalk),
    );
  }
  return lines;
}

export function differenceLine(d: Difference, grid: Grid, labels: [string, string]): string {
  const span =
    d.first === d.last
      ? bucketName(d.first, grid.by)
      : `${bucketName(d.first, grid.by)} to ${bucketName(d.last, grid.by)}`;
  return (
    `${printable(d.service)} / ${printable(d.name)}: ${d.buckets} ` +
    `of ${d.of} ${grid.by}(s), ${span}: ${labels[0]} mostly ${d.verdicts[0]}, ${labels[1]} ` +
    `mostly ${d.verdicts[1]}`
  );
}

/** Two vantage points side by side, and where they differ (compareGrid). */
export interface Compared {
  labels: [string, string];
  differences: Difference[];
}

export function headline({ starts, by, rows }: Grid): string {
  const labels = new Set(rows.map((r) => r.label)).size;
  const targets = new Set(rows.map((r) => r.name)).size;
  return (
    `${starts.length} ${by} bucket(s) (UTC) from ${bucketName(starts[0]!, by)} ` +
    `to ${bucketName(starts.at(-1)!, by)}; ${labels} vantage point(s), ${targets} target(s)`
  );
}

export function renderBuckets(grid: Grid, chalk: ChalkInstance, compared?: Compared): string {
  const { by } = grid;
  const head = headline(grid);
  const lines = [
    chalk.bold(head),
    ...rowLines(grid, chalk, compared !== undefined),
    '',
    `legend: a character per ${by}, its height the share of results that were reachable ` +
      `(${LEVELS.at(-1)} all, ${LEVELS[0]} none), ${NONE} no report`,
    ...(grid.rows.some((r) => r.cells.some((c) => c?.median_rate_bytes_per_second !== undefined))
      ? [rateLegend(`the median transfer rate of a ${by}`)]
      : []),
  ];
  if (compared) {
    const { labels: pair, differences } = compared;
    lines.push(
      '',
      chalk.bold(`Where ${pair[0]} and ${pair[1]} differ (the most common verdict of a ${by}):`),
    );
    lines.push(
      ...(differences.length > 0
        ? differences.map((d) => `  ${differenceLine(d, grid, pair)}`)
        : ['  nowhere: they agree on every target in every bucket both have']),
    );
  }
  return `${lines.join('\n')}\n`;
}
