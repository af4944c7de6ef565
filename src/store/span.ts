import { sqlString } from './duckdb.js';

// The part of a store query that --since, --until and --label choose: which reports' rows.

export interface Span {
  /** ISO times: --since is inclusive, --until exclusive. */
  since?: string;
  until?: string;
  /** Only these labels (--label, or the two of --compare). */
  labels?: string[];
}

/** The WHERE clause (empty for the whole store) and the values it binds. */
export function whereOf(q: Span): { where: string; values: Record<string, string> } {
  const conditions: string[] = [];
  const values: Record<string, string> = {};
  if (q.since !== undefined) {
    conditions.push('started_at >= $since::TIMESTAMP');
    values.since = q.since;
  }
  if (q.until !== undefined) {
    conditions.push('started_at < $until::TIMESTAMP');
    values.until = q.until;
  }
  if (q.labels !== undefined) conditions.push(`label IN (${q.labels.map(sqlString).join(', ')})`);
  return { where: conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '', values };
}
