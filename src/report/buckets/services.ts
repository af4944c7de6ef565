import type { ChalkInstance } from 'chalk';
import { SERVICE_STATES, type ServiceState } from '../../model/service.js';
import type { ServiceSample } from '../history/events.js';
import { statePaint } from '../terminal/service-line.js';
import { STATE_SYMBOL } from '../terminal/verdict-style.js';
import { displayWidth, padTo } from '../terminal/width.js';
import { printable } from '../terminal/words.js';
import { startsOf, truncate, type BucketSize, type Span } from './buckets.js';
import { bucketName } from './text.js';

// `history --db --services`: a service's state per time bucket, per vantage point. Each report's
// service states are judged from its rows (store/events-query.ts); a bucket counts its reports per
// state, and shows the state most of them had.

export type StateCounts = Partial<Record<ServiceState, number>>;

export interface ServiceBucketRow {
  label: string;
  service: string;
  /** Reports per state in each bucket; undefined where no report of the label measured the service. */
  cells: Array<StateCounts | undefined>;
}

export interface ServiceGrid {
  by: BucketSize;
  starts: string[];
  /** By label, then services in the order they first appear. */
  rows: ServiceBucketRow[];
}

export function buildServiceGrid(samples: ServiceSample[], by: BucketSize, span: Span = {}): ServiceGrid {
  const bucketOf = (at: string) => new Date(truncate(Date.parse(at), by)).toISOString();
  const starts = startsOf(
    samples.map((s) => bucketOf(s.at)),
    by,
    span,
  );
  const column = new Map(starts.map((s, i) => [s, i]));
  const rows = new Map<string, ServiceBucketRow>();
  for (const sample of samples) {
    const i = column.get(bucketOf(sample.at))!;
    for (const { service, state } of sample.services) {
      const key = JSON.stringify([sample.label, service]);
      const row = rows.get(key) ?? {
        label: sample.label,
        service,
        cells: new Array(starts.length).fill(undefined),
      };
      const cell = (row.cells[i] ??= {});
      cell[state] = (cell[state] ?? 0) + 1;
      rows.set(key, row);
    }
  }
  const sorted = [...rows.values()].sort((a, b) => (a.label === b.label ? 0 : a.label < b.label ? -1 : 1));
  return { by, starts, rows: sorted };
}

/** Who wins a tie: the state that says the most about censorship, so an even bucket never reads as usable. */
const TIE_ORDER: ServiceState[] = ['blocked', 'partly blocked', 'throttled', 'down', 'usable', 'unknown'];

/** The state most of a bucket's reports had (a tie: TIE_ORDER). */
export const mostCommonState = (c: StateCounts): ServiceState =>
  TIE_ORDER.reduce((best, s) => ((c[s] ?? 0) > (c[best] ?? 0) ? s : best), TIE_ORDER[0]!);

const NONE = '·';

/** How many reports were not usable, of how many, and the last bucket's state. */
function summaryOf(row: ServiceBucketRow, chalk: ChalkInstance): string {
  const cells = row.cells.filter((c): c is StateCounts => c !== undefined);
  const count = (c: StateCounts) => Object.values(c).reduce((n, k) => n + k, 0);
  const total = cells.reduce((n, c) => n + count(c), 0);
  const usable = cells.reduce((n, c) => n + (c.usable ?? 0), 0);
  const last = mostCommonState(cells.at(-1)!);
  return `usable in ${usable} of ${total} report(s); last: ${statePaint(chalk, last)(last)}`;
}

export function renderServiceBuckets(grid: ServiceGrid, chalk: ChalkInstance): string {
  const { by, starts, rows } = grid;
  const width = Math.max(...rows.map((r) => displayWidth(printable(r.service))));
  const lines = [
    chalk.bold(
      `${starts.length} ${by} bucket(s) (UTC) from ${bucketName(starts[0]!, by)} to ` +
        `${bucketName(starts.at(-1)!, by)}; ${new Set(rows.map((r) => r.service)).size} service(s)`,
    ),
  ];
  let label: string | undefined;
  for (const row of rows) {
    if (row.label !== label) lines.push(chalk.bold(printable(row.label)));
    label = row.label;
    const glyphs = row.cells.map((c) => {
      if (!c) return chalk.dim(NONE);
      const state = mostCommonState(c);
      return statePaint(chalk, state)(STATE_SYMBOL[state]);
    });
    lines.push(`  ${padTo(printable(row.service), width)}  ${glyphs.join('')}  ${summaryOf(row, chalk)}`);
  }
  const states = SERVICE_STATES.map((s) => `${STATE_SYMBOL[s]} ${s}`).join('  ');
  lines.push(
    '',
    `legend: a character per ${by}, the state most of its reports had: ${states}; ${NONE} no report`,
  );
  return `${lines.join('\n')}\n`;
}
