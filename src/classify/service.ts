// Pure: a service's verdict from its endpoints' verdicts, tallied as results stream past (a run
// keeps one small tally per service, never the results). The rules, as docs/verdicts.md states them:
// an endpoint works, is blocked (or throttled), is down (fails from abroad too), or says nothing
// (unknown). A service is blocked only when no essential endpoint that gave evidence works (one at
// least blocked, the others blocked or throttled), as OONI's instant-messaging tests count WhatsApp's
// endpoints; blocked or throttled endpoints beside working ones make it partly blocked. Without
// `essential:` in the targets file, every endpoint is essential.
import type { Blocking } from '../model/control.js';
import { ROLES, type Role } from '../model/target.js';
import {
  ENDPOINT_STATES,
  type EndpointState,
  type ServiceState,
  type ServiceVerdict,
  type UnlistedServices,
} from '../model/service.js';
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

/**
 * What a service verdict needs, kept per service as results stream past: a run may keep one for each
 * of a list's hosts, so it is small (counts in one array, the roles as bits, the rest made on demand).
 */
export interface ServiceTally {
  service: string;
  /** Endpoints per state in ENDPOINT_STATES' order, then the essential ones in the same order. */
  counts: number[];
  /** ROLE_BITS of the endpoints' roles. */
  roles: number;
  how?: Map<string, number>;
  named?: string[];
}

const STATES = ENDPOINT_STATES.length;
const ROLE_BITS = { none: 1, 'control-domestic': 2, 'control-foreign': 4 } as const;

export function newServiceTally(service: string): ServiceTally {
  return { service, counts: new Array<number>(2 * STATES).fill(0), roles: 0 };
}

export function tallyEndpoint(tally: ServiceTally, r: EndpointResult): void {
  const state = endpointState(r);
  const at = ENDPOINT_STATES.indexOf(state);
  tally.roles |= ROLE_BITS[r.role ?? 'none'];
  tally.counts[at]!++;
  if (r.essential) tally.counts[STATES + at]!++;
  if (state !== 'blocked' && state !== 'throttled') return;
  const how = blockHow(r);
  tally.how ??= new Map();
  tally.how.set(how, (tally.how.get(how) ?? 0) + 1);
  tally.named ??= [];
  if (tally.named.length < NAMED) tally.named.push(`${r.name} (${how})`);
}

/** The counts per state, from `from` in a tally's `counts`. */
function countsAt(counts: number[], from: number): Record<EndpointState, number> {
  return Object.fromEntries(ENDPOINT_STATES.map((s, i) => [s, counts[from + i]!])) as Record<
    EndpointState,
    number
  >;
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
  const all = countsAt(tally.counts, 0);
  const essential = countsAt(tally.counts, STATES);
  const state = serviceState(all, essential);
  const how = [...(tally.how ?? [])].sort((a, b) => b[1] - a[1]).map(([h]) => h);
  const role = ROLES.find((r) => tally.roles === ROLE_BITS[r]);
  const counts = Object.fromEntries(Object.entries(all).filter(([, n]) => n > 0));
  const named = tally.named ?? [];
  return {
    service: tally.service,
    state,
    ...(role && { role }),
    endpoints: sum(all),
    essential: sum(essential),
    counts,
    how,
    blocked_endpoints: named,
    reason: reasonOf(state, { all, essential, how, named }),
  };
}

interface Judged {
  all: Record<EndpointState, number>;
  essential: Record<EndpointState, number>;
  how: string[];
  named: string[];
}

function reasonOf(state: ServiceState, { all, essential, how, named }: Judged): string {
  const n = sum(all);
  const bad = all.blocked + all.throttled;
  const scope = sum(essential) > 0 ? 'essential endpoint' : 'endpoint';
  switch (state) {
    case 'usable':
      return all.down > 0
        ? `works; ${all.down} of ${n} endpoints fail from abroad too (down, not censorship)`
        : `every endpoint that gave evidence works (${all.works} of ${n})`;
    case 'blocked':
      return `no ${scope} that gave evidence works: ${how.join(', ')}`;
    case 'throttled':
      return `no ${scope} works at full speed: ${how.join(', ')}`;
    case 'partly blocked':
      return (
        `${bad} of ${n} endpoints blocked ` +
        `(${named.join(', ')}${bad > named.length ? ', …' : ''}), ${all.works} work`
      );
    case 'down':
      return 'every endpoint that gave evidence fails from abroad too: down, not censorship';
    case 'unknown':
      return 'no endpoint gave evidence either way (offline vantage point, local failures, or no control)';
  }
}

/** A run of more single-target services than this lists only so many of them that are not usable. */
export const LISTED_SINGLES = 2_000;

/**
 * One tally per listed service, in the order services first appear. Given the run's targets, it lists
 * what docs/verdicts.md#services says a summary lists: every service of two targets or more, and the
 * services of one target each (a URL list's hosts) while there are at most LISTED_SINGLES of them;
 * past that, the first LISTED_SINGLES that are not usable, the others only counted. A single target's
 * service is judged as its result comes, so the unlisted ones cost a count each, never a tally.
 */
export class ServiceTallies {
  private readonly tallies = new Map<string, ServiceTally>();
  /** The services of two targets or more, when single-target services are too many to list. */
  private readonly grouped: Set<string> | undefined;
  private singlesListed = 0;
  private readonly unlisted: UnlistedServices = { services: 0, states: {} };

  /** `targets`: the run's, to list as a summary does; without, every service is listed. */
  constructor(targets?: Iterable<{ service: string }>) {
    if (!targets) return;
    const seen = new Set<string>();
    const grouped = new Set<string>();
    for (const { service } of targets) (seen.has(service) ? grouped : seen).add(service);
    if (seen.size - grouped.size > LISTED_SINGLES) this.grouped = grouped;
  }

  add(r: EndpointResult): void {
    let tally = this.tallies.get(r.service);
    if (tally) return tallyEndpoint(tally, r);
    tally = newServiceTally(r.service);
    tallyEndpoint(tally, r);
    if (!this.grouped || this.grouped.has(r.service) || this.listsSingle(tally))
      this.tallies.set(r.service, tally);
  }

  /** Whether a single-target service is among those listed; if not, it is counted. */
  private listsSingle(tally: ServiceTally): boolean {
    const state = serviceState(countsAt(tally.counts, 0), countsAt(tally.counts, STATES));
    if (state !== 'usable' && this.singlesListed < LISTED_SINGLES) {
      this.singlesListed++;
      return true;
    }
    this.unlisted.services++;
    this.unlisted.states[state] = (this.unlisted.states[state] ?? 0) + 1;
    return false;
  }

  verdicts(): ServiceVerdict[] {
    return [...this.tallies.values()].map(serviceVerdict);
  }

  /** The services left out of verdicts(), by state; undefined when none is. */
  unlistedServices(): UnlistedServices | undefined {
    return this.unlisted.services > 0 ? this.unlisted : undefined;
  }
}

/** Every service's verdict from a whole list of results (a report read back, which may predate them). */
export function servicesOf(results: Iterable<EndpointResult>): ServiceVerdict[] {
  const tallies = new ServiceTallies();
  for (const r of results) tallies.add(r);
  return tallies.verdicts();
}
