import type { InputError } from '../model/input-error.js';
import { collectGarbage } from './heap.js';
import { EXIT } from './meta.js';
import type { IngestFlags } from './options.js';

/** Adds the new reports of `paths` to the store; bad input throws (exit 2), and then nothing is added. */
export async function runIngest(paths: string[], flags: IngestFlags): Promise<number> {
  const [{ BATCH, ingest }, { withStore }] = await Promise.all([
    import('../store/ingest.js'),
    import('../store/store.js'),
  ]);
  const skip = (err: InputError) => process.stderr.write(`reachprobe: skipped ${err.describe()}\n`);
  // The reports' objects and DuckDB's data chunks die between batches: collected then, the heap stays small.
  const done = await withStore(flags.db, true, (c) =>
    ingest(c, paths, skip, { afterBatch: collectGarbage, size: BATCH }),
  );
  const already = done.unchanged + done.duplicates;
  process.stdout.write(
    `${flags.db}: added ${done.added} report(s), ${done.rows} row(s); ${already} already in the store\n`,
  );
  return EXIT.ok;
}
