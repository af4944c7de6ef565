import { stringify } from 'csv-stringify/sync';
import { InputError } from '../../model/input-error.js';
import { COLUMN_NAMES, rowObject, rowsOf, type Cell } from './columns.js';
import { eachReport } from '../document/read.js';

// `reachprobe export` as text: the flat rows of export-columns.ts, one report at a time, so any
// number of reports goes out in bounded memory.

export type TextFormat = 'jsonl' | 'csv';

/** Where the text goes: stdout, or a file written atomically. */
export interface Sink {
  write(text: string): Promise<void>;
}

/** RFC 4180 CSV with a header line; an empty cell is null, booleans are true/false. */
function csvText(rows: Cell[][], header: boolean): string {
  return stringify(rows, {
    header,
    columns: COLUMN_NAMES,
    cast: { boolean: (v) => String(v) },
    record_delimiter: 'unix',
  });
}

const jsonlText = (rows: Cell[][]): string =>
  rows.map((row) => `${JSON.stringify(rowObject(row))}\n`).join('');

export interface Exported {
  reports: number;
  rows: number;
}

/** An export of nothing is a mistake (a wrong folder): an error before any file is put in place. */
export function atLeastOne(done: Exported, paths: string[]): Exported {
  if (done.reports === 0) throw new InputError(`no reachprobe report in ${paths.join(', ')}`);
  return done;
}

/** Writes the rows of every report in `paths`; bad files in folders go to `skip` (see eachReport). */
export async function exportText(
  paths: string[],
  format: TextFormat,
  sink: Sink,
  skip: (err: InputError) => void,
): Promise<Exported> {
  const done: Exported = { reports: 0, rows: 0 };
  // A header even for no report at all: a loader then sees the columns, and an empty table.
  if (format === 'csv') await sink.write(csvText([], true));
  for await (const report of eachReport(paths, skip)) {
    const rows = rowsOf(report);
    await sink.write(format === 'csv' ? csvText(rows, false) : jsonlText(rows));
    done.reports += 1;
    done.rows += rows.length;
  }
  return atLeastOne(done, paths);
}
