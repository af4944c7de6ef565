// Pure: what the run as a whole says about each verdict. Controls decide whether a failure can
// mean censorship at all.
import type { Vantage } from '../model/result.js';
import type { Scheme } from '../model/target.js';
import type { Verdict, VerdictName } from '../model/verdict.js';


/** A verdict that says the target works (for tcp:// targets a completed handshake is all there is). */
export function isSuccess(verdict: VerdictName, scheme: Scheme): boolean {
  return verdict === 'reachable' || (verdict === 'connected' && scheme === 'tcp');
}

/** `unknown` without domestic controls; offline when every one failed: from such a vantage point nothing is reachable. */
export function vantageOf(domesticControls: Array<{ verdict: VerdictName; scheme: Scheme }>): Vantage {
  if (domesticControls.length === 0) return 'unknown';
  return domesticControls.some((c) => isSuccess(c.verdict, c.scheme)) ? 'online' : 'offline';
}

/** In an offline run no failure is evidence of censorship: it becomes `vantage-offline`, keeping what was measured. */
export function inContext(v: Verdict, scheme: Scheme, vantage: Vantage): Verdict {
  if (vantage !== 'offline' || isSuccess(v.verdict, scheme)) return v;
  return { ...v, verdict: 'vantage-offline', measured: v.verdict };
}

/** Whether the target met its `expect`, or without one, whether it works. */
export function meetsExpectation(verdict: VerdictName, scheme: Scheme, expect: VerdictName | undefined): boolean {
  return expect === undefined ? isSuccess(verdict, scheme) : verdict === expect;
}
