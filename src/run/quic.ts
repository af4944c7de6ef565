// The QUIC step of a target: at each address tried, an innocuous decoy (the decoy name as SNI) to
// the same address and UDP port first (or one that passed there lately, for another name), then the
// target's own handshake, under that (address, port, udp) lock. Beside the TCP chain: the two
// filters are separate, and waiting for one would double a blocked target's time.
import dgram from 'node:dgram';
import { checkQuic } from '../checks/quic.js';
import { hostPort } from '../model/addresses.js';
import { BLOCKING_FAILURES } from '../model/failure.js';
import { own, type Observation } from '../model/observation.js';
import type { QuicEvidence, QuicObservation } from '../model/quic.js';
import type { Target } from '../model/target.js';
import { http3Alternative, parseAltSvc, type AltService } from '../net/alt-svc.js';
import type { ProbeOptions } from './options.js';
import type { ProbeContext, Residual } from './probe.js';

export interface QuicRun {
  observations: QuicObservation[];
  /** The same server's UDP port was blocked for another target less than 180 s before. */
  residual?: Residual;
}

/** --quic measures every https target, `quic:` in the file decides per target, --no-quic none. */
export function wantsQuic(target: Target, options: ProbeOptions): boolean {
  if (target.scheme !== 'https' || options.quic === 'off') return false;
  return target.quic ?? options.quic === 'all';
}

// As over TCP (probe.ts): a healthy server answers an Initial in a round trip; a decoy still
// silent after a twentieth of the deadline is being dropped, and the own handshake starts beside it.
const DECOY_GRACE_SHARE = 1 / 20;

const udpKey = (endpoint: string) => `udp ${endpoint}`;

/**
 * QUIC to the target's addresses: the first at once, the others when it did not answer (refused,
 * or not a datagram within the grace), so a first address that answers is the only one tried, and
 * a target dropped everywhere costs one deadline and two graces (the others' own decoy grace). The
 * first address whose server answered decides (as over TCP the first connection to open is used),
 * else the first address. Then, if QUIC did not complete and the target's own answer over TCP
 * names another UDP port for h3 (Alt-Svc), that port too: it is where the service says QUIC is.
 */
export async function probeQuic(
  target: Target,
  addresses: string[],
  ctx: ProbeContext,
  tcpChecks: Promise<Observation[]>,
): Promise<QuicRun> {
  const first = await raceAddresses(target, addresses, target.port, ctx);
  const decided = ownOf(first);
  if (!decided.failure) return first;
  const port = altSvcPort(target, await tcpChecks);
  if (port === undefined || port === target.port) return first;
  const there = await probeQuicAt(target, decided.address, port, ctx);
  return { ...there, observations: [...first.observations, ...there.observations] };
}

/** The target's own handshake of a run: the last check made for no other purpose. */
const ownOf = (run: QuicRun): QuicObservation => run.observations.findLast((o) => o.purpose === undefined)!;

async function raceAddresses(
  target: Target,
  addresses: string[],
  port: number,
  ctx: ProbeContext,
): Promise<QuicRun> {
  const [first, ...rest] = addresses;
  let answered = false;
  let locked!: () => void;
  let heard!: () => void;
  const lockedThere = new Promise<void>((r) => (locked = r));
  const heardThere = new Promise<void>((r) => (heard = r));
  const run = probeQuicAt(target, first!, port, ctx, { locked, heard: () => ((answered = true), heard()) });
  // The grace runs from when the first address is ours (not while another target holds its lock),
  // and any datagram from it (to the decoy or the own handshake) says it answers: only silence or
  // a refusal starts the others, all at once rather than one grace apart.
  await Promise.race([lockedThere, run]);
  await waitAtMost(Promise.race([heardThere, run]), ctx.options.quicTimeoutMs * DECOY_GRACE_SHARE);
  const runs = [run, ...(answered ? [] : rest.map((address) => probeQuicAt(target, address, port, ctx)))];
  const done = await Promise.all(runs);
  const decisive = done.find((r) => ownOf(r).stage !== 'initial') ?? done[0]!;
  // The runs that did not decide are kept first, for the record; the deciding one comes last.
  const others = done.filter((r) => r !== decisive).flatMap((r) => r.observations);
  return { ...decisive, observations: [...others, ...decisive.observations] };
}

