import stringWidth from 'string-width';

// How many terminal columns text takes: an east-asian wide character (中, 한, ｱ) takes two, a
// combining mark none. Counting UTF-16 units instead makes a line of CJK names overflow the terminal.

/** Printable ASCII only: one column per character, without asking string-width. */
const ASCII = /^[\x20-\x7e]*$/;

export const displayWidth = (text: string): number => (ASCII.test(text) ? text.length : stringWidth(text));

/** `text` padded with spaces to `width` columns. */
export const padTo = (text: string, width: number): string =>
  text + ' '.repeat(Math.max(0, width - displayWidth(text)));

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** The longest start of `text` in at most `max` columns: whole characters, combining marks kept with theirs. */
export function headOf(text: string, max: number): string {
  let used = 0;
  let end = 0;
  for (const { segment, index } of graphemes.segment(text)) {
    used += displayWidth(segment);
    if (used > max) return text.slice(0, index);
    end = index + segment.length;
  }
  return text.slice(0, end);
}
