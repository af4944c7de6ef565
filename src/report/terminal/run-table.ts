import type { ChalkInstance } from 'chalk';
import { isSuccess } from '../../classify/run.js';
import type { RunSummary, TargetResult } from '../../model/result.js';
import { columns } from './columns.js';
import { fitColumns } from './fit.js';
import { endLines, paintFor, renderTable, where, type TableOptions } from './table.js';

// The table of a run, fed as results come: every target's line for a run a person reads line by
// line; past that, what a person can read of a large run (per-service counts, the first targets
// not reached, the run's counts), in memory that does not grow with the run.

/** Up to this many targets, the table has a line for each. */
export const FULL_TABLE_TARGETS = 2_000;
/** A large run's table: so many services and unreached targets at most. */
const LISTED_SERVICES = 40;
const LISTED_TARGETS = 40;

interface ServiceTally {
  targets: number;
  notReached: number;
}

const number = (n: number) => n.toLocaleString('en-US');

export class RunTable {
  /** Every result, with its place in the list, while the run is small enough to show them all. */
  private kept: Array<{ r: TargetResult; at: number }> | undefined = [];
  private readonly services = new Map<string, ServiceTally>();
  /** Results of services past the listed ones: then there are too many to list any. */
  private unlisted = 0;
  private readonly notReached: TargetResult[] = [];
  private notReachedCount = 0;

  add(r: TargetResult, at: number): void {
    if (this.kept && this.kept.length < FULL_TABLE_TARGETS) this.kept.push({ r, at });
    else this.kept = undefined;
    const reached = isSuccess(r.verdict);
    if (!reached && this.notReachedCount++ < LISTED_TARGETS) this.notReached.push(withoutChecks(r));
    const service = this.services.get(r.service);
    if (service) {
      service.targets++;
      if (!reached) service.notReached++;
    } else if (this.services.size < LISTED_SERVICES) {
      this.services.set(r.service, { targets: 1, notReached: reached ? 0 : 1 });
    } else this.unlisted++;
  }

  render(summary: RunSummary, chalk: ChalkInstance, options: TableOptions = {}): string {
    if (this.kept) {
      const inOrder = this.kept.sort((a, b) => a.at - b.at).map(({ r }) => r);
      return renderTable(inOrder, summary, chalk, options);
    }
    const { width } = options;
    const lines = [
      ...this.serviceLines(chalk),
      ...this.notReachedLines(chalk, width),
      ...endLines(summary, chalk, width),
    ];
    return `${lines.join('\n')}\n`;
  }

  /** A line per service when the services are few enough to read; otherwise none. */
  private serviceLines(chalk: ChalkInstance): string[] {
    const note = chalk.dim('too many targets for a line each: the -o report and --json hold every result');
    if (this.unlisted > 0) return [note];
    const rows = [['SERVICE', 'TARGETS', 'NOT REACHED']];
    for (const [name, t] of this.services) rows.push([`  ${name}`, number(t.targets), number(t.notReached)]);
    const paints = rows.map((_, i) => (i === 0 ? [chalk.bold, chalk.bold, chalk.bold] : []));
    const more =
      this.unlisted > 0 ? [chalk.dim(`  (${number(this.unlisted)} targets of further services)`)] : [];
    return [
      chalk.dim('too many targets for a line each: the -o report and --json hold every result'),
      ...columns(rows, paints),
      ...more,
    ];
  }

  private notReachedLines(chalk: ChalkInstance, width: number | undefined): string[] {
    if (this.notReached.length === 0) return [];
    const shown = this.notReached.length;
    const title =
      `${number(this.notReachedCount)} targets not ` +
      `reached${shown < this.notReachedCount ? ` (the first ${shown})` : ''}:`;
    const rows = this.notReached.map((r) => [`  ${r.name}`, r.verdict, where(r), r.reason]);
    const paints = this.notReached.map((r) => [undefined, paintFor(chalk, r.verdict), chalk.dim]);
    const names = ['target', 'verdict', 'stage', 'reason'];
    const fitted = fitColumns(rows, paints, { width, names, dropOrder: [2] });
    return ['', chalk.bold(title), ...fitted.rows.flat()];
  }
}

/** What the large table shows of a target: its observations are not kept. */
function withoutChecks(r: TargetResult): TargetResult {
  return { ...r, checks: [], evidence: [] };
}
