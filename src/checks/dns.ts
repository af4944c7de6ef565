import type { DnsQueryObservation, ResolveObservation } from '../model/observation.js';
import { formatServer, queryUdp, type DnsServer } from '../net/dns-udp.js';
import type { Resolver } from '../net/resolve.js';
import type { Stopwatch } from './stopwatch.js';

/** What an application on this machine gets for the name: the addresses the other checks dial. */
export async function checkResolve(
  host: string,
  resolver: Resolver,
  timeoutMs: number,
  watch: Stopwatch,
): Promise<ResolveObservation> {
  const stop = watch.start();
  const outcome = await resolver.lookup(host, timeoutMs);
  const base = { check: 'resolve' as const, host, resolver: resolver.name };
  return outcome.ok
    ? { ...base, ...stop(), addresses: outcome.value }
    : { ...base, ...stop(), addresses: [], failure: outcome.failure };
}

export interface DnsQueryOptions {
  server: DnsServer;
  timeoutMs: number;
  windowMs: number;
}

/** A raw A query that records every reply during the listen window: injected answers race real ones. */
export async function checkDnsQuery(host: string, opts: DnsQueryOptions, watch: Stopwatch): Promise<DnsQueryObservation> {
  const stop = watch.start();
  const result = await queryUdp({ ...opts, name: host, type: 'A', clock: watch.clock });
  const observation: DnsQueryObservation = {
    check: 'dns_query',
    host,
    query_type: 'A',
    server: formatServer(opts.server),
    window_ms: opts.windowMs,
    ...stop(),
    replies: result.replies,
    ignored: result.ignored,
  };
  if (result.failure) observation.failure = result.failure;
  return observation;
}
