import net from 'node:net';
import {
  checkDnsQuery,
  checkDoh,
  checkResolve,
  resolveByQuery,
  type DnsQueryOptions,
} from '../checks/dns.js';
import { racedAddresses } from '../classify/dns.js';
import { checkHttp } from '../checks/http.js';
import { checkConnect } from '../checks/tcp.js';
import { checkTls } from '../checks/tls.js';
import { canonicalAddress, hostPort, impossibleReason, inList } from '../model/addresses.js';
import type { Failure } from '../model/failure.js';
import type { ConnectObservation, Observation, ResolveObservation } from '../model/observation.js';
import type { Target } from '../model/target.js';
import {
  beginTurn,
  decoyToMake,
  dialFailed,
  endTurn,
  holdEndpoint,
  isBlocking,
  residualOf,
  withinGrace,
  type Turn,
} from './attribution.js';
import type { ProbeContext, Residual } from './context.js';
import type { Slots } from './slots.js';
import type { DecoyObservation } from './decoys.js';
import { probeQuic, wantsQuic, type QuicRun } from './quic.js';
import { bodyLimits, type ProbeOptions } from './options.js';
import { transferControl } from './throttle.js';

export interface ProbeRun {
  /**
   * Resolve, connect, TLS and HTTP observations, in the order they were made (a reused decoy, made earlier,
   * where this target's own would be).
   */
  observations: Observation[];
  /** The raw and control DNS queries, still listening for late replies: await them outside the connection slot. */
  dnsQueries: Promise<Observation[]>;
  /** The addresses the name resolved to (or was pinned to). */
  addresses: string[];
  /** Another target was blocked on the same IP:port shortly before: a failure here may be its echo. */
  residual?: Residual;
  /** The QUIC handshakes, when the target is measured over QUIC. */
  quic?: QuicRun;
  /** Answers known to be forged (raced in by an injector): not dialled. */
  forged?: string[];
  waits: Waits;
  /** Stopped before it had a connection slot: nothing dialled, not measured. */
  unstarted?: true;
}

/** Time the target spent waiting, not measuring. */
export interface Waits {
  /** For the resolver's listen window to end, after the lookup had answered: no application waits so. */
  windowMs: number;
  /** For a lookup or connection slot, while other targets held them all. */
  slotMs: number;
}

/** An open connection, and its transaction id. */
interface Connection {
  socket: net.Socket;
  id: number;
}

interface Chosen extends Connection {
  address: string;
  release: () => void;
}

/** Whether the target's addresses come from DNS (not an IP literal, not pinned with --resolve). */
export function needsDns(target: Target, options: ProbeOptions): boolean {
  return net.isIP(target.host) === 0 && !options.pins.has(`${target.host}:${target.port}`);
}

/** Measures one target: the steps run in order, and the first failure ends the chain. */
export async function probeTarget(target: Target, ctx: ProbeContext): Promise<ProbeRun> {
  const { options } = ctx;
  const waits: Waits = { windowMs: 0, slotMs: 0 };
  const looked = await lookUp(target, ctx, waits);
  if (!looked)
    return { observations: [], dnsQueries: Promise.resolve([]), addresses: [], waits, unstarted: true };
  const { dns, addresses, observations, chosenByUser } = looked;
  const dnsQueries = Promise.all(dns.queries);
  const overQuic = wantsQuic(target, options);
  ctx.env.helper?.request(target, addresses, overQuic);
  const answers = toDial(
    target,
    chosenByUser ? addresses : addresses.filter((a) => dialable(a, options)),
    options,
  );
  const forged = await listenOut(answers, dns, ctx, waits);
  const dialled = answers.filter((a) => !forged.includes(a));
  const freeSlot = dialled.length > 0 ? await takeSlot(ctx.connections, ctx, waits) : undefined;
  // The run was stopped before this target had a slot: nothing was dialled, it has not started.
  if (dialled.length > 0 && !freeSlot) return { observations, dnsQueries, addresses, waits, unstarted: true };
  try {
    const tcp = dialled.length > 0 ? connectAndUse(target, dialled, ctx, observations) : undefined;
    // QUIC reads the TCP chain's Alt-Svc only once both have gone as far as they can on their own.
    const tcpChecks = Promise.resolve(tcp).then(
      () => observations,
      () => observations,
    );
    const quic = overQuic && dialled.length > 0 ? probeQuic(target, dialled, ctx, tcpChecks) : undefined;
    const residual = await tcp;
    const quicRun = await quic;
    return {
      observations,
      dnsQueries,
      addresses,
      ...(forged.length > 0 ? { forged } : {}),
      waits,
      ...(residual ? { residual } : {}),
      ...(quicRun ? { quic: quicRun } : {}),
    };
  } finally {
    freeSlot?.();
  }
}

