import type { Dispatcher } from 'undici';
import type { Failure } from '../model/failure.js';
import type {
  DnsQueryObservation,
  DnsQueryPurpose,
  DnsReply,
  DohObservation,
  ResolveObservation,
} from '../model/observation.js';
import type { QueryType } from '../net/dns-message.js';
import { queryDoh } from '../net/doh.js';
import { queryUdp, resolutionOf, SENDS, type FirstReply } from '../net/dns-udp.js';
import { formatServer, type DnsServer } from '../model/addresses.js';
import type { Resolver } from '../net/resolve.js';
import { traceStep } from '../net/trace.js';
import type { Stopwatch } from './stopwatch.js';

/** For --verbose: what a lookup answered. */
const answered = (o: { addresses: string[] }) => `answered ${o.addresses.join(', ') || 'no address'}`;
const repliedWith = (r: DnsReply) => `${r.rcode} ${r.addresses.join(', ')}`.trim();

/** What an application on this machine gets for the name: the addresses the other checks dial. */
export async function checkResolve(
  host: string,
  resolver: Resolver,
  timeoutMs: number,
  watch: Stopwatch,
): Promise<ResolveObservation> {
  const traced = traceStep<ResolveObservation>('dns', () => `lookup ${host} (${resolver.name})`, answered);
  const stop = watch.start();
  const outcome = await resolver.lookup(host, timeoutMs);
  const base = { check: 'resolve' as const, host, resolver: resolver.name };
  return traced(
    outcome.ok
      ? { ...base, ...stop(), addresses: outcome.value }
      : { ...base, ...stop(), addresses: [], failure: outcome.failure },
  );
}

export interface DnsQueryOptions {
  server: DnsServer;
  type: QueryType;
  purpose: DnsQueryPurpose;
  timeoutMs: number;
  windowMs: number;
}

type OnFirst = (reply: DnsReply | undefined, failure?: Failure) => void;

/**
 * A raw query that records every reply during the listen window: injected answers race real ones.
 * Sent again while unanswered, as a stub resolver does; the sink's only once, since it never answers.
 */
export async function checkDnsQuery(
  host: string,
  opts: DnsQueryOptions,
  watch: Stopwatch,
  onFirst?: OnFirst,
): Promise<DnsQueryObservation> {
  const traced = traceStep<DnsQueryObservation>(
    'dns',
    () => `${opts.type} query for ${host} to ${formatServer(opts.server)} (${opts.purpose})`,
    (o) =>
      `${o.replies.length} ${o.replies.length === 1 ? 'reply' : 'replies'}: ${o.replies.map(repliedWith).join('; ')}`,
  );
  const stop = watch.start();
  const sends = opts.purpose === 'sink' ? 1 : SENDS;
  const result = await queryUdp({ ...opts, name: host, clock: watch.clock, sends }, onFirst);
  const observation: DnsQueryObservation = {
    check: 'dns_query',
    purpose: opts.purpose,
    host,
    query_type: opts.type,
    server: formatServer(opts.server),
    window_ms: opts.windowMs,
    ...stop(),
    replies: result.replies,
    ignored: result.ignored,
  };
  if (result.sent > 1) observation.sent = result.sent;
  if (result.failure) observation.failure = result.failure;
  return traced(observation);
}

export interface DohOptions {
  url: string;
  type: QueryType;
  timeoutMs: number;
  dispatcher: Dispatcher;
}

/** The control resolver's answer, over DNS-over-HTTPS. */
export async function checkDoh(host: string, opts: DohOptions, watch: Stopwatch): Promise<DohObservation> {
  const traced = traceStep<DohObservation>(
    'control',
    () => `DNS-over-HTTPS ${opts.type} query for ${host}, ${opts.url}`,
    answered,
  );
  const stop = watch.start();
  const { rcode, addresses, failure } = await queryDoh({ ...opts, name: host });
  const observation: DohObservation = {
    check: 'doh_query',
    host,
    query_type: opts.type,
    url: opts.url,
    ...stop(),
    addresses,
  };
  if (rcode !== undefined) observation.rcode = rcode;
  if (failure) observation.failure = failure;
  return traced(observation);
}

export interface ResolveByQuery {
  /** Ready as soon as the first A and AAAA replies are in. */
  resolved: Promise<ResolveObservation>;
  /** The two queries, still listening for replies that lost the race. */
  queries: Array<Promise<DnsQueryObservation>>;
}

/**
 * With --resolver, the application's view is the first reply the server's address sends to an A
 * and an AAAA query: so the raw queries that listen for injected replies serve as the lookup too,
 * and the server is asked once, not twice.
 */
export function resolveByQuery(
  host: string,
  opts: Omit<DnsQueryOptions, 'type' | 'purpose'>,
  watch: Stopwatch,
): ResolveByQuery {
  const stop = watch.start();
  const both = (['A', 'AAAA'] as const).map((type) => {
    let settle!: (f: FirstReply) => void;
    const first = new Promise<FirstReply>((resolve) => (settle = resolve));
    const onFirst: OnFirst = (reply, failure) =>
      settle({ ...(reply ? { reply } : {}), ...(failure ? { failure } : {}) });
    return { first, query: checkDnsQuery(host, { ...opts, type, purpose: 'resolver' }, watch, onFirst) };
  });
  const resolved = Promise.all(both.map((b) => b.first)).then(([a, aaaa]): ResolveObservation => ({
    check: 'resolve',
    host,
    resolver: formatServer(opts.server),
    ...stop(),
    ...resolutionOf(a!, aaaa!),
  }));
  return { resolved, queries: both.map((b) => b.query) };
}
