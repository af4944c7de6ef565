import { randomUUID } from 'node:crypto';
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { repeated, type ReadReport } from '../report/document/read.js';
import { streamReport } from '../report/document/read-stream.js';
import { REPORT_COLUMNS, reportCells, targetCells, type Cell } from '../report/export/columns.js';
import { RowAppender } from './append.js';

// A report too large to hold, into the store as it is read: its rows go into `results` as its
// results come, under a provisional report_id, since their report's cells (summary.started_at,
// partial, an old report's id) are written after them; once the whole report is read and checked,
// one UPDATE gives them those cells. The run's transaction keeps them from any reader until then,
// and a report that turns out bad or known is deleted again.

/**
 * Rows between two calls of `collect`. The appender's data chunks hold native memory that only a garbage
 * collection frees, and V8 does not count it: left to itself, a million rows took 800 MB of RSS where the
 * JavaScript heap was 7.
 */
const COLLECT_EVERY = 32_768;

/** A report cell as a parameter: a timestamp as microseconds (as the appender converts one). */
const parameter = (cell: Cell, type: string): DuckDBValue =>
  type === 'TIMESTAMP' && typeof cell === 'string' ? BigInt(Date.parse(cell)) * 1000n : cell;

const placeholder = (type: string, n: number) =>
  type === 'TIMESTAMP' ? `make_timestamp($${n}::BIGINT)` : `$${n}::${type}`;

const PROVISIONAL = `$${REPORT_COLUMNS.length + 1}`;

/** The report's cells onto its rows. */
const SETTLE =
  `UPDATE results SET ${REPORT_COLUMNS.map((c, i) => `${c.name} = ${placeholder(c.type, i + 1)}`).join(', ')} ` +
  `WHERE report_id = ${PROVISIONAL}`;

/** A name on more than one of the report's rows. */
const TWICE = 'SELECT target FROM results WHERE report_id = $1 GROUP BY target HAVING count(*) > 1 LIMIT 1';

/**
 * Which results[i] is the first to repeat a name (the one readReport would name): the rows' order is the
 * order they were appended in, which their rowids keep.
 */
const FIRST_REPEATED = `SELECT target, i FROM (SELECT target, i,
  row_number() OVER (PARTITION BY target ORDER BY i) AS nth FROM (SELECT target,
  row_number() OVER (ORDER BY rowid) - 1 AS i FROM results WHERE report_id = $1))
  WHERE nth = 2 ORDER BY i LIMIT 1`;

/** A report read into `results` under a provisional id: `commit` gives its rows their cells, `drop` deletes them. */
export interface Staged {
  report: ReadReport;
  rows: number;
  commit(): Promise<void>;
  drop(): Promise<void>;
}

async function checkNamesOnce(c: DuckDBConnection, provisional: string, file: string): Promise<void> {
  if ((await c.runAndReadAll(TWICE, [provisional])).getRows().length === 0) return;
  const [first] = (await c.runAndReadAll(FIRST_REPEATED, [provisional])).getRows();
  throw repeated(String(first![0]), Number(first![1]), file);
}

/**
 * Reads `file` into `results` (calling `collect`, a full garbage collection, as it goes); bad input throws
 * (an InputError) and leaves none of its rows.
 */
export async function stageReport(c: DuckDBConnection, file: string, collect: () => void): Promise<Staged> {
  const provisional = randomUUID();
  const head: Cell[] = REPORT_COLUMNS.map((col) => (col.name === 'report_id' ? provisional : null));
  const drop = async () => void (await c.run('DELETE FROM results WHERE report_id = $1', [provisional]));
  const rows = await RowAppender.open(c, 'results');
  let report: ReadReport;
  let count = 0;
  try {
    try {
      report = await streamReport(file, (result) => {
        rows.appendCells([...head, ...targetCells(result)]);
        if (++count % COLLECT_EVERY === 0) collect();
      });
    } finally {
      rows.close();
    }
    await checkNamesOnce(c, provisional, file);
  } catch (err) {
    await drop();
    throw err;
  }
  const commit = async () => {
    const cells = reportCells(report).map((cell, i) => parameter(cell, REPORT_COLUMNS[i]!.type));
    await c.run(SETTLE, [...cells, provisional]);
  };
  return { report, rows: count, commit, drop };
}
