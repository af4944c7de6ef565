import { rename, rm } from 'node:fs/promises';
import type { InputError } from '../model/input-error.js';
import { temporaryBeside } from '../report/document/atomic-stream.js';
import { rowsOf } from '../report/export/columns.js';
import { atLeastOne, type Exported } from '../report/export/export.js';
import { eachReport } from '../report/document/read.js';
import { RowAppender } from './append.js';
import { openDb, sqlString } from './duckdb.js';
import { RESULTS_DDL } from './schema.js';

// `export --format parquet`: the rows go through DuckDB's appender into a temporary database on
// disk beside the output (so memory stays bounded however many reports there are), then DuckDB
// writes that table as Parquet, and the file is renamed into place: whole, or not at all.

export async function exportParquet(
  paths: string[],
  out: string,
  skip: (err: InputError) => void,
): Promise<Exported> {
  const staging = temporaryBeside(out, 'duckdb');
  const parquet = temporaryBeside(out, 'parquet');
  const db = await openDb(staging, { create: true });
  try {
    await db.connection.run(RESULTS_DDL);
    const appender = await RowAppender.open(db.connection, 'results');
    const done: Exported = { reports: 0, rows: 0 };
    for await (const report of eachReport(paths, skip)) {
      const rows = rowsOf(report);
      appender.append(rows);
      done.reports += 1;
      done.rows += rows.length;
    }
    appender.close();
    atLeastOne(done, paths);
    await db.connection.run(`COPY results TO ${sqlString(parquet)} (FORMAT parquet, COMPRESSION zstd)`);
    await rename(parquet, out);
    return done;
  } finally {
    db.close();
    await Promise.all([staging, `${staging}.wal`, parquet].map((f) => rm(f, { force: true })));
  }
}
