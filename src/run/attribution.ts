// The attribution policy: how a target's failure at an endpoint is told apart from the censor's
// reaction to another target there. The TCP chain (probe.ts) and the QUIC step (quic.ts) both follow
// it, one target at a time per endpoint:
// - lock: one holder at a time per endpoint, so one check's trigger cannot spoil another's;
// - residual: right after another target's block there, a failure may be that block's echo, and a
//   decoy would only meet it: none is made, and the result is flagged possibly residual instead;
// - decoy: an innocuous check (another name) first, or one that passed there lately reused;
// - grace: the target's own check waits for the decoy at most a twentieth of the step's deadline;
// - record: a decoy that passed is kept for the next targets there, one that failed voids theirs;
// - forget: the own check blocked voids the endpoint's decoys, and a block that lingers is noted.
// The two differ on purpose, and the differences are stated where they are decided (RULES, and
// the comments of beginTurn and dialFailed):
// - QUIC's endpoints are keyed apart (`udp` first): the UDP filter is not the TCP one, and the two
//   run beside each other;
// - what lingers: over TCP every blocking failure, over QUIC silence only;
// - what a block voids: over TCP both TCP schemes' decoys, over QUIC the QUIC decoy only;
// - over TCP a failed dial voids the decoys too (QUIC has no dial apart from its handshake);
// - the grace is a share of the deadline of the step the decoy runs: TLS (https) or HTTP (http)
//   over TCP, the handshake's over QUIC.
import { BLOCKING_FAILURES, type Failure, type FailureString } from '../model/failure.js';
import type { Target } from '../model/target.js';
import type { ProbeContext, Residual } from './context.js';
import type { DecoyKind, DecoyOf } from './decoys.js';

/** A failure as this policy reads it: its string (a TCP step's or a QUIC handshake's). */
type Outcome = Pick<Failure, 'failure'>;

/** The filter a check goes through: the TCP one (connect, TLS, HTTP), or UDP's (QUIC). */
export type Channel = 'tcp' | 'quic';

interface Rules {
  /** The key of an endpoint's lock and block record. */
  key(endpoint: string): string;
  /** Whether a blocking failure leaves a block the next targets there may meet. */
  lingers(failure: FailureString): boolean;
}

const RULES: Record<Channel, Rules> = {
  // The censor blocks the client/server/port triple for minutes after a trigger, however it
  // blocked: reset, FIN, drop or refusal.
  tcp: { key: (endpoint) => endpoint, lingers: (failure) => BLOCKING_FAILURES.has(failure) },
  // QUIC is blocked by dropping the flow: only silence lingers. A refusal is the host's ICMP port
  // unreachable, a CONNECTION_CLOSE the server's own word.
  quic: { key: (endpoint) => `udp ${endpoint}`, lingers: (failure) => failure === 'generic_timeout_error' },
};

// A healthy server answers a ClientHello, a request or an Initial in about one round trip, far less
// than a twentieth of a deadline (0.5 s of the default 10 s): a decoy still silent then is being
// dropped, and waiting out its whole deadline before the target's own check would make every
// dropped target cost two deadlines. (Not a multiple of the connect time: on a busy machine that
// measures the event loop's lag, not the network.)
const DECOY_GRACE_SHARE = 1 / 20;

/** How long the own check waits for a decoy whose step has this deadline. */
export const decoyGraceMs = (deadlineMs: number): number => deadlineMs * DECOY_GRACE_SHARE;

/** Waits for `work` at most the grace of a step with this deadline; the work goes on either way. */
export async function withinGrace(work: Promise<unknown>, deadlineMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise((resolve) => (timer = setTimeout(resolve, decoyGraceMs(deadlineMs))));
  await Promise.race([work, grace]);
  clearTimeout(timer);
}

/** Whether a failure is what a block looks like, as opposed to a check that answered. */
export const isBlocking = (failure: Outcome | undefined): boolean =>
  failure !== undefined && BLOCKING_FAILURES.has(failure.failure);