/**
 * The target's addresses: the ones the user gave (an IP literal, a --resolve pin: used as given, as
 * curl does, with no DNS at all), or the lookup's. At most --concurrency lookups are outstanding at
 * once (a lookup slot each, until the first replies): the targets listening out their windows
 * ahead of the connection slots must not send the resolver hundreds of queries at once. Undefined
 * when the run was stopped before a lookup slot came.
 */
async function lookUp(target: Target, ctx: ProbeContext, waits: Waits) {
  const { options } = ctx;
  if (!needsDns(target, options)) {
    const given = options.pins.get(`${target.host}:${target.port}`) ?? [target.host];
    return { dns: { queries: [] } as DnsWork, addresses: given, observations: [], chosenByUser: true };
  }
  const free = await takeSlot(ctx.lookups, ctx, waits);
  if (!free) return undefined;
  try {
    const dns = startDns(target.host, ctx);
    const resolved = await dns.resolved!;
    return {
      dns,
      addresses: resolved.addresses,
      observations: [resolved] as Observation[],
      chosenByUser: false,
    };
  } finally {
    free();
  }
}

/**
 * The answers known to be forged, which neither TCP nor QUIC dials: a forged answer is nobody's
 * server, and what a dial to it met would be laid at the server's door. Known once the resolver's
 * A and AAAA queries have listened out their window: an answer an injector raced in ahead of the
 * genuine reply (the answers no public name can have were never among them). The window is waited
 * out before any dial, outside the connection slots (run.ts).
 */
async function listenOut(answers: string[], dns: DnsWork, ctx: ProbeContext, waits: Waits) {
  const heard = ctx.env.clock.now();
  const raced = racedAddresses(await Promise.all(dns.resolverQueries ?? [])).map(canonicalAddress);
  waits.windowMs += ctx.env.clock.now() - heard;
  return answers.filter((a) => raced.includes(a));
}

/** Waits for one of the run's slots (none once the run is stopped); the time waited is not the target's. */
async function takeSlot(slots: Slots, ctx: ProbeContext, waits: Waits): Promise<(() => void) | undefined> {
  const asked = ctx.env.clock.now();
  const free = await slots.acquire();
  waits.slotMs += ctx.env.clock.now() - asked;
  return free;
}

/** A DNS answer no public name can have is never dialled: it may be this machine or its LAN. */
const dialable = (address: string, options: ProbeOptions) =>
  impossibleReason(address, options.allowedAnswers) === undefined &&
  !(options.neverDial && inList(options.neverDial, address));

/** The answers (so many at most of each family), and the helper's extra addresses (the probe's) after them. */
function toDial(target: Target, answers: string[], options: ProbeOptions): string[] {
  // So many of each family: both are dialled, as an application with happy eyeballs would.
  const taken = { v4: 0, v6: 0 };
  const first = answers
    .map(canonicalAddress)
    .filter((a) => ++taken[a.includes(':') ? 'v6' : 'v4'] <= options.maxAddresses);
  // The probe's addresses, spelled as ours: one address is dialled once, however it was written.
  const extra = (options.alsoDial?.get(target.name) ?? [])
    .map(canonicalAddress)
    .filter((a) => !first.includes(a));
  return [...first, ...extra.slice(0, options.maxAddresses)];
}

