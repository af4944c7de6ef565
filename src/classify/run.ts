// Pure: what the run as a whole says about each verdict. Controls decide whether a failure can
// mean censorship at all.
import type { Blocking } from '../model/control.js';
import { ownDials, type Observation } from '../model/observation.js';
import type { Vantage } from '../model/result.js';
import type { ExpectedBlocking } from '../model/target.js';
import type { QuicVerdictName } from '../model/quic.js';
import type { Verdict, VerdictName } from '../model/verdict.js';

/**
 * A verdict that says the target works (`connected` exists only for tcp:// targets, where a handshake is all
 * there is).
 */
export function isSuccess(verdict: VerdictName | undefined): boolean {
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

/** Whether IPv6 works from this vantage point, as its domestic controls' IPv6 dials say. */
export type Ipv6State = 'works' | 'broken' | 'unknown';

/** Whether one of a target's own IPv6 dials opened; undefined when it dialled no IPv6 address. */
export function ipv6Opened(checks: Observation[]): boolean | undefined {
  const v6 = ownDials(checks).filter((c) => c.address.includes(':'));
  return v6.length === 0 ? undefined : v6.some((c) => !c.failure);
}

/**
 * From the domestic controls that dialled IPv6 (did one of its addresses open?): most of them failing
 * is a vantage point without working IPv6 (a broken tunnel, a router without a route), which fails
 * every IPv6 address alike (OONI's false positives, ooni/probe #2284, #2456).
 */
export function ipv6Of(opened: boolean[]): Ipv6State {
  if (opened.length === 0) return 'unknown';
  return opened.filter((o) => !o).length * 2 > opened.length ? 'broken' : 'works';
}

/** What the run as a whole knows about this vantage point when a verdict is read. */
export interface RunContext {
  vantage: Vantage;
  ipv6: Ipv6State;
}

const NO_IPV6 =
  'IPv6 does not work from this vantage point (most domestic controls failed over it): its failures ' +
  'here are not censorship';

/**
 * A verdict read in the run's context. In an offline run no failure is evidence of censorship: it
 * becomes `vantage-offline`. Without working IPv6 here, a target that failed at connect over IPv6
 * alone is `unreachable` (a local fact), and an IPv6 failure beside IPv4 is said to be this
 * network's. What was measured is kept.
 */
export function inContext(v: Verdict, context: RunContext, checks: Observation[]): Verdict {
  if (context.vantage === 'offline' && !isSuccess(v.verdict))
    return { ...v, verdict: 'vantage-offline', measured: v.verdict };
  if (context.ipv6 !== 'broken') return v;
  // A verdict at connect is a failure, and comes from dials (a try dials only after the first one).
  const v6Only = ownDials(checks).every((c) => c.address.includes(':'));
  if (v.stage === 'connect' && v6Only) {
    const { blockedBy: _dropped, ...rest } = v;
    return { ...rest, verdict: 'unreachable', measured: v.verdict, reason: `${v.reason}; ${NO_IPV6}` };
  }
  if (v.families && !v.families.ipv6.open) return { ...v, reason: `${v.reason}; ${NO_IPV6}` };
  return v;
}

/** A verdict the run's context emptied of meaning: OONI's keys say nothing either (null). */
export const contextSaysNothing = (v: Verdict, measured: Verdict) =>
  v.verdict !== measured.verdict && (v.verdict === 'vantage-offline' || v.verdict === 'unreachable');

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
