import type { RunSummary, TargetResult } from '../../model/result.js';
import type { VantagePoint } from '../../model/vantage-point.js';
import { renderPrometheus } from './prometheus.js';

// What --prom keeps of a run as its results stream past. Per-target series are for a list a dashboard
// can show: a target has about thirty (a verdict state set, its steps' durations...), so a million
// targets would be thirty million series in a textfile collector's file. Past the cap the file has the
// run's and the services' metrics only, and memory holds none of the results.

/** Up to this many targets, the metrics have series per target. */
export const TARGET_SERIES_MAX = 10_000;

export class TargetSeries {
  /** What the per-target series need of each result, with its place in the list; undefined past the cap. */
  private kept: Array<{ r: TargetResult; at: number }> | undefined = [];

  constructor(private readonly max = TARGET_SERIES_MAX) {}

  add(r: TargetResult, at: number): void {
    if (!this.kept) return;
    if (this.kept.length === this.max) this.kept = undefined;
    // The observations and the control are not metrics: only what the series read is kept.
    else this.kept.push({ r: { ...r, checks: [], evidence: [], control: undefined }, at });
  }

  render(summary: RunSummary, partial: boolean, vantage?: VantagePoint): string {
    const results = (this.kept ?? []).sort((a, b) => a.at - b.at).map(({ r }) => r);
    const text = renderPrometheus(results, summary, partial, vantage);
    if (this.kept) return text;
    return (
      `# ${summary.targets} targets: more than ${this.max} for series per target; ` +
      `the run's and the services' metrics only\n${text}`
    );
  }
}
