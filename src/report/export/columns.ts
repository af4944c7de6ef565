import type { TargetResult, Timings } from '../../model/result.js';
import type { ReadReport } from '../document/read.js';

// The flat rows of `reachprobe export` and of the store (`ingest`): one per target per report.
// docs/export.md documents every column; a test keeps the two in step. EXPORT_VERSION changes only
// when a column is removed, renamed, retyped or changes meaning; within a version columns are only
// added, at the end, so a loader written for version 1 keeps working.

export const EXPORT_VERSION = 1;

/** DuckDB's names for the types; docs/store.md gives ClickHouse's and BigQuery's beside them. */
export type ColumnType = 'INTEGER' | 'VARCHAR' | 'TIMESTAMP' | 'BOOLEAN' | 'DOUBLE';

export type Cell = string | number | boolean | null;

/** Fields that other reachprobe versions add to a result: read when present, never required. */
interface LaterFields {
  blocking?: false | string | null;
  accessible?: boolean | null;
  quic?: { verdict?: unknown } | null;
}

type Result = TargetResult & LaterFields;

/** A column whose cell comes from the report (the same on each of its rows), or from its target. */
export interface Column<From = never> {
  name: string;
  type: ColumnType;
  of: (from: From) => Cell;
}

const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const timing = (key: keyof Timings) => (t: Result) => t.timings?.[key] ?? null;
const rate =
  (key: 'rate_bytes_per_second' | 'same_path_rate_bytes_per_second' | 'abroad_rate_bytes_per_second') =>
  (t: Result) =>
    t.throughput?.[key] ?? null;

/** false (not blocked) stays apart from null (not known): as text, "false", "dns", "tcp_ip"... */
const blocking = (t: Result): string | null => (t.blocking === false ? 'false' : text(t.blocking));

/** The report's columns, first in every row. */
export const REPORT_COLUMNS: readonly Column<ReadReport>[] = [
  { name: 'export_version', type: 'INTEGER', of: () => EXPORT_VERSION },
  { name: 'report_id', type: 'VARCHAR', of: (r) => r.id },
  { name: 'label', type: 'VARCHAR', of: (r) => r.doc.vantage_point?.label ?? null },
  { name: 'network', type: 'VARCHAR', of: (r) => r.doc.vantage_point?.network ?? null },
  { name: 'country', type: 'VARCHAR', of: (r) => r.doc.vantage_point?.country ?? null },
  { name: 'started_at', type: 'TIMESTAMP', of: (r) => r.doc.summary.started_at },
  { name: 'tool_version', type: 'VARCHAR', of: (r) => text(r.doc.tool.version) },
  { name: 'partial', type: 'BOOLEAN', of: (r) => r.partial },
];

/** The target's columns, after the report's. */
export const TARGET_COLUMNS: readonly Column<Result>[] = [
  { name: 'target', type: 'VARCHAR', of: (t) => t.name },
  { name: 'service', type: 'VARCHAR', of: (t) => t.service },
  { name: 'url', type: 'VARCHAR', of: (t) => text(t.url) },
  { name: 'verdict', type: 'VARCHAR', of: (t) => t.verdict },
  { name: 'measured_verdict', type: 'VARCHAR', of: (t) => text(t.measured_verdict) },
  { name: 'stage', type: 'VARCHAR', of: (t) => text(t.stage) },
  { name: 'failure', type: 'VARCHAR', of: (t) => text(t.failure) },
  { name: 'blocked_by', type: 'VARCHAR', of: (t) => text(t['blocked-by']) },
  { name: 'blocking', type: 'VARCHAR', of: blocking },
  {
    name: 'accessible',
    type: 'BOOLEAN',
    of: (t) => (typeof t.accessible === 'boolean' ? t.accessible : null),
  },
  { name: 'quic_verdict', type: 'VARCHAR', of: (t) => text(t.quic?.verdict) },
  {
    name: 'expect_met',
    type: 'BOOLEAN',
    of: (t) => (typeof t.expect_met === 'boolean' ? t.expect_met : null),
  },
  { name: 'target_started_at', type: 'TIMESTAMP', of: (t) => text(t.started_at) },
  { name: 'resolve_ms', type: 'DOUBLE', of: timing('resolve_ms') },
  { name: 'dns_query_ms', type: 'DOUBLE', of: timing('dns_query_ms') },
  { name: 'connect_ms', type: 'DOUBLE', of: timing('connect_ms') },
  { name: 'tls_ms', type: 'DOUBLE', of: timing('tls_ms') },
  { name: 'http_ms', type: 'DOUBLE', of: timing('http_ms') },
  { name: 'chain_ms', type: 'DOUBLE', of: timing('chain_ms') },
  { name: 'total_ms', type: 'DOUBLE', of: timing('total_ms') },
  { name: 'rate_bytes_per_second', type: 'DOUBLE', of: rate('rate_bytes_per_second') },
  { name: 'same_path_rate_bytes_per_second', type: 'DOUBLE', of: rate('same_path_rate_bytes_per_second') },
  { name: 'abroad_rate_bytes_per_second', type: 'DOUBLE', of: rate('abroad_rate_bytes_per_second') },
];

export const COLUMNS: readonly Pick<Column, 'name' | 'type'>[] = [...REPORT_COLUMNS, ...TARGET_COLUMNS];

export const COLUMN_NAMES = COLUMNS.map((c) => c.name);

/** The cells of the report's columns, in order. */
export const reportCells = (r: ReadReport): Cell[] => REPORT_COLUMNS.map((c) => c.of(r));

/** The cells of a result's own columns, in order. */
export const targetCells = (t: TargetResult): Cell[] => TARGET_COLUMNS.map((c) => c.of(t));

/** The report's rows, each a list of cells in COLUMNS' order. */
export function rowsOf(r: ReadReport): Cell[][] {
  const head = reportCells(r);
  return r.doc.results.map((t) => [...head, ...targetCells(t)]);
}

/** A row as an object, for JSON Lines: every column, null where empty. */
export function rowObject(row: Cell[]): Record<string, Cell> {
  return Object.fromEntries(COLUMN_NAMES.map((name, i) => [name, row[i]!]));
}
