import { Stopwatch } from '../checks/stopwatch.js';
import { classifyTarget } from '../classify/target.js';
import {
  inContext,
  isSuccess,
  meetsBlocking,
  meetsExpectation,
  meetsQuic,
  vantageOf,
} from '../classify/run.js';
import { compareWithControl } from '../classify/control.js';
import { classifyQuic } from '../classify/quic.js';
import type { QuicResult } from '../model/quic.js';
import type { Blocking, Control, HelperSummary } from '../model/control.js';
import { tenths } from '../model/clock.js';
import { find, own, type Observation } from '../model/observation.js';
import type { DnsContext } from '../classify/dns.js';
import type { DnsPreflight, RunSummary, TargetResult, Timings, Vantage } from '../model/result.js';
import type { Target } from '../model/target.js';
import type { Verdict, VerdictName } from '../model/verdict.js';
import { PassedDecoys } from './decoys.js';
import { Blocks, EndpointLocks } from './locks.js';
import type { ProbeEnv, ProbeOptions } from './options.js';
import { dnsPreflight } from './preflight.js';
import { offeredBy } from './quic.js';
import { needsDns, probeTarget, type ProbeContext, type ProbeRun, type Residual } from './probe.js';
import type { QuicRun } from './quic.js';
import { inSlots } from './slots.js';
import { ABANDONED, Stopping } from './stopping.js';

export interface RunHooks {
  /** Called as each target finishes (streaming output, progress). */
  onResult?: (result: TargetResult, done: number, total: number) => void;
  /** Called when a target starts. */
  onStart?: (target: Target) => void;
  /** Whether to return every result (default); without, they only stream past `onResult`. */
  keepResults?: boolean;
  /** Aborted: start nothing more, and give the running targets a short grace before abandoning them. */
  signal?: AbortSignal;
}

/** What an interrupted run did not measure. */
export interface Interruption {
  at: Date;
  /** Running when the signal came and not finished within the grace: no result, since a cut-off check is not a block. */
  abandoned: string[];
  notStarted: number;
}

export interface RunOutput {
  /** In the order of the targets; empty when `keepResults` was false. */
  results: TargetResult[];
  summary: RunSummary;
  /** Present when the signal stopped the run. */
  interrupted?: Interruption;
}

/**
 * Targets whose connections are done may still be listening for late DNS replies (and waiting for
 * DoH controls) without holding a slot; so many per slot at most, or targets that fail fast would
 * pile up by the thousand, each with its observations, while slow controls answer.
 */
const WINDOWS_PER_SLOT = 16;

/** How long running targets may still finish after an interruption. */
export const INTERRUPT_GRACE_MS = 800;

/** A target's probe, and when it began: what it left running (the DNS windows) ends outside its slot. */
interface Probed {
  run: ProbeRun;
  began: number;
  at: Date;
}

interface Measured {
  target: Target;
  residual?: Residual;
  verdict: Verdict;
  blocking: Blocking;
  accessible: boolean | null;
  control?: Control;
  checks: Observation[];
  quic?: QuicResult;
  addresses: string[];
  startedAt: Date;
  chainMs: number;
  totalMs: number;
}

