// Columns of plain text, padded to their widest cell before colouring (colour codes have no width),
// widths in terminal columns (width.ts: a CJK character takes two).
import { displayWidth, padTo } from './width.js';

export type Paint = (text: string) => string;

/** Each column's width: its widest cell's (a loop: spreading the rows into Math.max overflows the stack). */
export function widthsOf(rows: string[][]): number[] {
  const widths = rows[0]!.map(() => 0);
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i]!, displayWidth(cell))));
  return widths;
}

/** Lays out rows so each column is as wide as its widest cell (measured before colouring). */
export function columns(rows: string[][], paints: Array<Array<Paint | undefined>>): string[] {
  const widths = widthsOf(rows);
  return rows.map((row, r) =>
    row
      .map((cell, i) => {
        // No padding after the last cell that has text: inside colour codes, trimEnd cannot remove it.
        const last = i === row.length - 1 || row.slice(i + 1).every((c) => c === '');
        const padded = last ? cell : padTo(cell, widths[i]!);
        return paints[r]?.[i]?.(padded) ?? padded;
      })
      .join('  ')
      .trimEnd(),
  );
}
