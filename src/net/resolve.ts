import dns from 'node:dns';
import pLimit from 'p-limit';
import { DeadlineError, failureOf } from '../model/failure.js';
import { failed, ok, type Outcome } from '../model/outcome.js';
import { formatServer, type DnsServer } from '../model/addresses.js';

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
    timer = setTimeout(() => resolve(failed(failureOf(new DeadlineError('DNS lookup', ms), 'resolve'))), ms);
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
    (found) => ok(found.map((a) => a.address)),
    (err: unknown) => failed<string[]>(failureOf(err, 'resolve')),
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

/**
 * Asks one DNS server for A and AAAA records (c-ares): used when --resolver names a server. One
 * c-ares channel per deadline serves the whole run.
 */
export function serverResolver(server: DnsServer): Resolver {
  const channels = new Map<number, dns.promises.Resolver>();
  const channel = (timeoutMs: number) => {
    let resolver = channels.get(timeoutMs);
    if (!resolver) {
      resolver = new dns.promises.Resolver({ timeout: timeoutMs, tries: 1 });
      resolver.setServers([formatServer(server)]);
      channels.set(timeoutMs, resolver);
    }
    return resolver;
  };
  return {
    name: formatServer(server),
    server,
    async lookup(host, timeoutMs) {
      const resolver = channel(timeoutMs);
      const [v4, v6] = await Promise.allSettled([resolver.resolve4(host), resolver.resolve6(host)]);
      const addresses = [v4, v6].flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
      if (addresses.length > 0) return ok(addresses);
      // Both failed or were empty: the A query's failure speaks for the name.
      const reason = v4.status === 'rejected' ? v4.reason : v6.status === 'rejected' ? v6.reason : undefined;
      return failed(failureOf(reason ?? Object.assign(new Error('no A or AAAA record'), { code: 'ENODATA' }), 'resolve'));
    },
  };
}
