import type { ChalkInstance } from 'chalk';
import { RATE_CHANGE, rateText } from '../../model/transfer.js';

// history's rate line under a target's verdicts: a character per column (a report, or a store's
// bucket), its height the transfer rate there against the row's fastest, on a log scale since
// throttling moves rates tenfold or more; red where it is RATE_CHANGE or more below the fastest.

const LEVELS = '▁▂▃▄▅▆▇█';
/** The tenfolds the levels span, top to bottom: a level is about 2.4x. */
const DECADES = 3;
export const NO_RATE = '·';

/** The character of one column's rate, against the row's fastest (`top`). */
export function rateGlyph(rate: number | undefined, top: number, chalk: ChalkInstance): string {
  if (rate === undefined) return chalk.dim(NO_RATE);
  const below = rate > 0 ? Math.log10(top / rate) : DECADES;
  const level = Math.max(0, LEVELS.length - 1 - Math.round((below * (LEVELS.length - 1)) / DECADES));
  const glyph = LEVELS[level]!;
  return rate * RATE_CHANGE <= top ? chalk.red(glyph) : glyph;
}

export const fastest = (rates: Array<number | undefined>): number =>
  Math.max(...rates.filter((r): r is number => r !== undefined));

/** "rate 16 Mbit/s → 130 kbit/s": the first and the last rate shown (one when they are the same column). */
export function rateSpan(rates: Array<number | undefined>, what: string): string {
  const known = rates.filter((r): r is number => r !== undefined);
  const [first, last] = [known[0]!, known.at(-1)!];
  return known.length === 1 ? `${what} ${rateText(first)}` : `${what} ${rateText(first)} → ${rateText(last)}`;
}

/** The legend of the rate lines: `what` is the character's rate ("the median transfer rate of a day"). */
export const rateLegend = (what: string): string =>
  `rate line: its height ${what} against the row's fastest ` +
  `(a level about 2.4x; red: ${RATE_CHANGE}x or more below), ${NO_RATE} none measured`;
