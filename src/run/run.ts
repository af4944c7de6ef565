import { Stopwatch } from '../checks/stopwatch.js';
import { classifyChain } from '../classify/redirects.js';
import { classifyTarget } from '../classify/target.js';
import { ipv6Of, ipv6Opened, vantageOf, type RunContext } from '../classify/run.js';
import { compareWithControl } from '../classify/control.js';
import type { DnsContext } from '../classify/dns.js';
import type { RunSummary, TargetResult } from '../model/result.js';
import type { Target, TargetList } from '../model/target.js';
import { PassedDecoys } from './decoys.js';
import { Blocks, EndpointLocks } from './locks.js';
import type { ProbeEnv, ProbeOptions } from './options.js';
import { dnsPreflight } from './preflight.js';
import { Transactions, type ProbeContext } from './context.js';
import { needsDns, probeTarget, type ProbeRun } from './probe.js';
import { followRedirects, type Chain } from './redirects.js';
import { toResult, type Measured } from './result.js';
import { Slots, inSlots } from './slots.js';
import { ABANDONED, Stopping } from './stopping.js';
import { summarize, Tally } from './summary.js';

export interface RunHooks {
  /** Called as each target finishes (streaming output, progress); `index` is the target's place in the list. */
  onResult?: (result: TargetResult, done: number, total: number, index: number) => void;
  /**
   * Takes each target's measurement (its observations and verdict) in place of a result: the helper
   * builds its controls from them. With it, no result is built, `onResult` is not called and the
   * summary counts no target.
   */
  onMeasured?: (measured: Measured, index: number) => void;
  /** Called when a target starts. */
  onStart?: (target: Target) => void;
  /**
   * Before a target starts: a promise while an output is behind the results (a disk, a pipe), so that the run
   * waits for it instead of piling results up in memory; undefined when none is.
   */
  ready?: () => Promise<void> | undefined;
  /** Whether to return every result (default); without, they only stream past `onResult`. */
  keepResults?: boolean;
  /** Aborted: start nothing more, and give the running targets a short grace before abandoning them. */
  signal?: AbortSignal;
  /** That grace (default INTERRUPT_GRACE_MS); when it has passed, their connections are closed. */
  graceMs?: number;
}

