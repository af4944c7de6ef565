import type { ChalkInstance } from 'chalk';
import type { Period, ServiceEvents } from './events.js';
import { printable, shortTime } from '../terminal/words.js';

// `history --events` for people: a line per service and vantage point whose state changed, oldest
// period first, then how many held one state throughout.

function stateWords(p: Period): string {
  return p.how.length > 0 && p.state !== 'usable' ? `${p.state} (${p.how.join(', ')})` : p.state;
}

function periodWords(p: Period, i: number, all: Period[]): string {
  if (i === 0) return `${stateWords(p)} until ${shortTime(p.until!)}`;
  if (i === all.length - 1) return `${stateWords(p)} since ${shortTime(p.from)}`;
  return `${stateWords(p)} from ${shortTime(p.from)} until ${shortTime(p.until!)}`;
}

function eventLine(e: ServiceEvents, chalk: ChalkInstance): string {
  const periods = e.periods.map(periodWords).join(', ');
  const agree = e.vantage_points > 1 ? `, ${e.agree} of ${e.vantage_points} vantage points agree` : '';
  const flaps = e.flaps > 0 ? chalk.dim(` (${e.flaps} flap(s) shorter than the hold folded)`) : '';
  return `${chalk.bold(printable(e.service))}, ${printable(e.label)}: ${periods}${agree}${flaps}`;
}

export function renderEvents(events: ServiceEvents[], hold: number, chalk: ChalkInstance): string {
  const changed = events.filter((e) => e.periods.length > 1);
  const steady = events.length - changed.length;
  const lines = changed.map((e) => eventLine(e, chalk));
  if (changed.length === 0) lines.push('no service changed state');
  lines.push(
    chalk.dim(
      `${steady} service/vantage point pair(s) held one state throughout; ` +
        `a change counts once it held for ${hold} report(s) (--hold)`,
    ),
  );
  return `${lines.join('\n')}\n`;
}