interface DnsWork {
  /** The application's view of the name, which the connection waits for. */
  resolved?: Promise<ResolveObservation>;
  /** The queries that look for injection, which nothing waits for until classification. */
  queries: Array<Promise<Observation>>;
  /** The resolver's A and AAAA queries with their listen window (some of `queries`). */
  resolverQueries?: Array<Promise<Observation>>;
}

/**
 * The lookup, and the raw queries that look for injection (A and AAAA with a listen window, TXT for
 * a wrong-type answer, A to the sink) and the control resolvers' answers.
 */
function startDns(host: string, ctx: ProbeContext): DnsWork {
  const { env, options, watch } = ctx;
  const window = { timeoutMs: options.timeouts.dns, windowMs: options.dnsWindowMs };
  const queries: Array<Promise<Observation>> = [];
  const raw = (opts: DnsQueryOptions) => queries.push(checkDnsQuery(host, opts, watch));
  let resolved: Promise<ResolveObservation>;
  const server = env.dnsServer;
  const direct = env.resolver.server;
  if (direct) {
    // The resolver asks one server: its first A and AAAA replies are the application's view.
    const lookup = resolveByQuery(host, { server: direct, ...window }, watch);
    queries.push(...lookup.queries);
    resolved = lookup.resolved;
  } else {
    resolved = checkResolve(host, env.resolver, options.timeouts.dns, watch);
    if (server)
      for (const type of ['A', 'AAAA'] as const) raw({ server, type, purpose: 'resolver', ...window });
  }
  const resolverQueries = [...queries];
  if (server) raw({ server, type: 'TXT', purpose: 'wrong_type', ...window });
  // Whether the sink is usable is known only when its canary queries end; the classification decides.
  if (env.sink) {
    raw({
      server: env.sink,
      type: 'A',
      purpose: 'sink',
      timeoutMs: options.sinkTimeoutMs,
      windowMs: options.dnsWindowMs,
    });
  }
  const dispatcher = env.doh;
  if (dispatcher) {
    for (const url of env.controls) {
      for (const type of ['A', 'AAAA'] as const)
        queries.push(checkDoh(host, { url, type, timeoutMs: options.timeouts.dns, dispatcher }, watch));
    }
  }
  return { resolved, queries, resolverQueries };
}

/**
 * Dials every address at once (each under its IP:port lock) and runs TLS and HTTP on the first
 * connection to open, while the other dials finish: a blackholed address does not delay the rest.
 */
async function connectAndUse(
  target: Target,
  addresses: string[],
  ctx: ProbeContext,
  out: Observation[],
): Promise<Residual | undefined> {
  let chosen: Chosen | undefined;
  let pickFirst!: (c: Chosen | undefined) => void;
  const first = new Promise<Chosen | undefined>((resolve) => (pickFirst = resolve));
  const dials = addresses.map(async (address): Promise<ConnectObservation> => {
    const endpoint = hostPort(address, target.port);
    const release = await holdEndpoint(ctx, 'tcp', endpoint);
    let kept = false;
    try {
      const { observation, socket, id } = await dial(ctx, address, target.port);
      if (observation.failure) dialFailed(ctx, endpoint);
      if (socket && !chosen) {
        chosen = { address, socket, id, release };
        kept = true;
        pickFirst(chosen);
      } else {
        socket?.destroy();
      }
      return observation;
    } finally {
      if (!kept) release(); // the chosen connection's lock is freed by useConnection
    }
  });
  const connects = Promise.all(dials).finally(() => pickFirst(undefined));
  const picked = await first;
  if (!picked) {
    out.push(...(await connects));
    return undefined;
  }
  const endpoint = hostPort(picked.address, target.port);
  const scheme = target.scheme === 'tcp' ? undefined : target.scheme;
  const turn = scheme && beginTurn(ctx, endpoint, target, scheme);
  const residual = turn ? turn.residual : residualOf(ctx, 'tcp', endpoint, target);
  const later = await useConnection(target, picked, ctx, turn);
  out.push(...(await connects), ...later);
  return residual;
}

