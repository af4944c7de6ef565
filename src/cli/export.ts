import { InputError } from '../model/input-error.js';
import { AtomicStream } from '../report/document/atomic-stream.js';
import { exportText, type Exported, type Sink } from '../report/export/export.js';
import { EXIT } from './meta.js';
import type { ExportFlags } from './options.js';

const stdout: Sink = {
  write: (text) =>
    new Promise((resolve) => {
      if (process.stdout.write(text)) resolve();
      else process.stdout.once('drain', resolve);
    }),
};

/** JSON Lines or CSV to a file, atomically: a bad report named on the command line leaves no file. */
async function toFile(file: string, run: (sink: Sink) => Promise<Exported>): Promise<Exported> {
  const out = new AtomicStream(file);
  try {
    const done = await run(out);
    await out.commit();
    return done;
  } catch (err) {
    await out.abort();
    if (err instanceof InputError) throw err;
    throw new InputError(`cannot write the export: ${(err as Error).message}`, file);
  }
}

async function exportTo(
  paths: string[],
  flags: ExportFlags,
  skip: (err: InputError) => void,
): Promise<Exported> {
  const { format, output } = flags;
  if (format === 'parquet') {
    if (output === undefined) throw new InputError('--format parquet writes a file: give it with -o FILE');
    const { exportParquet } = await import('../store/parquet.js'); // DuckDB loads only here
    return exportParquet(paths, output, skip);
  }
  if (output === undefined) return exportText(paths, format, stdout, skip);
  return toFile(output, (sink) => exportText(paths, format, sink, skip));
}

/** Writes one flat row per target per report (docs/export.md); bad input throws (exit 2). */
export async function runExport(paths: string[], flags: ExportFlags): Promise<number> {
  const skip = (err: InputError) => process.stderr.write(`reachprobe: skipped ${err.describe()}\n`);
  const done = await exportTo(paths, flags, skip);
  if (flags.output !== undefined)
    process.stderr.write(`wrote ${flags.output}: ${done.rows} row(s) from ${done.reports} report(s)\n`);
  return EXIT.ok;
}
