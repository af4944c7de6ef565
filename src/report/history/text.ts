import type { ChalkInstance } from 'chalk';
import { rowName, verdictsIn, type Column, type Row, type ServiceRow, type Timeline } from './history.js';
import { columns } from '../terminal/columns.js';
import { countsText, outcomeCell, paintFor } from '../terminal/table.js';
import { ABSENT_SYMBOL, STATE_SYMBOL, VERDICT_SYMBOL } from '../terminal/verdict-style.js';
import { fastest, rateGlyph, rateLegend, rateSpan } from '../terminal/rates.js';
import { statePaint } from '../terminal/service-line.js';
import { SERVICE_STATES } from '../../model/service.js';
import { printable, shortTime, span } from '../terminal/words.js';
import { displayWidth, padTo } from '../terminal/width.js';

// `reachprobe history` in the terminal: first the reports, numbered, with their times and counts
// (the time axis, written out, since a one-character column has no room for a time); then a line
// per service (its state) and under it a line per target, a character per report, under the number
// of its report.

/** Marks a column that comes after an unusually long pause, in every line, so the axis stays honest. */
const GAP = '¦';

function reportList(cols: Column[]): string[] {
  // The vantage point of each report, when any has one (`check --label`).
  const labelled = cols.some((c) => c.label !== undefined);
  const rows = [
    ['#', 'STARTED (UTC)', 'AFTER', ...(labelled ? ['LABEL'] : []), 'TARGETS', 'VERDICTS', 'FILE'],
    ...cols.map((c, i) => [
      String(i + 1),
      shortTime(c.started_at),
      c.after_ms === undefined ? '' : `+${span(c.after_ms)}${c.long_gap ? ` ${GAP}` : ''}`,
      ...(labelled ? [printable(c.label ?? '-')] : []),
      String(c.targets),
      countsText(c.counts),
      `${printable(c.file)}${c.partial ? ' (partial: interrupted)' : ''}`,
    ]),
  ];
  return columns(rows, []).map((line) => `  ${line}`);
}

/** The characters of a row (or of the header, with `draw` giving each column's), a gap mark before long gaps. */
function strip(cols: Column[], draw: (i: number) => string): string {
  return cols.map((c, i) => `${c.long_gap ? GAP : ''}${draw(i)}`).join('');
}

/** The report a row's "now" comes from: the last one, or its vantage point's last when rows are apart. */
function lastOf(row: Row | ServiceRow, cols: Column[]): number {
  return row.label === undefined ? cols.length - 1 : cols.findLastIndex((c) => c.label === row.label);
}

function rowLine(row: Row, cols: Column[], nameWidth: number, chalk: ChalkInstance): string {
  const cells = strip(cols, (i) => {
    const cell = row.cells[i];
    return cell ? paintFor(chalk, cell.verdict)(VERDICT_SYMBOL[cell.verdict]) : ABSENT_SYMBOL;
  });
  const last = row.cells[lastOf(row, cols)];
  const now = last ? paintFor(chalk, last.verdict)(outcomeCell(last)) : chalk.dim('(not in the last report)');
  return `  ${padTo(printable(rowName(row)), nameWidth)}  ${cells}  ${now}`;
}

/** A service's line: its name, a character per report for its state, and its state in the last report. */
function stateLine(row: ServiceRow, cols: Column[], nameWidth: number, chalk: ChalkInstance): string {
  const cells = strip(cols, (i) => {
    const cell = row.cells[i];
    return cell ? statePaint(chalk, cell.state)(STATE_SYMBOL[cell.state]) : ABSENT_SYMBOL;
  });
  const last = row.cells[lastOf(row, cols)];
  const now = last ? statePaint(chalk, last.state)(last.state) : chalk.dim('(not in the last report)');
  return `${chalk.bold(padTo(printable(rowName(row)), nameWidth + 2))}  ${cells}  ${now}`;
}

/** Under a row whose reports measured a rate: a character per report, its height the rate there. */
function rateLine(row: Row, cols: Column[], nameWidth: number, chalk: ChalkInstance): string[] {
  const rates = row.cells.map((c) => c?.rate_bytes_per_second);
  if (rates.every((r) => r === undefined)) return [];
  const top = fastest(rates);
  const cells = strip(cols, (i) => rateGlyph(rates[i], top, chalk));
  return [`  ${padTo('', nameWidth)}  ${cells}  ${rateSpan(rates, 'rate')}`];
}

function timelineLines(timeline: Timeline, chalk: ChalkInstance): string[] {
  const { columns: cols, rows, services } = timeline;
  const widthOf = (r: Row | ServiceRow) => displayWidth(printable(rowName(r)));
  const nameWidth = Math.max(...rows.map(widthOf), ...services.map((s) => widthOf(s) - 2));
  // The last digit of each report's number: with the list above, enough to find a column.
  const header = `  ${''.padEnd(nameWidth)}  ${strip(cols, (i) => String((i + 1) % 10))}  LAST`;
  const lines = [chalk.bold(header)];
  let service: string | undefined;
  for (const row of rows) {
    if (row.service !== service) {
      for (const s of services.filter((s) => s.service === row.service))
        lines.push(stateLine(s, cols, nameWidth, chalk));
    }
    service = row.service;
    lines.push(rowLine(row, cols, nameWidth, chalk), ...rateLine(row, cols, nameWidth, chalk));
  }
  return lines;
}

/** What the characters mean: a service's states, then the verdicts the timeline shows. */
function legend(timeline: Timeline, chalk: ChalkInstance): string {
  const verdicts = verdictsIn(timeline).map((v) => `${paintFor(chalk, v)(VERDICT_SYMBOL[v])} ${v}`);
  const gap = timeline.columns.some((c) => c.long_gap)
    ? [`${GAP} a pause over twice the usual before that report`]
    : [];
  const states = SERVICE_STATES.map((st) => `${statePaint(chalk, st)(STATE_SYMBOL[st])} ${st}`);
  const lines = [
    `services: ${states.join('  ')}`,
    `legend: ${[...verdicts, '(blank) not in that report', ...gap].join('  ')}`,
  ];
  const rated = timeline.rows.some((r) => r.cells.some((c) => c?.rate_bytes_per_second !== undefined));
  if (rated) lines.push(rateLegend("the transfer rate of a report's target"));
  return lines.join('\n');
}

export function renderHistory(timeline: Timeline, chalk: ChalkInstance): string {
  const cols = timeline.columns;
  const first = shortTime(cols[0]!.started_at);
  const lines = [
    chalk.bold(`${cols.length} report(s), from ${first} to ${shortTime(cols.at(-1)!.started_at)}`),
    ...reportList(cols),
    '',
    ...timelineLines(timeline, chalk),
    '',
    legend(timeline, chalk),
  ];
  return `${lines.join('\n')}\n`;
}
