import type { DuckDBConnection } from '@duckdb/node-api';
import { servicesOf } from '../classify/service.js';
import type { Blocking } from '../model/control.js';
import type { BlockedBy, VerdictName } from '../model/verdict.js';
import { UNLABELLED, type ServiceSample } from '../report/history/events.js';
import { sqlString } from './duckdb.js';

// `history --events --db`: each report's service states, judged from its rows as a report's own
// results are (src/classify/service.ts), for the events to fold.

export interface EventsQuery {
  since?: string;
  until?: string;
  labels?: string[];
}

type Row = [string, string | null, Date, string, string, string, string | null, string | null];

const blockingOf = (text: string | null): Blocking =>
  text === null ? null : text === 'false' ? false : (text as Blocking);

export async function serviceSamples(c: DuckDBConnection, q: EventsQuery): Promise<ServiceSample[]> {
  const where: string[] = [];
  const values: Record<string, string> = {};
  if (q.since !== undefined) {
    where.push('started_at >= $since::TIMESTAMP');
    values.since = q.since;
  }
  if (q.until !== undefined) {
    where.push('started_at < $until::TIMESTAMP');
    values.until = q.until;
  }
  if (q.labels !== undefined) where.push(`label IN (${q.labels.map(sqlString).join(', ')})`);
  const sql = `SELECT report_id, label, started_at, service, target, verdict, blocked_by, blocking
    FROM results ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY started_at, report_id`;
  const rows = (await c.runAndReadAll(sql, values)).getRowsJS() as Row[];
  const reports = new Map<string, { label: string; at: string; rows: Row[] }>();
  for (const row of rows) {
    const [id, label, at] = row;
    const report = reports.get(id) ?? { label: label ?? UNLABELLED, at: at.toISOString(), rows: [] };
    report.rows.push(row);
    reports.set(id, report);
  }
  return [...reports.values()].map(({ label, at, rows }) => ({
    at,
    label,
    services: servicesOf(
      rows.map(([, , , service, name, verdict, by, blocking]) => ({
        name,
        service,
        verdict: verdict as VerdictName,
        ...(by ? { 'blocked-by': by as BlockedBy } : {}),
        blocking: blockingOf(blocking),
      })),
    ).map(({ service, state, how }) => ({ service, state, how })),
  }));
}
