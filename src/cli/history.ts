import { InputError } from '../model/input-error.js';
import { writeAtomically } from '../report/document/document.js';
import { buildTimeline, digestOf, type Timeline } from '../report/history/history.js';
import { renderHistoryHtml } from '../report/history/html.js';
import { renderHistory } from '../report/history/text.js';
import { collectReports } from '../report/document/read.js';
import { chalkFor } from './color.js';
import { EXIT } from './meta.js';
import type { HistoryFlags } from './options.js';

/** The options that only the store answers. */
const STORE_ONLY = ['by', 'since', 'until', 'label', 'compare', 'json'] as const;

async function writePage(file: string, timeline: Timeline): Promise<void> {
  try {
    await writeAtomically(file, renderHistoryHtml(timeline));
  } catch (err) {
    throw new InputError(`cannot write the page: ${(err as Error).message}`, file);
  }
  process.stdout.write(
    `wrote ${file}: ${timeline.columns.length} report(s), ${timeline.rows.length} target(s)\n`,
  );
}

/** Shows the timeline, or writes it as a page; bad input throws (exit 2). */
export async function runHistory(paths: string[], flags: HistoryFlags): Promise<number> {
  const chalk = chalkFor(process.stdout, flags.color);
  if (flags.db !== undefined) {
    const { runStoreHistory } = await import('./history-db.js');
    return runStoreHistory(paths, { ...flags, db: flags.db }, chalk);
  }
  const storeOnly = STORE_ONLY.filter((k) => flags[k] !== undefined);
  if (storeOnly.length > 0)
    throw new InputError(`--${storeOnly[0]} answers from the store: give --db FILE too`);
  if (paths.length === 0) throw new InputError('give report files or folders, or --db FILE');
  const { reports, skipped } = await collectReports(paths, digestOf);
  for (const err of skipped) process.stderr.write(`reachprobe: skipped ${err.describe()}\n`);
  const timeline = buildTimeline(reports, flags.last);
  if (flags.html !== undefined) await writePage(flags.html, timeline);
  else process.stdout.write(renderHistory(timeline, chalk));
  return EXIT.ok;
}