/** A reset or a FIN may be a probabilistic trigger: worth a fresh try. A timeout or a bad certificate is not. */
const RETRYABLE = new Set(['connection_reset', 'eof_error']);

const tagged = <T extends Observation>(
  o: T,
  extra: Partial<Pick<ConnectObservation, 'purpose' | 'try' | 'transaction_id'>>,
): T => Object.assign(o, extra);

/** A connection of its own: its connect observation, and the checks made on it, carry its transaction id. */
async function dial(ctx: ProbeContext, address: string, port: number) {
  const id = ctx.transactions.next();
  const dialled = await checkConnect(ctx.env.dial, address, port, ctx.options.timeouts.connect, ctx.watch);
  dialled.observation.transaction_id = id;
  return { ...dialled, id };
}

/**
 * The innocuous check, on the connection already open: the same IP:port with another name (as SNI
 * for https, as Host for http). It comes first: after the target's own check triggers a block, the
 * censor would block the triple whatever it carries.
 */
async function decoyCheck(
  target: Target,
  { socket, id }: Connection,
  address: string,
  decoy: string,
  ctx: ProbeContext,
): Promise<DecoyObservation> {
  const { watch } = ctx;
  if (target.scheme === 'https') {
    // Only whether the handshake completes matters: the certificate, for another name, is not checked.
    const tls = await checkTls(
      socket,
      { ...tlsOptions(decoy, address, target.port, ctx), verify: false },
      watch,
    );
    tls.socket?.destroy();
    return tagged(tls.observation, { purpose: 'decoy', transaction_id: id });
  }
  // Whether the Host triggers a block is all the decoy asks: its body is read as before --transfer.
  const unmeasured = { ...httpOptions(address, { ...ctx.options, transferBytes: 0 }), host: decoy };
  const http = await checkHttp(socket, target, unmeasured, watch);
  return tagged(http, { purpose: 'decoy', transaction_id: id });
}

/** A handshake where the name `host` is checked (and sent as SNI) against `address`:`port`. */
function tlsOptions(host: string, address: string, port: number, ctx: ProbeContext) {
  return { host, address, port, ca: ctx.env.ca, verify: true, timeoutMs: ctx.options.timeouts.tls };
}

function httpOptions(address: string, options: ProbeOptions) {
  return { address, timeoutMs: options.timeouts.http, userAgent: options.userAgent, ...bodyLimits(options) };
}

/** One try of the target's own check: TLS (for https) and HTTP, on the connection given or a fresh one. */
async function ownTry(
  target: Target,
  address: string,
  given: Connection | undefined,
  attempt: number,
  ctx: ProbeContext,
) {
  const { watch } = ctx;
  const steps: Observation[] = [];
  let socket = given?.socket;
  let id = given?.id;
  if (!socket) {
    const dialled = await dial(ctx, address, target.port);
    steps.push(tagged(dialled.observation, { try: attempt }));
    if (!dialled.socket) return { steps, failure: dialled.observation.failure };
    socket = dialled.socket;
    id = dialled.id;
  }
  try {
    if (target.scheme === 'https') {
      const tls = await checkTls(socket, tlsOptions(target.host, address, target.port, ctx), watch);
      steps.push(tagged(tls.observation, { try: attempt, transaction_id: id }));
      if (!tls.socket) return { steps, failure: tls.observation.failure };
      socket = tls.socket;
    }
    const http = await checkHttp(socket, target, httpOptions(address, ctx.options), watch);
    steps.push(tagged(http, { try: attempt, transaction_id: id }));
    return { steps, failure: http.failure };
  } finally {
    socket.destroy();
  }
}

