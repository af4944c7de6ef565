import type { DuckDBConnection } from '@duckdb/node-api';
import { servicesOf } from '../classify/service.js';
import type { Blocking } from '../model/control.js';
import type { BlockedBy, VerdictName } from '../model/verdict.js';
import { UNLABELLED, type ServiceSample } from '../report/history/events.js';
import { whereOf, type Span } from './span.js';

// `history --events --db`: each report's service states, judged from its rows as a report's own
// results are (src/classify/service.ts), for the events to fold.

type Row = [string, string | null, Date, string, string, string, string | null, string | null];

const blockingOf = (text: string | null): Blocking =>
  text === null ? null : text === 'false' ? false : (text as Blocking);

export async function serviceSamples(c: DuckDBConnection, q: Span): Promise<ServiceSample[]> {
  const { where, values } = whereOf(q);
  const sql = `SELECT report_id, label, started_at, service, target, verdict, blocked_by, blocking
    FROM results ${where} ORDER BY started_at, report_id`;
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
