import type { ChalkInstance } from 'chalk';
import type { Change, ChangeKind, ReportDiff, ServiceChange } from './diff.js';
import type { ServiceVerdict } from '../../model/service.js';
import { rateText } from '../../model/transfer.js';
import type { TargetOutcome, ReportRef } from '../document/target-outcome.js';
import { columns, type Paint } from '../terminal/columns.js';
import { BLOCKED_BY_WORDS, outcomeCell, paintFor, where } from '../terminal/table.js';
import { printable, shortTime } from '../terminal/words.js';

// `reachprobe diff` for people: one line per target that changed, what it was, what it is, and
// where the newer failure happened.

const describe = (r: ReportRef) =>
  `${printable(r.file)} (${shortTime(r.started_at)}${r.partial ? ', partial' : ''})`;

/** Where it failed and what the block is keyed on: the newer side's, or the older one's for a vanished target. */
function detail(c: Change): string {
  const o = (c.new ?? c.old)!;
  const by = o['blocked-by'];
  return [where(o), by ? BLOCKED_BY_WORDS[by] : ''].filter(Boolean).join(', ');
}

const verdictOf = (o: TargetOutcome | undefined, rates: boolean) => {
  if (!o) return '-';
  const rate =
    rates && o.rate_bytes_per_second !== undefined ? ` at ${rateText(o.rate_bytes_per_second)}` : '';
  return `${outcomeCell(o)}${rate}`;
};

/** Both sides' rates, where both were measured: a rate that moved tenfold may be the only change. */
const bothRated = (c: Change) =>
  c.old?.rate_bytes_per_second !== undefined && c.new?.rate_bytes_per_second !== undefined;

function changeTable(changes: Change[], chalk: ChalkInstance): string[] {
  const kindPaint: Record<ChangeKind, Paint> = {
    changed: chalk.yellow,
    appeared: chalk.cyan,
    vanished: chalk.magenta,
  };
  const paintOf = (o: TargetOutcome | undefined) => (o ? paintFor(chalk, o.verdict) : chalk.dim);
  const rows = [
    ['SERVICE', 'TARGET', 'CHANGE', 'OLD', '', 'NEW', 'DETAIL'],
    ...changes.map((c) => [
      printable(c.service),
      printable(c.name),
      c.change,
      verdictOf(c.old, bothRated(c)),
      '→',
      verdictOf(c.new, bothRated(c)),
      detail(c),
    ]),
  ];
  const paints = [
    rows[0]!.map(() => chalk.bold),
    ...changes.map((c) => [
      undefined,
      undefined,
      kindPaint[c.change],
      paintOf(c.old),
      chalk.dim,
      paintOf(c.new),
      chalk.dim,
    ]),
  ];
  return columns(rows, paints);
}

const stateOf = (s: ServiceVerdict | undefined) => s?.state ?? '-';
const howOf = (s: ServiceVerdict | undefined) => (s && s.how.length > 0 ? s.how.join(', ') : '');

/** The services whose state changed: the first thing a reader wants. */
function serviceTable(changes: ServiceChange[], chalk: ChalkInstance): string[] {
  const rows = [
    ['SERVICE', 'OLD', '', 'NEW', 'HOW'],
    ...changes.map((c) => [printable(c.service), stateOf(c.old), '→', stateOf(c.new), howOf(c.new)]),
  ];
  const paints = [
    rows[0]!.map(() => chalk.bold),
    ...changes.map(() => [chalk.bold, undefined, chalk.dim, chalk.yellow, chalk.dim]),
  ];
  return columns(rows, paints);
}

function countsLine({ counts }: ReportDiff): string {
  const changed = counts.changed + counts.appeared + counts.vanished;
  if (changed === 0) return `nothing changed: ${counts.unchanged} targets, the same verdicts`;
  return (
    `${counts.changed} changed, ${counts.appeared} appeared, ${counts.vanished} ` +
    `vanished; ${counts.unchanged} unchanged`
  );
}

/** What could make the diff misleading. */
function notes(diff: ReportDiff): string[] {
  const interrupted = (r: ReportRef, side: string, missing: string) =>
    r.partial
      ? [
          `${side} is a partial report (the run was interrupted): targets it lacks may only not have been ${missing}`,
        ]
      : [];
  return [
    ...interrupted(diff.old, 'OLD', 'measured (shown as appeared)'),
    ...interrupted(diff.new, 'NEW', 'measured (shown as vanished)'),
    ...(Date.parse(diff.old.started_at) > Date.parse(diff.new.started_at)
      ? ['OLD started after NEW: the files may be swapped']
      : []),
  ];
}

export function renderDiff(diff: ReportDiff, chalk: ChalkInstance): string {
  const lines = [`${describe(diff.old)} → ${describe(diff.new)}`];
  if (diff.services.length > 0) lines.push('', ...serviceTable(diff.services, chalk));
  if (diff.changes.length > 0) lines.push('', ...changeTable(diff.changes, chalk));
  lines.push('', chalk.bold(countsLine(diff)), ...notes(diff).map((n) => chalk.yellow(`note: ${n}`)));
  return `${lines.join('\n')}\n`;
}
