import { open } from 'node:fs/promises';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { InputError } from '../model/input-error.js';

// DuckDB, opened for the commands that use it (ingest, history --db, export --format parquet):
// the library and its native binding load here, at run time, so `check` never pays for them.
// Its errors about the file become one sentence naming it (exit 2).

/** Enough for the queries here; it keeps the process small beside a cron job's `check`. */
const SETTINGS = { memory_limit: '256MB', threads: '2' };

export interface Db {
  instance: DuckDBInstance;
  connection: DuckDBConnection;
  close(): void;
}

/** Whether `file` exists, and if it does, whether it starts as a DuckDB database does ("DUCK" at byte 8). */
async function kindOf(file: string): Promise<'missing' | 'duckdb' | 'other'> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw new InputError(`cannot open the store: ${(err as Error).message}`, file);
  }
  try {
    const head = Buffer.alloc(12);
    const { bytesRead } = await handle.read(head, 0, 12, 0);
    return bytesRead === 12 && head.subarray(8, 12).toString('latin1') === 'DUCK' ? 'duckdb' : 'other';
  } finally {
    await handle.close();
  }
}

/** DuckDB's lock error names the process that holds the file. */
function describeOpenError(err: unknown, file: string): InputError {
  const message = (err as Error).message;
  const lock = /Conflicting lock is held in .*?\(PID (\d+)\)/.exec(message);
  if (lock)
    return new InputError(
      `another process (pid ${lock[1]}) is using the store: an ingest or history --db still running; ` +
        `try again when it ends`,
      file,
    );
  if (/lock/i.test(message))
    return new InputError('another process is using the store; try again when it ends', file);
  return new InputError(`cannot open the store: ${message.split('\n')[0]}`, file);
}

/**
 * Opens `file` (created when `create` and missing), or a database in memory for ':memory:'.
 * A writer holds the file alone: a second writer, or a reader while it writes, gets an InputError.
 */
export async function openDb(
  file: string,
  { create, readOnly = false }: { create: boolean; readOnly?: boolean },
): Promise<Db> {
  if (file !== ':memory:') {
    const kind = await kindOf(file);
    if (kind === 'missing' && !create)
      throw new InputError('no such store: `reachprobe ingest DIR --db FILE` makes it', file);
    if (kind === 'other')
      throw new InputError('not a DuckDB database (a reachprobe store is made by `reachprobe ingest`)', file);
  }
  const { DuckDBInstance } = await import('@duckdb/node-api');
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(file, {
      ...SETTINGS,
      ...(readOnly ? { access_mode: 'READ_ONLY' } : {}),
    });
  } catch (err) {
    throw describeOpenError(err, file);
  }
  const connection = await instance.connect();
  return {
    instance,
    connection,
    close: () => {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** A string as a SQL literal: for file names in COPY and read_csv, which take no parameters. */
export const sqlString = (value: string): string => `'${value.replace(/'/g, "''")}'`;