/** The HTTP/3 alternatives the target's own answers over TCP offer in their Alt-Svc headers. */
function h3Offers(tcpChecks: Observation[]): AltService[] {
  const values = own(tcpChecks, 'http_round_trip').map((h) => h.headers?.['alt-svc']);
  return values.flatMap((value) => (value === undefined ? [] : (http3Alternative(parseAltSvc(value)) ?? [])));
}

/** The h3 port the answer names for the target's own host (another host is not followed). */
const altSvcPort = (target: Target, tcpChecks: Observation[]): number | undefined =>
  h3Offers(tcpChecks).find(
    (alt) => alt.host === undefined || alt.host.toLowerCase() === target.host.toLowerCase(),
  )?.port;

/** What the address race is told: the lock is taken, and the server answered. */
interface RaceSignals {
  locked(): void;
  heard(): void;
}

/** One address and UDP port: the decoy (made, or reused), then the own handshake, under its lock. */
async function probeQuicAt(
  target: Target,
  address: string,
  port: number,
  ctx: ProbeContext,
  signals?: RaceSignals,
): Promise<QuicRun> {
  const { options, env, watch } = ctx;
  const endpoint = hostPort(address, port);
  const release = await ctx.locks.acquire(udpKey(endpoint));
  signals?.locked();
  try {
    const recent = ctx.blocks.recent(udpKey(endpoint), target.name, env.clock.now());
    const source = env.udpSource;
    const createSocket = source
      ? (type: 'udp4' | 'udp6') => dgram.createSocket(type).bind({ address: source, port: 0 })
      : undefined;
    const base = {
      host: target.host,
      address,
      port,
      ca: env.ca,
      verify: true,
      timeoutMs: options.quicTimeoutMs,
      ...(createSocket ? { createSocket } : {}),
      ...(signals ? { onAnswer: signals.heard } : {}),
      ...(ctx.cancel ? { cancel: ctx.cancel } : {}),
    };
    // Right after a block there, a decoy would only meet the lingering blackhole: none is made.
    const decoyName = recent ? undefined : options.decoyName;
    // As over TCP, a decoy that passed there lately (for another name) stands for this one's.
    const decoyAt = env.clock.now();
    const reused = decoyName ? ctx.decoys.fresh(endpoint, 'quic', decoyAt) : undefined;
    // A reused decoy was answered there lately: the address answers.
    if (reused) signals?.heard();
    const decoy =
      decoyName && !reused
        ? checkQuic({ ...base, sni: decoyName, verify: false, purpose: 'decoy' }, watch)
        : undefined;
    if (decoy) await waitAtMost(decoy, options.quicTimeoutMs * DECOY_GRACE_SHARE);
    const own = await checkQuic(base, watch);
    const made = await decoy;
    if (made) ctx.decoys.record(endpoint, 'quic', target.name, made, decoyAt, env.clock.now());
    if (own.failure && BLOCKING_FAILURES.has(own.failure.failure)) ctx.decoys.forget(endpoint, 'quic');
    if (own.failure?.failure === 'generic_timeout_error')
      ctx.blocks.record(udpKey(endpoint), target.name, env.clock.now());
    const decoyMet = reused ?? made;
    return {
      observations: [...(decoyMet ? [decoyMet] : []), own],
      ...(recent ? { residual: { ...recent, endpoint } } : {}),
    };
  } finally {
    release();
  }
}

/** Waits for `work` at most `ms`; it goes on either way. */
export async function waitAtMost(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

/** What says the target speaks QUIC: its own HTTP answer's Alt-Svc offering h3, and `quic: true`. */
export function offeredBy(target: Target, checks: Observation[], helperSaw: boolean): QuicEvidence[] {
  const h3 = h3Offers(checks).length > 0;
  return [
    ...(h3 ? ['alt-svc' as const] : []),
    ...(target.quic ? ['target' as const] : []),
    ...(helperSaw ? ['helper' as const] : []),
  ];
}
