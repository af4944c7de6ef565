import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import { openDb } from './duckdb.js';
import { prepareStore } from './schema.js';

/**
 * Runs `use` on the store in `file`: for writing (made when missing, with its tables) or for
 * reading. A store this call made and could not fill is removed, so no empty or half-made store is
 * left behind.
 */
export async function withStore<T>(
  file: string,
  write: boolean,
  use: (c: DuckDBConnection) => Promise<T>,
): Promise<T> {
  const made = write && !existsSync(file);
  const db = await openDb(file, { create: write, readOnly: !write });
  let done = false;
  try {
    await prepareStore(db.connection, file, { create: made });
    const result = await use(db.connection);
    done = true;
    return result;
  } finally {
    db.close();
    if (!done && made) await Promise.all([file, `${file}.wal`].map((f) => rm(f, { force: true })));
  }
}