/** Whether the failure leaves a block later targets on the endpoint may meet, over this channel. */
export const lingers = (channel: Channel, failure: Outcome | undefined): boolean =>
  isBlocking(failure) && RULES[channel].lingers(failure!.failure);

/** Waits until the endpoint is this target's alone, over this channel; the returned function frees it. */
export const holdEndpoint = (ctx: ProbeContext, channel: Channel, endpoint: string) =>
  ctx.locks.acquire(RULES[channel].key(endpoint));

/** A dial that failed on the IP:port voids its decoys: the endpoint is not what it was when they passed. */
export const dialFailed = (ctx: ProbeContext, endpoint: string) => ctx.decoys.forget(endpoint, 'tcp');

/** One target's turn on an endpoint it holds: what the policy decided as it began. */
export interface Turn<K extends DecoyKind> {
  endpoint: string;
  kind: K;
  target: string;
  /** When it began: a decoy made in it is aged from here. */
  at: number;
  /** Another target's block on the endpoint lately. */
  residual?: Residual;
  /** The decoy name, unless there is none or the endpoint was blocked lately (then no decoy at all). */
  decoyName?: string;
  /** A decoy that passed on the endpoint lately (for another target), standing for this one's. */
  reused?: DecoyOf<K>;
}

/** Another target's block on the endpoint lately, if any: a failure now may be its echo. */
export function residualOf(
  ctx: ProbeContext,
  channel: Channel,
  endpoint: string,
  target: Target,
  now = ctx.env.clock.now(),
): Residual | undefined {
  const recent = ctx.blocks.recent(RULES[channel].key(endpoint), target.name, now);
  return recent && { ...recent, endpoint };
}

const channelOf = (kind: DecoyKind): Channel => (kind === 'quic' ? 'quic' : 'tcp');

/**
 * The turn begins: over TCP once the target's first connection is open (its lock was taken before
 * the dial), over QUIC once the lock is taken. A reused decoy must be fresh now, right before the
 * own check; a new one is aged from now.
 */
export function beginTurn<K extends DecoyKind>(
  ctx: ProbeContext,
  endpoint: string,
  target: Target,
  kind: K,
): Turn<K> {
  const at = ctx.env.clock.now();
  const residual = residualOf(ctx, channelOf(kind), endpoint, target, at);
  const turn: Turn<K> = { endpoint, kind, target: target.name, at };
  if (residual) turn.residual = residual;
  else if (ctx.options.decoyName !== undefined) {
    turn.decoyName = ctx.options.decoyName;
    const reused = ctx.decoys.fresh(endpoint, kind, at);
    if (reused) turn.reused = reused;
  }
  return turn;
}

/** The decoy name to make a decoy with now: none when there is none, or one is reused. */
export const decoyToMake = (turn: Turn<DecoyKind>): string | undefined =>
  turn.reused ? undefined : turn.decoyName;

/**
 * The turn ends: the decoy made in it is kept if it passed (or voids the endpoint's if it failed);
 * the own check's blocking failure voids the endpoint's decoys over its channel and, when it
 * lingers, is noted for the targets after. Returns whether the own check met a block.
 */
export function endTurn<K extends DecoyKind>(
  ctx: ProbeContext,
  turn: Turn<K>,
  made: DecoyOf<K> | undefined,
  failure: Outcome | undefined,
): boolean {
  const now = ctx.env.clock.now();
  if (made) ctx.decoys.record(turn.endpoint, turn.kind, turn.target, made, turn.at, now);
  if (!isBlocking(failure)) return false;
  const channel = channelOf(turn.kind);
  ctx.decoys.forget(turn.endpoint, channel);
  if (lingers(channel, failure)) ctx.blocks.record(RULES[channel].key(turn.endpoint), turn.target, now);
  return true;
}
