// Columns of plain text, padded to their widest cell before colouring (colour codes have no width).

export type Paint = (text: string) => string;

/** Lays out rows so each column is as wide as its widest cell (measured before colouring). */
export function columns(rows: string[][], paints: Array<Array<Paint | undefined>>): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row, r) =>
    row
      .map((cell, i) => {
        const padded = i === row.length - 1 ? cell : cell.padEnd(widths[i]!);
        return paints[r]?.[i]?.(padded) ?? padded;
      })
      .join('  ')
      .trimEnd(),
  );
}
