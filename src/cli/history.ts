import type { ChalkInstance } from 'chalk';
import { InputError } from '../model/input-error.js';
import { writeAtomically } from '../report/document/document.js';
import { buildTimeline, digestOf, type Digest, type Timeline } from '../report/history/history.js';
import { renderHistory } from '../report/history/text.js';
import { collectReports } from '../report/document/read.js';
import { buildEvents, sampleOf, type ServiceSample } from '../report/history/events.js';
import { renderEvents } from '../report/history/events-text.js';
import { chalkFor } from './color.js';
import { EXIT } from './meta.js';
import type { HistoryFlags } from './options.js';

/** The options that only the store answers (and --json, which --events takes too). */
const STORE_ONLY = ['by', 'since', 'until', 'compare', 'services', 'json'] as const;
/** How many reports in a row a new state must hold before --events counts it. */
const DEFAULT_HOLD = 2;

async function fileSamples(paths: string[], labels: string[] | undefined): Promise<ServiceSample[]> {
  const { reports, skipped } = await collectReports(paths, sampleOf);
  for (const err of skipped) process.stderr.write(`reachprobe: skipped ${err.describe()}\n`);
  return labels ? reports.filter((r) => labels.includes(r.label)) : reports;
}

async function showEvents(
  samples: ServiceSample[],
  flags: HistoryFlags,
  chalk: ChalkInstance,
): Promise<number> {
  const hold = flags.hold ?? DEFAULT_HOLD;
  const events = buildEvents(samples, hold);
  process.stdout.write(
    flags.json ? `${JSON.stringify({ hold, events }, null, 2)}\n` : renderEvents(events, hold, chalk),
  );
  return EXIT.ok;
}

async function writePage(file: string, timeline: Timeline): Promise<void> {
  // Plot and d3 (about 490 kB) are read only here, for the page.
  const [{ renderHistoryHtml }, { plotLibraries }] = await Promise.all([
    import('../report/history/html.js'),
    import('../report/html/plot-library.js'),
  ]);
  const page = renderHistoryHtml(timeline, await plotLibraries());
  try {
    await writeAtomically(file, page);
  } catch (err) {
    throw new InputError(`cannot write the page: ${(err as Error).message}`, file);
  }
  process.stdout.write(
    `wrote ${file}: ${timeline.columns.length} report(s), ${timeline.services.length} service row(s), ` +
      `${timeline.rows.length} target row(s), ${Math.round(Buffer.byteLength(page) / 1024)} kB\n`,
  );
}

/** --label: only the reports of these vantage points. */
function ofLabels(reports: Digest[], wanted: string[] | undefined): Digest[] {
  if (wanted === undefined) return reports;
  const kept = reports.filter((r) => r.label !== undefined && wanted.includes(r.label));
  if (kept.length > 0) return kept;
  const held = [...new Set(reports.flatMap((r) => (r.label === undefined ? [] : [r.label])))];
  throw new InputError(
    `no report of --label ${wanted.join(',')} ` +
      `(${held.length ? `the reports have ${held.join(', ')}` : 'no report has a label'})`,
  );
}

/** Shows the timeline, or writes it as a page; bad input throws (exit 2). */
export async function runHistory(paths: string[], flags: HistoryFlags): Promise<number> {
  const chalk = chalkFor(process.stdout, flags.color);
  if (flags.services && flags.events)
    throw new InputError('--events lists changes per service already: give --events or --services');
  if (flags.db !== undefined && flags.events) {
    const { storeSamples } = await import('./history-db.js');
    return showEvents(await storeSamples(paths, { ...flags, db: flags.db }), flags, chalk);
  }
  if (flags.db !== undefined) {
    const { runStoreHistory } = await import('./history-db.js');
    return runStoreHistory(paths, { ...flags, db: flags.db }, chalk);
  }
  if (flags.hold !== undefined && !flags.events) throw new InputError('--hold goes with --events');
  if (flags.events && flags.html !== undefined)
    throw new InputError('--events prints; --html draws: give one');
  const storeOnly = STORE_ONLY.filter((k) => flags[k] !== undefined && !(k === 'json' && flags.events));
  if (storeOnly.length > 0)
    throw new InputError(`--${storeOnly[0]} answers from the store: give --db FILE too`);
  if (paths.length === 0) throw new InputError('give report files or folders, or --db FILE');
  if (flags.events) return showEvents(await fileSamples(paths, flags.label), flags, chalk);
  const { reports, skipped } = await collectReports(paths, digestOf);
  for (const err of skipped) process.stderr.write(`reachprobe: skipped ${err.describe()}\n`);
  const timeline = buildTimeline(ofLabels(reports, flags.label), flags.last);
  if (flags.html !== undefined) await writePage(flags.html, timeline);
  else process.stdout.write(renderHistory(timeline, chalk));
  return EXIT.ok;
}
