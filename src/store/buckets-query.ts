import type { DuckDBConnection } from '@duckdb/node-api';
import type { BucketCount, BucketRate, BucketSize } from '../report/buckets/buckets.js';
import type { VerdictName } from '../model/verdict.js';
import { whereOf, type Span } from './span.js';

// The queries `history --db` asks the store: results per label, target, time bucket and verdict,
// and the median transfer rate per label, target and bucket. DuckDB sums a year of rows; what comes
// back is a row per target, bucket and verdict (or rate).

export interface BucketQuery extends Span {
  by: BucketSize;
}

export async function bucketCounts(c: DuckDBConnection, q: BucketQuery): Promise<BucketCount[]> {
  const { where, values } = whereOf(q);
  const sql =
    `SELECT label, service, target, date_trunc('${q.by}', started_at) AS bucket, ` +
    `verdict, count(*)::INTEGER AS n
    FROM results ${where}
    GROUP BY ALL ORDER BY bucket, label, target, verdict`;
  const reader = await c.runAndReadAll(sql, values);
  return reader.getRowsJS().map(([label, service, target, bucket, verdict, n]) => ({
    label: label === null ? null : String(label),
    service: String(service),
    target: String(target),
    bucket: (bucket as Date).toISOString(),
    verdict: verdict as VerdictName,
    n: Number(n),
  }));
}

/**
 * The median transfer rate per label, target and bucket, of the results whose transfer was measured
 * (whatever their verdict: a throttled result's low rate is the point). DuckDB's median of an even
 * count is the mean of the middle two.
 */
export async function bucketRates(c: DuckDBConnection, q: BucketQuery): Promise<BucketRate[]> {
  const { where, values } = whereOf(q);
  const rated = `${where ? `${where} AND` : 'WHERE'} rate_bytes_per_second IS NOT NULL`;
  const sql =
    `SELECT label, target, date_trunc('${q.by}', started_at) AS bucket, ` +
    `median(rate_bytes_per_second) AS rate FROM results ${rated} GROUP BY ALL`;
  const reader = await c.runAndReadAll(sql, values);
  return reader.getRowsJS().map(([label, target, bucket, rate]) => ({
    label: label === null ? null : String(label),
    target: String(target),
    bucket: (bucket as Date).toISOString(),
    median_rate_bytes_per_second: Number(rate),
  }));
}

/** The labels the store holds results for, null for results without one: what --label can name. */
export async function labelsIn(c: DuckDBConnection): Promise<Array<string | null>> {
  const reader = await c.runAndReadAll('SELECT DISTINCT label FROM results ORDER BY label NULLS LAST');
  return reader.getRowsJS().map(([label]) => (label === null ? null : String(label)));
}
