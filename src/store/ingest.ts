import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { InputError } from '../model/input-error.js';
import { rowsOf } from '../report/export/columns.js';
import { candidates, readReport, type Candidate, type ReadReport } from '../report/document/read.js';
import { RowAppender, type JsValue } from './append.js';
import { stageReport, type Staged } from './staged.js';

// `reachprobe ingest`: the reports of some folders into the store, each once. A report is known by
// its report_id; a file is known by its path, so that a repeat run over a year of reports reads
// only the new files. The whole run is one transaction: it adds every new report, or (on an error,
// a kill, a full disk) nothing.

export interface Ingested {
  /** Reports added to the store. */
  added: number;
  rows: number;
  /** Files passed over unread: the store has them already. */
  unchanged: number;
  /** Files read whose report the store already had (a copy, or a file rewritten alike). */
  duplicates: number;
}

interface Known {
  files: Set<string>;
  ids: Set<string>;
}

async function known(c: DuckDBConnection): Promise<Known> {
  const files = new Set(
    (await c.runAndReadAll('SELECT path FROM files')).getRows().map((row) => String(row[0])),
  );
  const ids = new Set(
    (await c.runAndReadAll('SELECT report_id FROM reports')).getRows().map((row) => String(row[0])),
  );
  return { files, ids };
}

/** The appenders of the reports' tables, within the run's transaction. */
interface Appenders {
  results: RowAppender;
  reports: RowAppender;
}

/** Reads a candidate, or hands a bad file in a folder to `skip` (undefined then); a bad named file throws. */
async function readCandidate<T>(
  { file, named }: Candidate,
  skip: (err: InputError) => void,
  read: (file: string) => Promise<T>,
): Promise<T | undefined> {
  try {
    return await read(file);
  } catch (err) {
    if (named || !(err instanceof InputError)) throw err;
    skip(err);
    return undefined;
  }
}

/**
 * From this size on a report is read as it streams into the store (see staged.ts), not held whole: a
 * report of a million targets is 1.2 GB, and held whole, one of a few thousand already takes more memory
 * than a year of small ones.
 */
export const STREAM_FROM = 4 << 20;

/** A file as `look` found it: known (the store has it), unread (a bad file, skipped), read, or to stream. */
type Looked =
  | { file: string }
  | { file: string; unread: true }
  | { file: string; size: number; mtimeMs: number; report: ReadReport }
  | { file: string; size: number; mtimeMs: number; large: Candidate };

/** Files looked at together: the disk's waits overlap, and memory holds this many reports at most. */
const WINDOW = 16;

class Run {
  readonly done: Ingested = { added: 0, rows: 0, unchanged: 0, duplicates: 0 };
  /** The files table's new rows, added last. */
  readonly files: JsValue[][] = [];
  private readonly now = new Date();

  constructor(
    private readonly c: DuckDBConnection,
    private readonly known: Known,
    private readonly to: Appenders,
    private readonly collect: () => void,
  ) {}

  /**
   * Reads the file unless the store has it or it is large (streamed in `take`): the part that waits on
   * the disk. A file the store has is not even stat'ed (a repeat run over a year of reports would spend
   * seconds on that): check -o never rewrites a report, it writes each run to a new name.
   */
  async look(candidate: Candidate, skip: (err: InputError) => void): Promise<Looked> {
    const file = path.resolve(candidate.file);
    if (this.known.files.has(file)) return { file };
    const info = await stat(file).catch(() => undefined); // gone since the listing, or missing: readReport says which
    if (info && info.size >= STREAM_FROM)
      return { file, size: info.size, mtimeMs: info.mtimeMs, large: candidate };
    const report = await readCandidate(candidate, skip, readReport);
    return report && info ? { file, report, size: info.size, mtimeMs: info.mtimeMs } : { file, unread: true };
  }

