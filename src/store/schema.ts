import type { DuckDBConnection } from '@duckdb/node-api';
import { InputError } from '../model/input-error.js';
import { COLUMNS, EXPORT_VERSION } from '../report/export/columns.js';

// The store's tables (docs/store.md). `results` holds export-columns.ts's rows as they are, so a
// query written for an export runs on the store too. STORE_VERSION changes when a table changes in
// a way an older reachprobe would misread; a store of another version is refused, never altered.

// 2: results gained the transfer rates (rate_bytes_per_second and its controls').
export const STORE_VERSION = 2;

export const RESULTS_DDL = `CREATE TABLE results (${COLUMNS.map((c) => `${c.name} ${c.type}`).join(', ')})`;

const TABLES = [
  'CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)',
  // One row per report: its id, and when and from where it was made.
  `CREATE TABLE reports (report_id VARCHAR PRIMARY KEY, label VARCHAR, started_at TIMESTAMP NOT NULL, ` +
    `targets INTEGER NOT NULL,
    partial BOOLEAN NOT NULL, ingested_at TIMESTAMP NOT NULL)`,
  // One row per file read: a repeat ingest passes over a file of a path it has, unread. Its size
  // and modification time are kept for whoever wonders whether it changed since.
  'CREATE TABLE files (path VARCHAR NOT NULL, size BIGINT NOT NULL, mtime_ms DOUBLE NOT NULL, ' +
    'report_id VARCHAR NOT NULL)',
  RESULTS_DDL,
];

async function tableNames(c: DuckDBConnection): Promise<string[]> {
  const r = await c.runAndReadAll(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'",
  );
  return r.getRows().map((row) => String(row[0]));
}

async function versionOf(c: DuckDBConnection, file: string): Promise<number> {
  let value: unknown;
  try {
    value = (await c.runAndReadAll("SELECT value FROM meta WHERE key = 'store_version'")).getRows()[0]?.[0];
  } catch {
    value = undefined;
  }
  const version = Number(value);
  if (!Number.isInteger(version))
    throw new InputError(
      'a DuckDB database, but not a reachprobe store (no store_version in a meta table)',
      file,
    );
  return version;
}

/** Checks the store's version; an empty database (just created) gets the tables first, in one transaction. */
export async function prepareStore(
  c: DuckDBConnection,
  file: string,
  { create }: { create: boolean },
): Promise<void> {
  const tables = await tableNames(c);
  if (tables.length === 0 && create) {
    await c.run('BEGIN TRANSACTION');
    for (const ddl of TABLES) await c.run(ddl);
    await c.run(
      `INSERT INTO meta VALUES ('store_version', '${STORE_VERSION}'), ('export_version', '${EXPORT_VERSION}')`,
    );
    await c.run('COMMIT');
    return;
  }
  const version = await versionOf(c, file);
  if (version > STORE_VERSION)
    throw new InputError(
      `store version ${version} is newer than this reachprobe reads (${STORE_VERSION}): upgrade reachprobe`,
      file,
    );
  if (version !== STORE_VERSION)
    throw new InputError(
      `store version ${version} is not the one this reachprobe reads (${STORE_VERSION}): ingest the ` +
        `reports into a new store`,
      file,
    );
}
