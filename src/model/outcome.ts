import type { Failure } from './failure.js';

/** A step either gives a value or a Failure; a blocked target is data, never an exception. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; failure: Failure };

export const ok = <T>(value: T): Outcome<T> => ({ ok: true, value });
export const failed = <T>(failure: Failure): Outcome<T> => ({ ok: false, failure });
