import type { RunSummary, TargetResult } from '../model/result.js';
import type { InterruptedRun } from './document.js';

// JSON Lines for scripts: one object per target as it finishes, then the run's summary. Each line
// says what it is, so a reader can tell the summary from a result without counting.

export const resultLine = (r: TargetResult): string => JSON.stringify({ type: 'result', ...r });

/** The summary, and whether the run was interrupted (then the lines before are only what finished). */
export const summaryLine = (s: RunSummary & { partial: boolean; interrupted?: InterruptedRun }): string => JSON.stringify({ type: 'summary', ...s });