/** What an interrupted run did not measure. */
export interface Interruption {
  at: Date;
  /**
   * Running when the signal came and not finished within the grace: no result, since a cut-off check is not a
   * block.
   */
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
 * Targets in flight per connection slot (--concurrency counts the slots). Nothing is dialled
 * before the resolver's listen window tells which answers were forged (probe.ts), so the targets
 * next in line listen out their windows while those ahead hold the slots, and the windows overlap
 * the connections rather than add to them (at 600 targets a second and a 0.5 s window, some 300
 * are listening). Those done with their connections may still listen for late replies and wait for
 * DoH controls. So many at most, or targets that fail fast would pile up by the thousand, each
 * with its observations, while slow controls answer.
 */
const IN_FLIGHT_PER_SLOT = 16;

/** How long running targets may still finish after an interruption. */
export const INTERRUPT_GRACE_MS = 800;

/** A target's probe, and when it began: what it left running (the DNS windows) ends outside its slot. */
interface Probed {
  run: ProbeRun;
  /** The redirects the target's answer led to, each hop measured. */
  chain: Chain;
  began: number;
  at: Date;
}

/** Each target in turn, made as it is asked for: a list's are not held. */
function* each(targets: TargetList): Generator<Target> {
  for (let i = 0; i < targets.length; i++) yield targets.at(i)!;
}

const someOf = (targets: TargetList, test: (t: Target) => boolean): boolean => {
  for (const t of each(targets)) if (test(t)) return true;
  return false;
};

/**
 * The places of the domestic controls, and the order the targets are measured in: the controls, then the
 * others in list order. Places in a typed array: 4 bytes a target, where an array of numbers takes 8.
 */
function controlsFirst(targets: TargetList): { controls: number[]; order: Uint32Array } {
  const controls: number[] = [];
  const order = new Uint32Array(targets.length);
  for (let i = 0; i < targets.length; i++) if (targets.at(i)!.role === 'control-domestic') controls.push(i);
  order.set(controls);
  const isControl = new Set(controls);
  let next = controls.length;
  for (let i = 0; i < targets.length; i++) if (!isControl.has(i)) order[next++] = i;
  return { controls, order };
}

/**
 * Measures every target, at most `concurrency` at once and never two on one server IP:port.
 * Domestic controls go first: whether they work decides what every other failure can mean.
 */
export async function runProbe(
  targets: TargetList,
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
    someOf(targets, (t) => needsDns(t, options)),
  );
  const dnsContext = preflight.then((p): DnsContext => ({
    sinkUsable: p.sink?.usable ?? false,
    forgedPool: options.forgedPool,
    allowed: options.allowedAnswers,
    nxRewrite: p.nxdomain?.rewritten_to ?? [],
  }));
  const stopping = new Stopping(hooks.signal, hooks.graceMs ?? INTERRUPT_GRACE_MS, env.clock);
  const { cancel } = stopping;
  const connections = new Slots(options.concurrency);
  const lookups = new Slots(options.concurrency);
  // Once stopped, no target takes a slot: one that had no connection slot has not started.
  stopping.whenStopped(() => [connections, lookups].forEach((slots) => slots.close()));
  const ctx: ProbeContext = {
    // The run's dials close when it is given up.
    env: { ...env, dial: (address, port, timeoutMs) => env.dial(address, port, timeoutMs, cancel) },
    cancel,
    options,
    locks: new EndpointLocks(),
    connections,
    lookups,
    blocks: new Blocks(),
    decoys: new PassedDecoys(options.decoyReuseMs),
    watch,
    transactions: new Transactions(),
  };
  // The probe holds a connection slot for its connections only (probe.ts); the DNS windows it leaves
  // running, and classifying, hold none. Time spent waiting for a slot is not the target's.
  const probe = (target: Target): Promise<Probed | typeof ABANDONED> => {
    const began = env.clock.now();
    const at = env.clock.date();
    hooks.onStart?.(target);
    const probed = probeTarget(target, ctx).then(async (run) => {
      const chain = await followRedirects(target, run, ctx, options.maxRedirects);
      return { run, chain, began, at };
    });
    return stopping.settle(probed);
  };
  const classifyHops = async (chain: Chain) =>
    Promise.all(
      chain.hops.map(async ({ target: hop, run }) => ({
        target: hop,
        verdict: classifyTarget(hop, [...(await run.dnsQueries), ...run.observations], await dnsContext),
      })),
    );
  const measure = async (target: Target, { run, chain, began, at }: Probed): Promise<Measured> => {
    // Waiting is not measuring: the slots' queue is left out of both times, and the DNS windows
    // the dials waited for (past the lookup's answer, where an application dials) out of the chain's.
    const runs = [run, ...chain.hops.map((h) => h.run)];
    const queued = runs.reduce((sum, r) => sum + r.waits.slotMs, 0);
    const listened = runs.reduce((sum, r) => sum + r.waits.windowMs, 0);
    const chainMs = env.clock.now() - began - queued - listened;
    const checks = [...(await run.dnsQueries), ...run.observations];
    const totalMs = env.clock.now() - began - queued;
    const first = classifyTarget(target, checks, await dnsContext);
    const local = classifyChain(target, first, await classifyHops(chain), chain.end);
    const control = await env.helper?.get(target);
    const { verdict, blocking, accessible } = compareWithControl(target, checks, local, control);
    return {
      target,
      verdict,
      blocking,
      accessible,
      ...(control ? { control } : {}),
      checks,
      ...(run.quic ? { quic: run.quic } : {}),
      addresses: run.addresses,
      ...(runs.some((r) => r.forged) ? { forged: runs.flatMap((r) => r.forged ?? []) } : {}),
      // Its start as its timings count it: later by the time it queued for slots before it dialled.
      startedAt: new Date(at.getTime() + run.waits.slotMs),
      chainMs,
      totalMs,
      ...(run.residual ? { residual: run.residual } : {}),
    };
  };
  const withHelper = env.helper !== undefined;
  // Targets are known by their index in the list: no map from names, which would grow with it.
  const abandoned: number[] = [];
  const finish = async (at: number, probed: Probed | typeof ABANDONED): Promise<Measured | undefined> => {
    if (probed !== ABANDONED && probed.run.unstarted) return undefined; // counted as not started
    // A hop stopped before its slot leaves the chain cut short: no verdict from it.
    const cut = probed !== ABANDONED && probed.chain.hops.some((h) => h.run.unstarted);
    const m =
      probed === ABANDONED || cut ? ABANDONED : await stopping.settle(measure(targets.at(at)!, probed));
    if (m !== ABANDONED) return m;
    abandoned.push(at);
    return undefined;
  };

