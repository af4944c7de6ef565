import { diffReports } from '../report/diff/diff.js';
import { renderDiff } from '../report/diff/text.js';
import { readReport } from '../report/document/read.js';
import { chalkFor } from './color.js';
import { EXIT } from './meta.js';
import type { DiffFlags } from './options.js';

/** 0 nothing changed, 1 a verdict changed or a target appeared or vanished (for alerting); bad input throws (2). */
export async function runDiff(oldFile: string, newFile: string, flags: DiffFlags): Promise<number> {
  const diff = diffReports(await readReport(oldFile), await readReport(newFile));
  const text = flags.json
    ? `${JSON.stringify(diff, null, 2)}\n`
    : renderDiff(diff, chalkFor(process.stdout, flags.color));
  process.stdout.write(text);
  return diff.changes.length === 0 ? EXIT.ok : EXIT.changed;
}
