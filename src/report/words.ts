// Text from reports, made safe and short for a terminal.

/**
 * Control characters shown as `?`: a report can hold bytes a hostile server sent (a reason quotes a
 * certificate's issuer), and an escape sequence printed as is would drive the reader's terminal.
 */
export const printable = (text: string): string => text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');

/** An ISO time to the second, in UTC: `2026-11-23 13:00:31Z`. */
export const shortTime = (iso: string): string => new Date(iso).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
