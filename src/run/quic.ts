// The QUIC step of a target: at each address tried, an innocuous decoy (the decoy name as SNI) to
// the same address and UDP port first (or one that passed there lately, for another name), then the
// target's own handshake, under that (address, port, udp) lock. Beside the TCP chain: the two
// filters are separate, and waiting for one would double a blocked target's time.
import dgram from 'node:dgram';
import { checkQuic, type QuicCheckOptions } from '../checks/quic.js';
import { hostPort } from '../model/addresses.js';
import { own, type Observation } from '../model/observation.js';
import type { QuicEvidence, QuicObservation } from '../model/quic.js';
import type { Target } from '../model/target.js';
import { http3Alternative, parseAltSvc, type AltService } from '../net/alt-svc.js';
import type { ProbeOptions } from './options.js';
import { beginTurn, decoyToMake, endTurn, holdEndpoint, withinGrace } from './attribution.js';
import type { ProbeContext, Residual } from './context.js';

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
): Promise<QuicRun | undefined> {
  if (addresses.length === 0) return undefined;
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
  await withinGrace(Promise.race([heardThere, run]), ctx.options.quicTimeoutMs);
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

/**
 * One address and UDP port: the decoy (made, or reused), then the own handshake, in the target's
 * turn there (attribution.ts).
 */
async function probeQuicAt(
  target: Target,
  address: string,
  port: number,
  ctx: ProbeContext,
  signals?: RaceSignals,
): Promise<QuicRun> {
  const { options, env } = ctx;
  const endpoint = hostPort(address, port);
  const release = await holdEndpoint(ctx, 'quic', endpoint);
  signals?.locked();
  try {
    const turn = beginTurn(ctx, endpoint, target, 'quic');
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
    // A reused decoy was answered there lately: the address answers.
    if (turn.reused) signals?.heard();
    const decoyName = decoyToMake(turn);
    const decoy = decoyName
      ? handshake(ctx, { ...base, sni: decoyName, verify: false, purpose: 'decoy' })
      : undefined;
    if (decoy) await withinGrace(decoy, options.quicTimeoutMs);
    const own = await handshake(ctx, base);
    const made = await decoy;
    endTurn(ctx, turn, made, own.failure);
    const decoyMet = turn.reused ?? made;
    return {
      observations: [...(decoyMet ? [decoyMet] : []), own],
      ...(turn.residual ? { residual: turn.residual } : {}),
    };
  } finally {
    release();
  }
}

/** One QUIC handshake, a connection of its own: its observation carries its transaction id. */
async function handshake(ctx: ProbeContext, opts: QuicCheckOptions): Promise<QuicObservation> {
  const id = ctx.transactions.next();
  const observation = await checkQuic(opts, ctx.watch);
  observation.transaction_id = id;
  return observation;
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
