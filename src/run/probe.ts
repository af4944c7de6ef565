import net from 'node:net';
import { checkDnsQuery, checkDoh, checkResolve, resolveByQuery, type DnsQueryOptions } from '../checks/dns.js';
import { checkHttp } from '../checks/http.js';
import type { Stopwatch } from '../checks/stopwatch.js';
import { checkConnect } from '../checks/tcp.js';
import { checkTls } from '../checks/tls.js';
import { hostPort, impossibleReason } from '../model/addresses.js';
import type { ConnectObservation, Observation, ResolveObservation } from '../model/observation.js';
import type { Target } from '../model/target.js';
import type { EndpointLocks } from './locks.js';
import type { ProbeEnv, ProbeOptions } from './options.js';

export interface ProbeContext {
  env: ProbeEnv;
  options: ProbeOptions;
  locks: EndpointLocks;
  watch: Stopwatch;
}

export interface ProbeRun {
  /** Resolve, connect, TLS and HTTP observations, in the order they were made. */
  observations: Observation[];
  /** The raw and control DNS queries, still listening for late replies: await them outside the connection slot. */
  dnsQueries: Promise<Observation[]>;
  /** The addresses the name resolved to (or was pinned to). */
  addresses: string[];
}

interface Chosen {
  address: string;
  socket: net.Socket;
  release: () => void;
}

/** Whether the target's addresses come from DNS (not an IP literal, not pinned with --resolve). */
export function needsDns(target: Target, options: ProbeOptions): boolean {
  return net.isIP(target.host) === 0 && !options.pins.has(`${target.host}:${target.port}`);
}

/** Measures one target: the steps run in order, and the first failure ends the chain. */
export async function probeTarget(target: Target, ctx: ProbeContext): Promise<ProbeRun> {
  const { env, options, watch } = ctx;
  // An address the user gave (an IP literal, a --resolve pin) is used as given, as curl does: no
  // DNS at all for that target.
  const chosenByUser = !needsDns(target, options);
  const dns = chosenByUser ? { queries: [] } : startDns(target.host, ctx);
  const dnsQueries = Promise.all(dns.queries);
  const observations: Observation[] = [];
  let addresses = options.pins.get(`${target.host}:${target.port}`) ?? [target.host];
  if (dns.resolved) {
    const resolved = await dns.resolved;
    observations.push(resolved);
    addresses = resolved.addresses;
  }
  // A DNS answer no public name can have is never dialled: it may be this machine or its LAN.
  const dialled = chosenByUser ? addresses : addresses.filter((a) => impossibleReason(a, options.allowedAnswers) === undefined);
  if (dialled.length > 0) await connectAndUse(target, dialled.slice(0, options.maxAddresses), ctx, observations);
  return { observations, dnsQueries, addresses };
}

interface DnsWork {
  /** The application's view of the name, which the connection waits for. */
  resolved?: Promise<ResolveObservation>;
  /** The queries that look for injection, which nothing waits for until classification. */
  queries: Array<Promise<Observation>>;
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
    if (server) for (const type of ['A', 'AAAA'] as const) raw({ server, type, purpose: 'resolver', ...window });
  }
  if (server) raw({ server, type: 'TXT', purpose: 'wrong_type', ...window });
  // Whether the sink is usable is known only when its canary queries end; the classification decides.
  if (env.sink) {
    raw({ server: env.sink, type: 'A', purpose: 'sink', timeoutMs: options.sinkTimeoutMs, windowMs: options.dnsWindowMs });
  }
  const dispatcher = env.doh;
  if (dispatcher) {
    for (const url of env.controls) {
      for (const type of ['A', 'AAAA'] as const) queries.push(checkDoh(host, { url, type, timeoutMs: options.timeouts.dns, dispatcher }, watch));
    }
  }
  return { resolved, queries };
}

/**
 * Dials every address at once (each under its IP:port lock) and runs TLS and HTTP on the first
 * connection to open, while the other dials finish: a blackholed address does not delay the rest.
 */
async function connectAndUse(target: Target, addresses: string[], ctx: ProbeContext, out: Observation[]) {
  let chosen: Chosen | undefined;
  let pickFirst!: (c: Chosen | undefined) => void;
  const first = new Promise<Chosen | undefined>((resolve) => (pickFirst = resolve));
  const dials = addresses.map(async (address): Promise<ConnectObservation> => {
    const release = await ctx.locks.acquire(hostPort(address, target.port));
    const { observation, socket } = await checkConnect(
      ctx.env.dial,
      address,
      target.port,
      ctx.options.timeouts.connect,
      ctx.watch,
    );
    if (socket && !chosen) {
      chosen = { address, socket, release };
      pickFirst(chosen);
    } else {
      socket?.destroy();
      release();
    }
    return observation;
  });
  const connects = Promise.all(dials).finally(() => pickFirst(undefined));
  const picked = await first;
  const later = picked ? await useConnection(target, picked, ctx) : [];
  out.push(...(await connects), ...later);
}

/** TLS (for https) and HTTP over the chosen connection; frees its IP:port lock at the end. */
async function useConnection(target: Target, chosen: Chosen, ctx: ProbeContext): Promise<Observation[]> {
  const { options, env, watch } = ctx;
  const { address, release } = chosen;
  try {
    if (target.scheme === 'tcp') return [];
    let socket: net.Socket = chosen.socket;
    const steps: Observation[] = [];
    if (target.scheme === 'https') {
      const tls = await checkTls(
        socket,
        { host: target.host, address, port: target.port, ca: env.ca, timeoutMs: options.timeouts.tls },
        watch,
      );
      steps.push(tls.observation);
      if (!tls.socket) return steps;
      socket = tls.socket;
    }
    const httpOptions = {
      address,
      timeoutMs: options.timeouts.http,
      maxBodyBytes: options.maxBodyBytes,
      userAgent: options.userAgent,
    };
    steps.push(await checkHttp(socket, target, httpOptions, watch));
    return steps;
  } finally {
    chosen.socket.destroy();
    release();
  }
}