  /** Adds what `look` found, in the order of the files (a large file is read now, one at a time). */
  async take(looked: Looked, skip: (err: InputError) => void): Promise<void> {
    if (!('size' in looked)) {
      if (!('unread' in looked)) this.done.unchanged += 1;
      return;
    }
    const { file, size, mtimeMs } = looked;
    const staged =
      'report' in looked
        ? this.held(looked.report)
        : await readCandidate(looked.large, skip, (f) => stageReport(this.c, f, this.collect));
    if (!staged) return;
    const { report } = staged;
    this.known.files.add(file);
    this.files.push([file, size, mtimeMs, report.id]);
    if (this.known.ids.has(report.id)) {
      this.done.duplicates += 1;
      await staged.drop();
      return;
    }
    this.known.ids.add(report.id);
    await staged.commit();
    this.to.reports.appendRow([
      report.id,
      report.doc.vantage_point?.label ?? null,
      new Date(report.doc.summary.started_at),
      staged.rows,
      report.partial,
      this.now,
    ]);
    this.done.added += 1;
    this.done.rows += staged.rows;
  }

  /** A report read whole: its rows go in through the results appender. */
  private held(report: ReadReport): Staged {
    return {
      report,
      rows: report.doc.results.length,
      commit: async () => this.to.results.append(rowsOf(report)),
      drop: async () => undefined,
    };
  }
}

/** The files read, so that the next run passes them over. */
async function recordFiles(c: DuckDBConnection, run: Run): Promise<void> {
  const files = await RowAppender.open(c, 'files');
  for (const row of run.files) files.appendRow(row);
  files.close();
}

/**
 * Files between two reopenings of the appenders. An appender open for a whole year of reports held
 * native memory that grew with them (580 MB of RSS at 157,680 reports, of which DuckDB accounted for
 * 40); closed every batch, and the data chunks it was handed collected (`afterBatch`: a full
 * garbage collection), the peak stays flat (270 MB at 10,000 reports as at 30,000).
 */
export const BATCH = 2048;

export interface Batches {
  /** Runs between batches of files, with the appenders closed, and as a large report is read. */
  afterBatch: () => void;
  /** Files per batch, a multiple of 16 (the tests make it small). */
  size: number;
}

const openAppenders = async (c: DuckDBConnection): Promise<Appenders> => ({
  results: await RowAppender.open(c, 'results'),
  reports: await RowAppender.open(c, 'reports'),
});

function closeAppenders(to: Appenders): void {
  to.results.close();
  to.reports.close();
}

/**
 * Adds the new reports in `paths` (files, or folders and their subfolders) to the store on `c`, in one
 * transaction; bad files in folders go to `skip`.
 */
export async function ingest(
  c: DuckDBConnection,
  paths: string[],
  skip: (err: InputError) => void,
  { afterBatch, size }: Batches = { afterBatch: () => undefined, size: BATCH },
): Promise<Ingested> {
  // The store keeps an archive: cron's reports go into a folder a month (-o 'reports/%Y-%m/...').
  const list = await candidates(paths, true);
  const before = await known(c);
  if (list.length === 0) throw new InputError(`no *.json file in ${paths.join(', ')}`);
  await c.run('BEGIN TRANSACTION');
  try {
    const to = await openAppenders(c);
    const run = new Run(c, before, to, afterBatch);
    let addedBefore = 0;
    for (let i = 0; i < list.length; i += WINDOW) {
      for (const looked of await Promise.all(list.slice(i, i + WINDOW).map((c) => run.look(c, skip))))
        await run.take(looked, skip);
      // Only a batch that added reports has anything to release: a repeat run over a year stays fast.
      if ((i + WINDOW) % size === 0 && i + WINDOW < list.length && run.done.added > addedBefore) {
        addedBefore = run.done.added;
        closeAppenders(to);
        afterBatch();
        Object.assign(to, await openAppenders(c));
      }
    }
    closeAppenders(to);
    await recordFiles(c, run);
    await c.run('COMMIT');
    return run.done;
  } catch (err) {
    await c.run('ROLLBACK').catch(() => undefined); // a failed COMMIT has already rolled back
    throw err;
  }
}
