import type { RunSummary, TargetResult } from '../../model/result.js';
import type { InterruptedRun, ReportDocument } from './document.js';

// JSON Lines for scripts: one object per target as it finishes, then the run's summary. Each line
// says what it is, so a reader can tell the summary from a result without counting.

export const resultLine = (r: TargetResult): string => JSON.stringify({ type: 'result', ...r });

/**
 * What the summary line says of the run besides its summary: which run, from where, and whether it was
 * interrupted (then the lines before are only what finished).
 */
export type RunFacts = Pick<ReportDocument, 'report_id' | 'vantage_point' | 'partial'> & {
  interrupted?: InterruptedRun;
};

export const summaryLine = (s: RunSummary & RunFacts): string => JSON.stringify({ type: 'summary', ...s });
