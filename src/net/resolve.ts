import dns from 'node:dns';
import pLimit from 'p-limit';
import { DeadlineError, dnsFailure } from './errors/classify.js';
import { failed, ok, type Outcome } from '../model/outcome.js';
import { canonicalAddress, formatServer, type DnsServer } from '../model/addresses.js';
import { systemClock, type Clock } from '../model/clock.js';
import { lookupUdp } from './dns-udp.js';

/** Resolves a name the way an application would; the checks connect to what it returns. */
export interface Resolver {
  /** Shown in the report: "system" or the server's address. */
  readonly name: string;
  /** The one DNS server it asks, when it asks one directly (not getaddrinfo). */
  readonly server?: DnsServer;
  lookup(host: string, timeoutMs: number): Promise<Outcome<string[]>>;
}

function withDeadline<T>(work: Promise<Outcome<T>>, ms: number): Promise<Outcome<T>> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<Outcome<T>>((resolve) => {
    timer = setTimeout(() => resolve(failed(dnsFailure(new DeadlineError('DNS lookup', ms)))), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/**
 * getaddrinfo runs on libuv's thread pool (bin/reachprobe.js makes it 24 threads). A lookup waiting
 * for a thread must not count against its deadline, or lookups stuck behind blackholed names would
 * time out falsely. So at most LOOKUPS_AT_ONCE run, each timed from its start, and a lookup keeps its
 * place until getaddrinfo really returns, even after its deadline has answered the caller.
 */
const LOOKUPS_AT_ONCE = 16;

const lookupOutcome = (host: string): Promise<Outcome<string[]>> =>
  dns.promises.lookup(host, { all: true, verbatim: true }).then(
    (found) => ok(found.map((a) => canonicalAddress(a.address))),
    (err: unknown) => failed<string[]>(dnsFailure(err)),
  );

/** getaddrinfo, with /etc/hosts and the system's resolvers: exactly what an app on this machine sees. */
export function systemResolver(): Resolver {
  const limit = pLimit(LOOKUPS_AT_ONCE);
  return {
    name: 'system',
    lookup: (host, timeoutMs) =>
      new Promise((answer) => {
        void limit(async () => {
          const lookup = lookupOutcome(host);
          answer(await withDeadline(lookup, timeoutMs));
          await lookup;
        });
      }),
  };
}

/** Asks one DNS server (--resolver) for A and AAAA records, by raw UDP queries. */
export function serverResolver(server: DnsServer, clock: Clock = systemClock): Resolver {
  return {
    name: formatServer(server),
    server,
    async lookup(host, timeoutMs) {
      const { addresses, failure } = await lookupUdp(server, host, timeoutMs, clock);
      return failure ? failed(failure) : ok(addresses);
    },
  };
}
