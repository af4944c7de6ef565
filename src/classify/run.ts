// Pure: what the run as a whole says about each verdict. Controls decide whether a failure can
// mean censorship at all.
import type { Blocking } from '../model/control.js';
import type { Vantage } from '../model/result.js';
import type { ExpectedBlocking } from '../model/target.js';
import type { QuicVerdictName } from '../model/quic.js';
import type { Verdict, VerdictName } from '../model/verdict.js';

/**
 * A verdict that says the target works (`connected` exists only for tcp:// targets, where a handshake is all
 * there is).
 */
export function isSuccess(verdict: VerdictName): boolean {
  return verdict === 'reachable' || verdict === 'connected';
}

/**
 * `unknown` without domestic controls; offline when every one failed: from such a vantage point nothing is
 * reachable.
 */
export function vantageOf(domesticControls: VerdictName[]): Vantage {
  if (domesticControls.length === 0) return 'unknown';
  return domesticControls.some(isSuccess) ? 'online' : 'offline';
}

/** In an offline run no failure is evidence of censorship: it becomes `vantage-offline`, keeping what was measured. */
export function inContext(v: Verdict, vantage: Vantage): Verdict {
  if (vantage !== 'offline' || isSuccess(v.verdict)) return v;
  return { ...v, verdict: 'vantage-offline', measured: v.verdict };
}

/** Whether the target met its `expect`, or without one, whether it works. */
export function meetsExpectation(verdict: VerdictName, expect: VerdictName | undefined): boolean {
  return expect === undefined ? isSuccess(verdict) : verdict === expect;
}

/** `expect_blocking`, in a run with a helper: a missing control does not meet it (nothing was compared). */
export function meetsBlocking(
  blocking: Blocking,
  expected: ExpectedBlocking | undefined,
  withHelper: boolean,
): boolean {
  return expected === undefined || !withHelper || blocking === expected;
}

/** `expect_accessible`, in a run with a helper, as `expect_blocking`. */
export function meetsAccessible(
  accessible: boolean | null,
  expected: boolean | undefined,
  withHelper: boolean,
): boolean {
  return expected === undefined || !withHelper || accessible === expected;
}

/** `expect_quic`, in a run that measured the target over QUIC (without a QUIC result nothing is compared). */
export function meetsQuic(
  verdict: QuicVerdictName | undefined,
  expected: QuicVerdictName | undefined,
): boolean {
  return expected === undefined || verdict === undefined || verdict === expected;
}
