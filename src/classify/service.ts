// Pure: a service's verdict from its endpoints' verdicts, tallied as results stream past (a run
// keeps one small tally per service, never the results). The rules, as docs/verdicts.md states them:
// an endpoint works, is blocked (or throttled), is down (fails from abroad too), or says nothing
// (unknown). A service is blocked only when no essential endpoint that gave evidence works (one at
// least blocked, the others blocked or throttled), as OONI's instant-messaging tests count WhatsApp's
// endpoints; blocked or throttled endpoints beside working ones make it partly blocked. Without
// `essential:` in the targets file, every endpoint is essential.
import type { Blocking } from '../model/control.js';
import type { Role } from '../model/target.js';
import type { EndpointState, ServiceState, ServiceVerdict } from '../model/service.js';
import type { BlockedBy, VerdictName } from '../model/verdict.js';
import { isSuccess } from './run.js';

/** What a service verdict needs of a target's result. */
export interface EndpointResult {
  name: string;
  service: string;
  verdict: VerdictName;
  'blocked-by'?: BlockedBy;
  blocking: Blocking;
  role?: Role;
  essential?: boolean;
}

/** Failures that say nothing about censorship on their own: a local problem, or no measurement. */
const NO_EVIDENCE = new Set<string>(['vantage-offline', 'error', 'unreachable']);
/** Failures that a name or a resolver gives as well as a censor: evidence only with a control. */
const NEEDS_CONTROL = new Set<string>(['dns-nxdomain', 'dns-failure']);
const KEYED_ON: Record<Exclude<BlockedBy, 'unknown'>, string> = { ip: 'address', sni: 'SNI', host: 'Host' };
/** How many blocked endpoints a service verdict names (the counts say the rest). */
const NAMED = 5;

export function endpointState(r: EndpointResult): EndpointState {
  if (isSuccess(r.verdict)) return 'works';
  if (r.verdict === 'throttled') return 'throttled';
  if (r.verdict === 'down') return 'down';
  if (NO_EVIDENCE.has(r.verdict)) return 'unknown';
  // With a control, the helper abroad decides: the same failure there is the server's, not a block.
  if (r.blocking === false) return 'down';
  if ((r.blocking ?? null) === null && NEEDS_CONTROL.has(r.verdict)) return 'unknown';
  return 'blocked';
}

/** `reset by SNI`, `timeout by address`, `dns-poisoned`: the verdict and what the block is keyed on. */
export function blockHow(r: EndpointResult): string {
  const by = r['blocked-by'];
  return by && by !== 'unknown' ? `${r.verdict} by ${KEYED_ON[by]}` : r.verdict;
}

/** What a service verdict needs, kept per service as results stream past. */
export interface ServiceTally {
  service: string;
  roles: Set<Role | undefined>;
  all: Record<EndpointState, number>;
  essential: Record<EndpointState, number>;
  how: Map<string, number>;
  named: string[];
}

const zero = (): Record<EndpointState, number> => ({
  works: 0,
  blocked: 0,
  throttled: 0,
  down: 0,
  unknown: 0,
});

export function newServiceTally(service: string): ServiceTally {
  return { service, roles: new Set(), all: zero(), essential: zero(), how: new Map(), named: [] };
}

export function tallyEndpoint(tally: ServiceTally, r: EndpointResult): void {
  const state = endpointState(r);
  tally.roles.add(r.role);
  tally.all[state]++;
  if (r.essential) tally.essential[state]++;
  if (state !== 'blocked' && state !== 'throttled') return;
  const how = blockHow(r);
  tally.how.set(how, (tally.how.get(how) ?? 0) + 1);
  if (tally.named.length < NAMED) tally.named.push(`${r.name} (${how})`);
}

const sum = (c: Record<EndpointState, number>) => c.works + c.blocked + c.throttled + c.down + c.unknown;

/** The state from the counts: the rules in this file's head comment, in order. */
export function serviceState(
  all: Record<EndpointState, number>,
  essential: Record<EndpointState, number>,
): ServiceState {
  const needed = sum(essential) > 0 ? essential : all;
  const evidence = sum(all) - all.unknown;
  if (evidence === 0) return 'unknown';
  if (evidence === all.down) return 'down';
  const live = needed.works + needed.blocked + needed.throttled;
  if (live > 0 && needed.works === 0) return needed.blocked > 0 ? 'blocked' : 'throttled';
  if (all.blocked + all.throttled > 0) return 'partly blocked';
  return 'usable';
}

export function serviceVerdict(tally: ServiceTally): ServiceVerdict {
  const state = serviceState(tally.all, tally.essential);
  const how = [...tally.how].sort((a, b) => b[1] - a[1]).map(([h]) => h);
  const [role, ...others] = [...tally.roles];
  const counts = Object.fromEntries(Object.entries(tally.all).filter(([, n]) => n > 0));
  return {
    service: tally.service,
    state,
    ...(role && others.length === 0 && { role }),
    endpoints: sum(tally.all),
    essential: sum(tally.essential),
    counts,
    how,
    blocked_endpoints: tally.named,
    reason: reasonOf(state, tally, how),
  };
}

function reasonOf(state: ServiceState, t: ServiceTally, how: string[]): string {
  const n = sum(t.all);
  const bad = t.all.blocked + t.all.throttled;
  const scope = sum(t.essential) > 0 ? 'essential endpoint' : 'endpoint';
  switch (state) {
    case 'usable':
      return t.all.down > 0
        ? `works; ${t.all.down} of ${n} endpoints fail from abroad too (down, not censorship)`
        : `every endpoint that gave evidence works (${t.all.works} of ${n})`;
    case 'blocked':
      return `no ${scope} that gave evidence works: ${how.join(', ')}`;
    case 'throttled':
      return `no ${scope} works at full speed: ${how.join(', ')}`;
    case 'partly blocked':
      return (
        `${bad} of ${n} endpoints blocked ` +
        `(${t.named.join(', ')}${bad > t.named.length ? ', …' : ''}), ${t.all.works} work`
      );
    case 'down':
      return 'every endpoint that gave evidence fails from abroad too: down, not censorship';
    case 'unknown':
      return 'no endpoint gave evidence either way (offline vantage point, local failures, or no control)';
  }
}

/** One tally per service, in the order services first appear. */
export class ServiceTallies {
  private readonly tallies = new Map<string, ServiceTally>();

  add(r: EndpointResult): void {
    let tally = this.tallies.get(r.service);
    if (!tally) this.tallies.set(r.service, (tally = newServiceTally(r.service)));
    tallyEndpoint(tally, r);
  }

  verdicts(): ServiceVerdict[] {
    return [...this.tallies.values()].map(serviceVerdict);
  }
}

/** Every service's verdict from a whole list of results (a report read back, which may predate them). */
export function servicesOf(results: Iterable<EndpointResult>): ServiceVerdict[] {
  const tallies = new ServiceTallies();
  for (const r of results) tallies.add(r);
  return tallies.verdicts();
}