/** After a block, the target's name sent to a known-clean server: blocked there too means the name is. */
async function sniProbe(target: Target, ctx: ProbeContext): Promise<Observation[]> {
  const server = ctx.options.sniProbe;
  if (!server || target.scheme !== 'https' || net.isIP(target.host) !== 0) return []; // an IP literal sends no SNI
  const dialled = await dial(ctx, server.address, server.port);
  if (!dialled.socket) return [tagged(dialled.observation, { purpose: 'sni_probe' })];
  const tls = await checkTls(
    dialled.socket,
    tlsOptions(target.host, server.address, server.port, ctx),
    ctx.watch,
  );
  tls.socket?.destroy();
  return [
    tagged(dialled.observation, { purpose: 'sni_probe' }),
    tagged(tls.observation, { purpose: 'sni_probe', transaction_id: dialled.id }),
  ];
}

// The first re-check soon after the block, then every few seconds.
const RESIDUAL_FIRST_MS = 1000;
const RESIDUAL_STEP_MS = 5000;

/** After a block, the decoy again every few seconds until it passes or --residual-check runs out. */
async function residualCheck(
  target: Target,
  address: string,
  decoy: string,
  ctx: ProbeContext,
): Promise<Observation[]> {
  const { options, env } = ctx;
  const steps: Observation[] = [];
  const until = env.clock.now() + options.residualCheckMs;
  while (env.clock.now() < until) {
    const wait = steps.length === 0 ? RESIDUAL_FIRST_MS : RESIDUAL_STEP_MS;
    await new Promise((resolve) => setTimeout(resolve, Math.min(wait, until - env.clock.now())));
    const dialled = await dial(ctx, address, target.port);
    const seen = dialled.socket
      ? await decoyCheck(target, { socket: dialled.socket, id: dialled.id }, address, decoy, ctx)
      : undefined;
    dialled.socket?.destroy();
    steps.push(
      tagged(dialled.observation, { purpose: 'residual_check' }),
      ...(seen ? [tagged(seen, { purpose: 'residual_check' })] : []),
    );
    if (!isBlocking(dialled.observation.failure ?? seen?.failure)) break;
  }
  return steps;
}

/**
 * The decoy first (unless there is none, or one passed lately on this IP:port), then the target's
 * own check, tried again on fresh connections while it is reset; then, after a block, the optional
 * SNI probe and residual check. The own check starts when the decoy is done, or beside it once the
 * decoy has stayed silent past its grace (attribution.ts). Frees the IP:port lock at the end.
 */
async function useConnection(
  target: Target,
  chosen: Chosen,
  ctx: ProbeContext,
  turn: Turn<'https' | 'http'> | undefined,
): Promise<Observation[]> {
  const { options } = ctx;
  const { address, release } = chosen;
  try {
    if (!turn) return []; // a tcp target: the connection was all
    const decoy = decoyToMake(turn);
    const decoyRun = decoy ? decoyCheck(target, chosen, address, decoy, ctx) : undefined;
    if (decoyRun)
      await withinGrace(decoyRun, target.scheme === 'https' ? options.timeouts.tls : options.timeouts.http);
    // The target's own check is always made, whatever the decoy met: a server may sit on, reset or
    // close a name it does not serve, and only the target's own check can say the target is blocked.
    const own: Observation[] = [];
    let failure: Failure | undefined;
    for (let attempt = 1; attempt <= options.tries; attempt++) {
      const tried = await ownTry(
        target,
        address,
        attempt === 1 && !decoyRun ? chosen : undefined,
        attempt,
        ctx,
      );
      own.push(...tried.steps);
      failure = tried.failure;
      if (!failure || !RETRYABLE.has(failure.failure)) break;
    }
    const made = await decoyRun;
    const decoyMet = turn.reused ?? made;
    const steps = [...(decoyMet ? [decoyMet] : []), ...own];
    steps.push(...(await transferControl(target, address, own, ctx))); // after a slow transfer only
    if (endTurn(ctx, turn, made, failure)) {
      steps.push(...(await sniProbe(target, ctx)));
      if (turn.decoyName && options.residualCheckMs > 0)
        steps.push(...(await residualCheck(target, address, turn.decoyName, ctx)));
    }
    return steps;
  } finally {
    chosen.socket.destroy();
    release();
  }
}