  const results: Array<{ r: TargetResult; at: number }> = [];
  const tally = new Tally(each(targets));
  const emit = (m: Measured, context: RunContext, at: number) => {
    if (hooks.onMeasured) return hooks.onMeasured(m, at);
    const r = toResult(m, context, withHelper);
    tally.add(r);
    if (hooks.keepResults !== false) results.push({ r, at });
    hooks.onResult?.(r, tally.targets, targets.length, at);
  };
  // Controls go first. A result is emitted only when the controls have told whether the vantage
  // point is online, so results stream out final.
  const { controls, order } = controlsFirst(targets);
  const controlsDone = controls.map(() => {
    let resolve!: (m: Measured | undefined) => void;
    return { promise: new Promise<Measured | undefined>((r) => (resolve = r)), resolve };
  });
  const vantageKnown = Promise.all(controlsDone.map((c) => c.promise)).then((measured) => {
    const done = measured.filter((m) => m !== undefined);
    const context: RunContext = {
      vantage: vantageOf(done.map((m) => m.verdict.verdict)),
      ipv6: ipv6Of(done.flatMap((m) => ipv6Opened(m.checks) ?? [])),
    };
    measured.forEach((m, i) => {
      if (m) emit(m, context, controls[i]!);
    });
    return context;
  });
  await inSlots(
    order,
    options.concurrency * IN_FLIGHT_PER_SLOT,
    (at) => probe(targets.at(at)!),
    async (probed, at, index) => {
      const m = await finish(at, probed);
      if (index < controls.length) return controlsDone[index]!.resolve(m);
      // Each measurement is dropped once emitted: nothing holds it until the run ends.
      if (m) emit(m, await vantageKnown, at);
    },
    {
      maxAfters: options.concurrency * IN_FLIGHT_PER_SLOT,
      ...(hooks.ready ? { ready: hooks.ready } : {}),
      stopped: () => stopping.stopped,
      skipped: (_t, index) => controlsDone[index]?.resolve(undefined),
    },
  );
  const context = await vantageKnown;
  const checked = await stopping.settle(preflight);
  const facts = {
    vantage: context.vantage,
    ipv6: context.ipv6,
    preflight: checked === ABANDONED ? {} : checked,
    startedAt,
    endedAt: env.clock.date(),
    ms: env.clock.now() - origin,
  };
  const summary = summarize(tally, facts, env.helper?.summary());
  const ordered = results.sort((a, b) => a.at - b.at).map(({ r }) => r);
  if (!stopping.at) return { results: ordered, summary };
  const left = abandoned.sort((a, b) => a - b).map((at) => targets.at(at)!.name);
  return {
    results: ordered,
    summary,
    interrupted: {
      at: stopping.at,
      abandoned: left,
      notStarted: targets.length - tally.targets - left.length,
    },
  };
}
