// Text from reports, made safe and short for a terminal.

/**
 * Control characters shown as `?`: a report can hold bytes a hostile server sent (a reason quotes a
 * certificate's issuer), and an escape sequence printed as is would drive the reader's terminal.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const printable = (text: string): string => text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');

/** An ISO time to the second, in UTC: `2026-11-23 13:00:31Z`. */
export const shortTime = (iso: string): string =>
  new Date(iso)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');

const two = (n: number) => String(n).padStart(2, '0');

/** A duration in its two largest units: `42s`, `5m07s`, `3h02m`, `2d04h`. */
export function span(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${two(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${two(Math.floor(s / 60) % 60)}m`;
  return `${Math.floor(s / 86_400)}d${two(Math.floor(s / 3600) % 24)}h`;
}
