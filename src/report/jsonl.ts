import type { RunSummary, TargetResult } from '../model/result.js';

// JSON Lines for scripts: one object per target as it finishes, then the run's summary. Each line
// says what it is, so a reader can tell the summary from a result without counting.

export const resultLine = (r: TargetResult): string => JSON.stringify({ type: 'result', ...r });

export const summaryLine = (s: RunSummary): string => JSON.stringify({ type: 'summary', ...s });
