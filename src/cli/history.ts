import { InputError } from '../model/input-error.js';
import { writeAtomically } from '../report/document/document.js';
import { buildTimeline, digestOf, type Digest, type Timeline } from '../report/history/history.js';
import { renderHistoryHtml } from '../report/history/html.js';
import { renderHistory } from '../report/history/text.js';
import { collectReports } from '../report/document/read.js';
import { chalkFor } from './color.js';
import { EXIT } from './meta.js';
import type { HistoryFlags } from './options.js';

/** The options that only the store answers. */
const STORE_ONLY = ['by', 'since', 'until', 'compare', 'json'] as const;

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

/** --label: only the reports of these vantage points. */
function ofLabels(reports: Digest[], wanted: string[] | undefined): Digest[] {
  if (wanted === undefined) return reports;
  const kept = reports.filter((r) => r.label !== undefined && wanted.includes(r.label));
  if (kept.length > 0) return kept;
  const held = [...new Set(reports.flatMap((r) => (r.label === undefined ? [] : [r.label])))];
  throw new InputError(
    `no report of --label ${wanted.join(',')} (${held.length ? `the reports have ${held.join(', ')}` : 'no report has a label'})`,
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
  const timeline = buildTimeline(ofLabels(reports, flags.label), flags.last);
  if (flags.html !== undefined) await writePage(flags.html, timeline);
  else process.stdout.write(renderHistory(timeline, chalk));
  return EXIT.ok;
}
