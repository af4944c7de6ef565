import dns from 'node:dns';
import { DeadlineError, failureOf } from '../model/failure.js';
import { failed, ok, type Outcome } from '../model/outcome.js';
import { formatServer, type DnsServer } from './dns-udp.js';

/** Resolves a name the way an application would; the checks connect to what it returns. */
export interface Resolver {
  /** Shown in the report: "system" or the server's address. */
  readonly name: string;
  lookup(host: string, timeoutMs: number): Promise<Outcome<string[]>>;
}

function withDeadline<T>(work: Promise<Outcome<T>>, ms: number): Promise<Outcome<T>> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<Outcome<T>>((resolve) => {
    timer = setTimeout(() => resolve(failed(failureOf(new DeadlineError('DNS lookup', ms), 'resolve'))), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/** getaddrinfo, with /etc/hosts and the system's resolvers: exactly what an app on this machine sees. */
export const systemResolver: Resolver = {
  name: 'system',
  lookup: (host, timeoutMs) =>
    withDeadline(
      dns.promises.lookup(host, { all: true, verbatim: true }).then(
        (found) => ok(found.map((a) => a.address)),
        (err: unknown) => failed<string[]>(failureOf(err, 'resolve')),
      ),
      timeoutMs,
    ),
};

/** Asks one DNS server for A and AAAA records (c-ares): used when --resolver names a server. */
export function serverResolver(server: DnsServer): Resolver {
  return {
    name: formatServer(server),
    async lookup(host, timeoutMs) {
      const resolver = new dns.promises.Resolver({ timeout: timeoutMs, tries: 1 });
      resolver.setServers([formatServer(server)]);
      const [v4, v6] = await Promise.allSettled([resolver.resolve4(host), resolver.resolve6(host)]);
      const addresses = [v4, v6].flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
      if (addresses.length > 0) return ok(addresses);
      // Both failed or were empty: the A query's failure speaks for the name.
      const reason = v4.status === 'rejected' ? v4.reason : v6.status === 'rejected' ? v6.reason : undefined;
      return failed(failureOf(reason ?? Object.assign(new Error('no A or AAAA record'), { code: 'ENODATA' }), 'resolve'));
    },
  };
}
