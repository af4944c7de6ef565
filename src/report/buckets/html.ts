import { isSuccess } from '../../classify/run.js';
import { RATE_CHANGE, rateText } from '../../model/transfer.js';
import { VERDICT_NAMES, type VerdictName } from '../../model/verdict.js';
import type { BucketRow, Grid } from './buckets.js';
import { BUCKET_SCRIPT, BUCKET_STYLE } from './page.js';
import { bucketName, differenceLine, headline, labelName, type Compared } from './text.js';
import { renderPage } from '../html/page-shell.js';

// `history --db --compare A,B --html`: the two vantage points' grid side by side and where they
// differ, as one page (page-shell.ts); without --compare the buckets go on the history page
// (plot.ts). Its size is set by targets x buckets, never by how many reports the store holds: a cell
// carries only its verdict counts, and the page's script writes the hover text from them.

export interface BucketPageData {
  heading: string;
  buckets: string[];
  verdicts: VerdictName[];
  /** Indexes into `verdicts` of the verdicts that count as reachable. */
  success: number[];
  groups: Array<{
    title: string;
    rows: Array<{ name: string; cells: Array<number[] | 0>; rates?: Array<RateMark | 0> }>;
  }>;
  differences: { title: string; lines: string[] };
}

/** A bucket's median transfer rate as the hover says it, and whether it is tenfold below the row's fastest. */
export type RateMark = [text: string, fell: boolean];

/** The row's median rates, when any bucket measured one (0 where none did). */
export function ratesOf(row: BucketRow): { rates?: Array<RateMark | 0> } {
  const rates = row.cells.map((c) => c?.median_rate_bytes_per_second);
  if (rates.every((r) => r === undefined)) return {};
  const top = Math.max(...rates.filter((r): r is number => r !== undefined));
  return { rates: rates.map((r) => (r === undefined ? 0 : [rateText(r), r * RATE_CHANGE <= top])) };
}

const VERDICT_INDEX = new Map(VERDICT_NAMES.map((v, i) => [v, i]));

function cellsOf(row: BucketRow): Array<number[] | 0> {
  return row.cells.map((c) =>
    c
      ? (Object.entries(c.counts) as Array<[VerdictName, number]>).flatMap(([v, n]) => [
          VERDICT_INDEX.get(v)!,
          n,
        ])
      : 0,
  );
}

/** A group per service, the two vantage points' rows of each target side by side. */
function groupsOf(grid: Grid): BucketPageData['groups'] {
  const groups: BucketPageData['groups'] = [];
  for (const row of grid.rows) {
    if (groups.at(-1)?.title !== row.service) groups.push({ title: row.service, rows: [] });
    groups.at(-1)!.rows.push({
      name: `${row.name} @${labelName(row.label)}`,
      cells: cellsOf(row),
      ...ratesOf(row),
    });
  }
  return groups;
}

export function bucketPageData(grid: Grid, compared: Compared): BucketPageData {
  return {
    heading: headline(grid),
    buckets: grid.starts.map((s) => bucketName(s, grid.by)),
    verdicts: VERDICT_NAMES,
    success: VERDICT_NAMES.flatMap((v, i) => (isSuccess(v) ? [i] : [])),
    groups: groupsOf(grid),
    differences: {
      title: `Where ${compared.labels[0]} and ${compared.labels[1]} differ`,
      lines: compared.differences.map((d) => differenceLine(d, grid, compared.labels)),
    },
  };
}

export function renderBucketsHtml(grid: Grid, compared: Compared): string {
  return renderPage({
    style: BUCKET_STYLE,
    body: '<div id="scale"></div>\n<div class="scroll"><table id="heatmap"></table></div>\n<ul id="differences"></ul>',
    data: bucketPageData(grid, compared),
    script: BUCKET_SCRIPT,
  });
}
