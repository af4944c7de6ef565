import {
  contextSaysNothing,
  inContext,
  isSuccess,
  meetsAccessible,
  meetsBlocking,
  meetsExpectation,
  meetsQuic,
  type RunContext,
} from '../classify/run.js';
import { classifyQuic } from '../classify/quic.js';
import type { QuicResult } from '../model/quic.js';
import type { Blocking, Control } from '../model/control.js';
import { tenths } from '../model/clock.js';
import { find, own, type Observation } from '../model/observation.js';
import type { TargetResult, Timings } from '../model/result.js';
import type { Target } from '../model/target.js';
import type { Verdict, VerdictName } from '../model/verdict.js';
import type { Residual } from './context.js';
import { offeredBy, type QuicRun } from './quic.js';

// A target's result, built from what was measured: its verdict in the run's context, its timings,
// its QUIC side, what the helper saw.

/** A target measured and compared with its control: what its result is built from. */
export interface Measured {
  target: Target;
  residual?: Residual;
  verdict: Verdict;
  blocking: Blocking;
  accessible: boolean | null;
  control?: Control;
  checks: Observation[];
  /** The QUIC handshakes as observed, classified by whoever builds from them (a result, a control). */
  quic?: QuicRun;
  addresses: string[];
  /** Answers known to be forged, the target's or a hop's: not dialled. */
  forged?: string[];
  startedAt: Date;
  chainMs: number;
  totalMs: number;
}

function timingsOf(checks: Observation[], chainMs: number, totalMs: number): Timings {
  const first = <K extends Observation['check']>(kind: K) => find(checks, kind)[0];
  // The last try of the target's own check is the one that decided.
  const http = own(checks, 'http_round_trip').at(-1);
  const tls = own(checks, 'tls_handshake').at(-1);
  // The connect of the connection they were made on (the first one when none was).
  const used = (http ?? tls)?.transaction_id;
  const connect = checks.find(
    (c) => c.check === 'connect' && (used === undefined || c.transaction_id === used),
  );
  const timings: Timings = { chain_ms: tenths(chainMs), total_ms: tenths(totalMs) };
  const set = (key: keyof Timings, c: Observation | undefined) => c && (timings[key] = c.duration_ms);
  set('resolve_ms', first('resolve'));
  set('dns_query_ms', first('dns_query'));
  set('connect_ms', connect);
  set('tls_ms', tls);
  set('http_ms', http);
  return timings;
}

/** A failure right after another target's block on the same IP:port may only be the censor's lingering block. */
function residualFields(residual: Residual | undefined, verdict: VerdictName) {
  if (!residual || isSuccess(verdict)) return {};
  return { flags: ['possibly-residual'], residual_of: residual };
}

/** The QUIC handshakes classified, flagged possibly residual after another target's block on the same UDP port. */
function quicResultOf(
  target: Target,
  run: QuicRun,
  checks: Observation[],
  tcp: Verdict,
  helperSaw: boolean,
): QuicResult {
  const classified = classifyQuic({
    target,
    checks: run.observations,
    offeredBy: offeredBy(target, checks, helperSaw),
    tcp,
  });
  return {
    ...classified,
    ...residualFields(run.residual, classified.verdict === 'not-offered' ? 'reachable' : classified.verdict),
  };
}

/** OONI's keys: where the run's context says a failure means nothing (offline, no IPv6 here), neither do they. */
function blockingOf(m: Measured, v: Verdict): Pick<TargetResult, 'blocking' | 'accessible'> {
  return contextSaysNothing(v, m.verdict)
    ? { blocking: null, accessible: null }
    : { blocking: m.blocking, accessible: m.accessible };
}

/** What the helper saw, as the result carries it (its name and URL are the result's own). */
function controlOf(m: Measured): Pick<TargetResult, 'control'> {
  if (!m.control) return {};
  const { type: _type, name: _name, url: _url, ...seen } = m.control;
  return { control: seen };
}

/** Why the evidence has no connection to a forged answer: none was made (probe.ts). */
const notDialled = (forged: string[]) =>
  `not dialled: ${forged.join(' ')}, raced in ahead of the genuine DNS reply (nobody's server)`;

/** The result as reports carry it, the verdict read in the run's context (is the vantage point online?). */
export function toResult(m: Measured, context: RunContext, withHelper: boolean): TargetResult {
  const { target } = m;
  const v = inContext(m.verdict, context, m.checks);
  const blocking = blockingOf(m, v);
  const quic =
    m.quic && quicResultOf(target, m.quic, m.checks, m.verdict, m.control?.quic?.stage === 'complete');
  return {
    name: target.name,
    service: target.service,
    url: target.url,
    ...(target.role ? { role: target.role } : {}),
    ...(target.essential ? { essential: true } : {}),
    tags: target.tags,
    verdict: v.verdict,
    ...(v.measured ? { measured_verdict: v.measured } : {}),
    ...(v.stage ? { stage: v.stage } : {}),
    ...(v.failure ? { failure: v.failure } : {}),
    ...(v.blockedBy ? { 'blocked-by': v.blockedBy } : {}),
    ...(v.families ? { families: v.families } : {}),
    ...(v.redirects ? { redirects: v.redirects } : {}),
    ...residualFields(m.residual, v.verdict),
    ...(v.lingering ? { residual_check: v.lingering } : {}),
    reason: v.reason,
    evidence: m.forged ? [...v.evidence, notDialled(m.forged)] : v.evidence,
    ...(v.heuristics ? { dns_heuristics: v.heuristics } : {}),
    ...blocking,
    ...controlOf(m),
    ...(quic ? { quic } : {}),
    ...(v.throughput ? { throughput: v.throughput } : {}),
    addresses: m.addresses,
    timings: timingsOf(m.checks, m.chainMs, m.totalMs),
    ...(target.expect ? { expect: target.expect } : {}),
    ...(target.expectBlocking !== undefined ? { expect_blocking: target.expectBlocking } : {}),
    ...(target.expectAccessible !== undefined ? { expect_accessible: target.expectAccessible } : {}),
    ...(target.expectQuic ? { expect_quic: target.expectQuic } : {}),
    expect_met:
      meetsExpectation(v.verdict, target.expect) &&
      meetsBlocking(blocking.blocking, target.expectBlocking, withHelper) &&
      meetsAccessible(blocking.accessible, target.expectAccessible, withHelper) &&
      meetsQuic(quic?.verdict, target.expectQuic),
    started_at: m.startedAt.toISOString(),
    checks: m.checks,
  };
}
