import { columns, widthsOf, type Paint } from './columns.js';
import { displayWidth, headOf } from './width.js';

// Fits a table to a terminal's width so the terminal never wraps it: a wrapped line breaks every
// column under it. The last column (the reason: free text, often 300 characters) gives way first:
// shortened with an ellipsis while enough of it is left to read, else on an indented line of its own
// under its row. Columns are left out, the least useful first and as few as will do, to keep reasons
// on their rows (only the few a reader misses least) or when even the rows without reasons do not fit.
// No width (piped output, --wide): every line whole, for grep.

/** Below this many characters a shortened reason says too little: it moves to a line of its own. */
export const MIN_REASON = 40;

export interface FitOptions {
  /** The terminal's width; undefined: no limit. */
  width?: number;
  /** Column headings (as the note names them), one per column; the last is the reason. */
  names: readonly string[];
  /** Indexes of the columns that may be left out, the least useful first. */
  dropOrder: readonly number[];
  /** How many of them may go to keep reasons on their rows (the rest go only when even rows do not fit). */
  inlineDrops?: number;
}

export interface Fitted {
  /** Each row's lines: one, or two when its reason is on a line of its own. */
  rows: string[][];
  /** The names of the columns left out. */
  dropped: string[];
  /** Whether some cell was shortened. */
  shortened: boolean;
}

/** `text` cut to `max` terminal columns, an ellipsis saying so. */
export const ellipsis = (text: string, max: number): string =>
  displayWidth(text) <= max ? text : `${headOf(text, Math.max(0, max - 1))}…`;

/** The width of the columns `fixed`, padded, with the gap after each. */
function padded(rows: string[][], fixed: readonly number[]): number {
  const widths = widthsOf(rows);
  return fixed.reduce((sum, i) => sum + widths[i]! + 2, 0);
}

interface Plan {
  /** The columns kept, the reason aside. */
  fixed: number[];
  ownLine: boolean;
}

/** The first plan that fits: reasons inline, with as few columns left out as will do; else on their own lines. */
function plan(rows: string[][], o: FitOptions, width: number): Plan {
  const others = o.names.slice(0, -1).map((_, i) => i);
  const leaving = (k: number) => others.filter((i) => !o.dropOrder.slice(0, k).includes(i));
  for (let k = 0; k <= (o.inlineDrops ?? o.dropOrder.length); k++) {
    if (padded(rows, leaving(k)) + MIN_REASON <= width) return { fixed: leaving(k), ownLine: false };
  }
  for (let k = 0; k <= o.dropOrder.length; k++) {
    if (padded(rows, leaving(k)) - 2 <= width) return { fixed: leaving(k), ownLine: true };
  }
  return { fixed: leaving(o.dropOrder.length), ownLine: true };
}

/** The last resort (a very narrow terminal): the first column shortened until the others fit. */
function capFirst(rows: string[][], fixed: number[], width: number): string[][] {
  const over = padded(rows, fixed) - 2 - width;
  if (over <= 0) return rows;
  const first = fixed[0]!;
  const max = Math.max(2, widthsOf(rows)[first]! - over);
  return rows.map((row) => row.map((cell, i) => (i === first ? ellipsis(cell, max) : cell)));
}

const indentOf = (cell: string) => cell.length - cell.trimStart().length + 2;

/** Lays out `rows` (coloured by `paints`, as `columns` does) to fit `width`. */
export function fitColumns(rows: string[][], paints: Array<Array<Paint | undefined>>, o: FitOptions): Fitted {
  const { width } = o;
  if (width === undefined || rows.length === 0) {
    return { rows: columns(rows, paints).map((line) => [line]), dropped: [], shortened: false };
  }
  const last = o.names.length - 1;
  const { fixed, ownLine } = plan(rows, o, width);
  const dropped = o.dropOrder.filter((i) => !fixed.includes(i)).map((i) => o.names[i]!);
  const capped = ownLine ? capFirst(rows, fixed, width) : rows;
  const room = ownLine ? width : width - padded(rows, fixed);
  const reasonOf = (r: number) => rows[r]![last]!;
  const indent = (r: number) => (ownLine ? indentOf(rows[r]![0]!) : 0);
  const shortened = capped !== rows || rows.some((_, r) => indent(r) + displayWidth(reasonOf(r)) > room);
  const cells = capped.map((row, r) => [
    ...fixed.map((i) => row[i]!),
    ...(ownLine ? [] : [ellipsis(reasonOf(r), room)]),
  ]);
  const cellPaints = paints.map((p) => [...fixed, last].map((i) => p[i]));
  const laid = columns(cells, cellPaints).map((line, r) =>
    ownLine && reasonOf(r) !== ''
      ? [line, `${' '.repeat(indent(r))}${ellipsis(reasonOf(r), width - indent(r))}`]
      : [line],
  );
  return { rows: laid, dropped, shortened };
}

/** Prose (a summary, a note) broken between words to fit `width`, later lines indented by `indent`. */
export function wrapWords(text: string, width: number | undefined, indent = 2): string[] {
  if (width === undefined || displayWidth(text) <= width) return [text];
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const lead = lines.length === 0 ? '' : ' '.repeat(indent);
    if (line !== '' && lead.length + displayWidth(line) + 1 + displayWidth(word) > width) {
      lines.push(lead + line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  lines.push((lines.length === 0 ? '' : ' '.repeat(indent)) + line);
  return lines.map((l) => ellipsis(l, width));
}