function timingsOf(checks: Observation[], chainMs: number, totalMs: number): Timings {
  const first = <K extends Observation['check']>(kind: K) => find(checks, kind)[0];
  // The last try of the target's own check is the one that decided.
  const http = own(checks, 'http_round_trip').at(-1);
  const tls = own(checks, 'tls_handshake').at(-1);
  const used = http?.address ?? tls?.address;
  const connect = checks.find((c) => c.check === 'connect' && (used === undefined || c.address === used));
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

/** OONI's keys: in an offline run no failure says anything, so neither do they. */
function blockingOf(m: Measured, v: Verdict): Pick<TargetResult, 'blocking' | 'accessible'> {
  return v.verdict === 'vantage-offline'
    ? { blocking: null, accessible: null }
    : { blocking: m.blocking, accessible: m.accessible };
}

/** What the helper saw, as the result carries it (its name and URL are the result's own). */
function controlOf(m: Measured): Pick<TargetResult, 'control'> {
  if (!m.control) return {};
  const { type: _type, name: _name, url: _url, ...seen } = m.control;
  return { control: seen };
}

function toResult(m: Measured, vantage: Vantage, withHelper: boolean): TargetResult {
  const { target } = m;
  const v = inContext(m.verdict, vantage);
  const blocking = blockingOf(m, v);
  return {
    name: target.name,
    service: target.service,
    url: target.url,
    ...(target.role ? { role: target.role } : {}),
    tags: target.tags,
    verdict: v.verdict,
    ...(v.measured ? { measured_verdict: v.measured } : {}),
    ...(v.stage ? { stage: v.stage } : {}),
    ...(v.failure ? { failure: v.failure } : {}),
    ...(v.blockedBy ? { 'blocked-by': v.blockedBy } : {}),
    ...residualFields(m.residual, v.verdict),
    ...(v.lingering ? { residual_check: v.lingering } : {}),
    reason: v.reason,
    evidence: v.evidence,
    ...(v.heuristics ? { dns_heuristics: v.heuristics } : {}),
    ...blocking,
    ...controlOf(m),
    ...(m.quic ? { quic: m.quic } : {}),
    ...(v.throughput ? { throughput: v.throughput } : {}),
    addresses: m.addresses,
    timings: timingsOf(m.checks, m.chainMs, m.totalMs),
    ...(target.expect ? { expect: target.expect } : {}),
    ...(target.expectBlocking !== undefined ? { expect_blocking: target.expectBlocking } : {}),
    ...(target.expectQuic ? { expect_quic: target.expectQuic } : {}),
    expect_met:
      meetsExpectation(v.verdict, target.expect) &&
      meetsBlocking(blocking.blocking, target.expectBlocking, withHelper) &&
      meetsQuic(m.quic?.verdict, target.expectQuic),
    started_at: m.startedAt.toISOString(),
    checks: m.checks,
  };
}

function dnsNotes(preflight: DnsPreflight): string[] {
  const notes: string[] = [];
  const { sink, nxdomain } = preflight;
  if (sink && !sink.usable)
    notes.push(`the sink ${sink.server} is unusable (${sink.why}): its answers were not used as evidence`);
  if (nxdomain && nxdomain.rewritten_to.length > 0) {
    notes.push(
      `the resolver answers ${nxdomain.rewritten_to.join(' ')} for names that do not exist (NXDOMAIN rewriting)`,
    );
  }
  return notes;
}

/** What the summary needs of the results, kept as they stream past instead of the results themselves. */
class Tally {
  targets = 0;
  unmet = 0;
  foreign = 0;
  foreignUp = 0;
  readonly counts: Partial<Record<VerdictName, number>> = {};

  add(r: TargetResult) {
    this.targets++;
    this.counts[r.verdict] = (this.counts[r.verdict] ?? 0) + 1;
    if (!r.expect_met) this.unmet++;
    if (r.role === 'control-foreign') {
      this.foreign++;
      if (isSuccess(r.verdict)) this.foreignUp++;
    }
  }
}

function notesOf(tally: Tally, vantage: Vantage, preflight: DnsPreflight): string[] {
  const notes: string[] = dnsNotes(preflight);
  if (vantage === 'offline')
    notes.push(
      'every domestic control failed: this vantage point looks offline, and no result of this run means censorship',
    );
  if (vantage === 'unknown')
    notes.push(
      'no domestic control in this run (or none finished): an offline vantage point cannot be told from censorship',
    );
  if (vantage === 'online' && tally.foreign > 0 && tally.foreignUp === 0) {
    notes.push(
      'every foreign control failed: the border itself may be cut, so blocking may not be specific to these services',
    );
  }
  return notes;
}

function helperNotes(helper: HelperSummary | undefined): string[] {
  if (!helper || helper.controls === helper.sent) return [];
  const missing = helper.sent - helper.controls;
  return [
    `${missing} of ${helper.sent} targets got no control from the helper (${helper.why ?? 'none came in time'}): their verdicts are this side's alone`,
  ];
}

interface RunFacts {
  vantage: Vantage;
  preflight: DnsPreflight;
  startedAt: Date;
  endedAt: Date;
  ms: number;
}

function summarize(tally: Tally, facts: RunFacts, helper: HelperSummary | undefined): RunSummary {
  const { vantage, preflight } = facts;
  return {
    started_at: facts.startedAt.toISOString(),
    ended_at: facts.endedAt.toISOString(),
    duration_ms: Math.round(facts.ms),
    targets: tally.targets,
    counts: tally.counts,
    vantage,
    unmet: tally.unmet,
    dns_preflight: preflight,
    ...(helper ? { helper } : {}),
    notes: [...notesOf(tally, vantage, preflight), ...helperNotes(helper)],
  };
}

/**
 * Measures every target, at most `concurrency` at once and never two on one server IP:port.
 * Domestic controls go first: whether they work decides what every other failure can mean.
 */
export async function runProbe(
  targets: Target[],
  options: ProbeOptions,
  env: ProbeEnv,
  hooks: RunHooks = {},
): Promise<RunOutput> {
  const startedAt = env.clock.date();
  const origin = env.clock.now();
  const watch = new Stopwatch(env.clock, origin);
  // The checks of the DNS path run beside the first targets; only classifying waits for them.
  const preflight = dnsPreflight(
    env,
    options,
    watch,
    targets.some((t) => needsDns(t, options)),
  );
  const dnsContext = preflight.then((p): DnsContext => ({
    sinkUsable: p.sink?.usable ?? false,
    forgedPool: options.forgedPool,
    allowed: options.allowedAnswers,
    nxRewrite: p.nxdomain?.rewritten_to ?? [],
  }));
  const ctx: ProbeContext = {
    env,
    options,
    locks: new EndpointLocks(),
    blocks: new Blocks(),
    decoys: new PassedDecoys(options.decoyReuseMs),
    watch,
  };
  const stopping = new Stopping(hooks.signal, INTERRUPT_GRACE_MS, env.clock);
  // The probe holds the slot; the DNS windows it leaves running, and classifying, do not.
  const probe = (target: Target): Promise<Probed | typeof ABANDONED> => {
    // Time spent waiting for a slot is not the target's.
    const began = env.clock.now();
    const at = env.clock.date();
    hooks.onStart?.(target);
    return stopping.settle(probeTarget(target, ctx).then((run) => ({ run, began, at })));
  };
  const measure = async (target: Target, { run, began, at }: Probed): Promise<Measured> => {
    const chainMs = env.clock.now() - began;
    const checks = [...(await run.dnsQueries), ...run.observations];
    const totalMs = env.clock.now() - began;
    const local = classifyTarget(target, checks, await dnsContext);
    const control = await env.helper?.get(target);
    const { verdict, blocking, accessible } = compareWithControl(target, checks, local, control);
    const quic =
      run.quic && quicResultOf(target, run.quic, checks, verdict, control?.quic?.stage === 'complete');
    return {
      target,
      verdict,
      blocking,
      accessible,
      ...(control ? { control } : {}),
      checks,
      ...(quic ? { quic } : {}),
      addresses: run.addresses,
      startedAt: at,
      chainMs,
      totalMs,
      ...(run.residual ? { residual: run.residual } : {}),
    };
  };
  const withHelper = env.helper !== undefined;
  const abandoned = new Set<string>();
  const finish = async (target: Target, probed: Probed | typeof ABANDONED): Promise<Measured | undefined> => {
    const m = probed === ABANDONED ? probed : await stopping.settle(measure(target, probed));
    if (m !== ABANDONED) return m;
    abandoned.add(target.name);
    return undefined;
  };

  const results: TargetResult[] = [];
  const tally = new Tally();
  const emit = (r: TargetResult) => {
    tally.add(r);
    if (hooks.keepResults !== false) results.push(r);
    hooks.onResult?.(r, tally.targets, targets.length);
  };
  // Controls go first. A result is emitted only when the controls have told whether the vantage
  // point is online, so results stream out final.
  const controls = targets.filter((t) => t.role === 'control-domestic');
  const rest = targets.filter((t) => t.role !== 'control-domestic');
  const controlsDone = controls.map(() => {
    let resolve!: (m: Measured | undefined) => void;
    return { promise: new Promise<Measured | undefined>((r) => (resolve = r)), resolve };
  });
  const vantageKnown = Promise.all(controlsDone.map((c) => c.promise)).then((measured) => {
    const done = measured.filter((m) => m !== undefined);
    const v = vantageOf(done.map((m) => m.verdict.verdict));
    for (const m of done) emit(toResult(m, v, withHelper));
    return v;
  });
  await inSlots(
    [...controls, ...rest],
    options.concurrency,
    probe,
    async (probed, target, index) => {
      const m = await finish(target, probed);
      if (index < controls.length) return controlsDone[index]!.resolve(m);
      // Each measurement is dropped once emitted: nothing holds it until the run ends.
      if (m) emit(toResult(m, await vantageKnown, withHelper));
    },
    {
      maxAfters: options.concurrency * WINDOWS_PER_SLOT,
      stopped: () => stopping.stopped,
      skipped: (_t, index) => controlsDone[index]?.resolve(undefined),
    },
  );
  const vantage = await vantageKnown;

  const order = new Map(targets.map((t, i) => [t.name, i]));
  const byOrder = (a: string, b: string) => order.get(a)! - order.get(b)!;
  results.sort((a, b) => byOrder(a.name, b.name));
  const checked = await stopping.settle(preflight);
  const facts = {
    vantage,
    preflight: checked === ABANDONED ? {} : checked,
    startedAt,
    endedAt: env.clock.date(),
    ms: env.clock.now() - origin,
  };
  const summary = summarize(tally, facts, env.helper?.summary());
  if (!stopping.at) return { results, summary };
  const left = [...abandoned].sort(byOrder);
  return {
    results,
    summary,
    interrupted: {
      at: stopping.at,
      abandoned: left,
      notStarted: targets.length - tally.targets - left.length,
    },
  };
}
