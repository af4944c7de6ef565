// Pure: the observations of one target in, one verdict and its evidence out. No I/O, no clock.
import net from 'node:net';
import { BLOCKING_FAILURES, type Failure, type FailureString } from '../model/failure.js';
import {
  decoyOf,
  find,
  own,
  ownDials,
  type ConnectObservation,
  type HttpObservation,
  type Observation,
  type ResolveObservation,
  type TlsObservation,
} from '../model/observation.js';
import { hostPort } from '../model/addresses.js';
import type { Target } from '../model/target.js';
import type {
  BlockedBy,
  Families,
  FamilyOutcome,
  Heuristic,
  Lingering,
  Verdict,
  VerdictName,
} from '../model/verdict.js';
import { dnsHeuristics, type DnsContext } from './dns.js';
import { describeObservation } from './evidence.js';

type Decision = Omit<Verdict, 'evidence'>;

export const VERDICT_OF_FAILURE: Record<FailureString, VerdictName> = {
  connection_refused: 'reset',
  connection_reset: 'reset',
  eof_error: 'closed',
  generic_timeout_error: 'timeout',
  network_unreachable: 'unreachable',
  host_unreachable: 'unreachable',
  address_family_not_supported: 'unreachable',
  dns_nxdomain_error: 'dns-nxdomain',
  dns_no_answer: 'dns-failure',
  dns_servfail_error: 'dns-failure',
  dns_refused_error: 'dns-failure',
  dns_temporary_failure: 'dns-failure',
  dns_server_misbehaving: 'dns-failure',
  ssl_invalid_hostname: 'cert-invalid',
  ssl_unknown_authority: 'cert-invalid',
  ssl_invalid_certificate: 'cert-invalid',
  ssl_failed_handshake: 'tls-failure',
  http_protocol_error: 'http-failure',
  unknown_failure: 'error',
};

/** The verdict a single failure stands for. A timeout while resolving is a DNS failure, not a blackhole. */
export function verdictOfFailure(f: Failure): VerdictName {
  if (f.operation === 'resolve' && f.failure === 'generic_timeout_error') return 'dns-failure';
  return VERDICT_OF_FAILURE[f.failure];
}

/**
 * When every address fails, the failure that says most about the path speaks for the target: a RST
 * or a timeout over "no route", which is only this machine lacking (say) IPv6.
 */
function telling(f: Failure): number {
  const verdict = verdictOfFailure(f);
  if (verdict === 'reset') return 0;
  if (verdict === 'timeout') return 1;
  if (verdict === 'unreachable') return 3;
  return 2;
}

function fromFailure(f: Failure, reason: string): Decision {
  return { verdict: verdictOfFailure(f), stage: f.operation, failure: f.failure, reason };
}

/**
 * A certificate valid for the name proves the address genuine (primer, DNS heuristic 7): whatever the
 * DNS heuristics saw, the name reached the real service from here, and they stay evidence only.
 */
function provenGenuine(checks: Observation[]): boolean {
  return own(checks, 'tls_handshake').some((t) => !t.failure);
}

function dnsDecision(checks: Observation[], heuristics: Heuristic[]): Decision | undefined {
  const genuine = provenGenuine(checks);
  const strong = genuine ? [] : heuristics.filter((h) => h.strong);
  if (strong.length > 0) {
    return {
      verdict: 'dns-poisoned',
      stage: 'resolve',
      reason: strong.map((h) => `${h.name}: ${h.detail}`).join('; '),
    };
  }
  const rewrite = heuristics.find((h) => h.name === 'nxdomain-rewrite');
  if (rewrite && !genuine) return { verdict: 'dns-nxdomain', stage: 'resolve', reason: rewrite.detail };
  const resolved: ResolveObservation | undefined = find(checks, 'resolve')[0];
  if (resolved && !resolved.failure && find(checks, 'connect').length === 0) {
    // Every answer was withheld from dialling, yet not as injection: this resolver answers anything.
    return {
      verdict: 'dns-failure',
      stage: 'resolve',
      failure: 'dns_server_misbehaving',
      reason:
        `every answer (${resolved.addresses.join(' ')}) is an address no public name can have, from a ` +
        `resolver that answers names that do not exist too (a captive portal, a fake-IP proxy?)`,
    };
  }
  if (!resolved?.failure) return undefined;
  return fromFailure(
    noDataNotNxdomain(resolved.failure, checks),
    `resolving ${resolved.host} failed: ${resolved.failure.message}`,
  );
}

/**
 * getaddrinfo says ENOTFOUND both for a name that does not exist and for one without addresses; the
 * raw query's RCODE tells them apart.
 */
function noDataNotNxdomain(f: Failure, checks: Observation[]): Failure {
  if (f.failure !== 'dns_nxdomain_error') return f;
  const replies = find(checks, 'dns_query')
    .filter((q) => q.purpose === 'resolver')
    .flatMap((q) => q.replies);
  const rcodes = replies.filter((r) => r.addresses.length === 0).map((r) => r.rcode);
  if (rcodes.length !== replies.length) return f; // some reply had addresses: not "no data"

  return rcodes.length > 0 && rcodes.every((r) => r === 'NOERROR') ? { ...f, failure: 'dns_no_answer' } : f;
}

function connectDecision(connects: ConnectObservation[]): Decision | undefined {
  const failures = connects.map((c) => c.failure);
  if (connects.length === 0 || failures.some((f) => f === undefined)) return undefined;
  const worst = connects.reduce((a, b) => (telling(b.failure!) < telling(a.failure!) ? b : a));
  const f = worst.failure!;
  const at = hostPort(worst.address, worst.port);
  const reasons: Partial<Record<FailureString, string>> = {
    connection_refused: `a RST answered the SYN to ${at} (connection refused, as a closed port answers too)`,
    connection_reset: `the connection to ${at} was reset as soon as it opened`,
    generic_timeout_error: `no answer to the SYN to ${at} within ${Math.round(worst.duration_ms)} ms`,
  };
  const all = connects.length > 1 ? ` (all ${connects.length} addresses failed)` : '';
  return fromFailure(f, `${reasons[f.failure] ?? `connecting to ${at} failed: ${f.message}`}${all}`);
}

function tlsDecision(tls: TlsObservation | undefined): Decision | undefined {
  const f = tls?.failure;
  if (!tls || !f) return undefined;
  const at = hostPort(tls.address, tls.port);
  const sni = tls.sni ? ` (SNI ${tls.sni})` : '';
  const reasons: Partial<Record<FailureString, string>> = {
    connection_reset: `the connection to ${at} was reset after the TLS ClientHello${sni}`,
    generic_timeout_error: `the TLS handshake with ${at}${sni} got no answer within ${Math.round(tls.duration_ms)} ms`,
    eof_error: `${at} closed the connection during the TLS handshake${sni}`,
  };
  const issuer = tls.certificate ? `; certificate issued by ${tls.certificate.issuer}` : '';
  return fromFailure(
    f,
    `${reasons[f.failure] ?? `the TLS handshake with ${at}${sni} failed: ${f.message}`}${issuer}`,
  );
}

function httpDecision(http: HttpObservation | undefined): Decision | undefined {
  const f = http?.failure;
  if (!http || !f) return undefined;
  const host = new URL(http.url).host;
  const reasons: Partial<Record<FailureString, string>> = {
    connection_reset:
      `the connection to ${hostPort(http.address, http.port)} was reset after the HTTP request ` +
      `(Host ${host})`,
    generic_timeout_error:
      `no complete HTTP response from ${hostPort(http.address, http.port)} ` +
      `within ${Math.round(http.duration_ms)} ms`,
    eof_error: `${hostPort(http.address, http.port)} closed the connection before a complete HTTP response`,
  };
  return fromFailure(f, reasons[f.failure] ?? `the HTTP request to ${http.url} failed: ${f.message}`);
}

function successDecision(target: Target, checks: Observation[]): Decision {
  // No try failed, so every own HTTP round trip got a status.
  const http = own(checks, 'http_round_trip')[0];
  if (http?.status !== undefined) {
    const via = target.scheme === 'https' ? 'over TLS with a valid certificate' : 'over plain HTTP';
    return { verdict: 'reachable', reason: `HTTP ${http.status} from ${http.address} ${via}` };
  }
  const open = find(checks, 'connect').find((c) => !c.failure);
  if (target.scheme === 'tcp' && open) {
    return {
      verdict: 'connected',
      reason: `TCP handshake with ${hostPort(open.address, open.port)} completed`,
    };
  }
  return { verdict: 'error', reason: 'no check reached a conclusion' };
}

/** One try of the target's own check: its fresh connection (none on the first) and its TLS and HTTP. */
interface Try {
  n: number;
  connect?: ConnectObservation;
  tls?: TlsObservation;
  http?: HttpObservation;
}

function triesOf(checks: Observation[]): Try[] {
  const tries = new Map<number, Try>();
  const at = (n: number) => tries.get(n) ?? tries.set(n, { n }).get(n)!;
  for (const c of own(checks, 'connect')) if (c.try !== undefined) at(c.try).connect = c;
  for (const t of own(checks, 'tls_handshake')) at(t.try ?? 1).tls = t;
  for (const h of own(checks, 'http_round_trip')) at(h.try ?? 1).http = h;
  return [...tries.values()].sort((a, b) => a.n - b.n);
}

const failedTry = (t: Try) =>
  (t.connect ? connectDecision([t.connect]) : undefined) ?? tlsDecision(t.tls) ?? httpDecision(t.http);

/**
 * The target's own check, over its tries: all failed is that failure; some failed and some got an
 * answer is `inconsistent` (the censor triggers with some probability), never a confident verdict.
 */
function triesDecision(checks: Observation[]): Decision | undefined {
  const tries = triesOf(checks).map((t) => ({ ...t, failed: failedTry(t) }));
  const first = tries.find((t) => t.failed)?.failed;
  if (!first) return undefined;
  const answered = tries.filter((t) => !t.failed);
  const failed = tries.length - answered.length;
  if (answered.length > 0) {
    const ok = answered[0]!; // a try that got through made its HTTP request

    return {
      ...first,
      verdict: 'inconsistent',
      reason: `${first.reason}, in ${failed} of ${tries.length} tries; try ${ok.n} got HTTP ${ok.http!.status}`,
    };
  }
  return tries.length > 1 ? { ...first, reason: `${first.reason} (all ${tries.length} tries)` } : first;
}

function decide(target: Target, checks: Observation[], heuristics: Heuristic[]): Decision {
  const dials = ownDials(checks);
  return (
    dnsDecision(checks, heuristics) ??
    connectDecision(dials) ??
    triesDecision(checks) ??
    successDecision(target, checks)
  );
}

const isBlocked = <T extends { failure?: Failure }>(o: T): o is T & { failure: Failure } =>
  o.failure !== undefined && BLOCKING_FAILURES.has(o.failure.failure);

/**
 * What the block is keyed on, from the innocuous check made first on the same IP:port: reset or
 * dropped too, the address; answered (even with a certificate for another name), the name (SNI) or
 * the Host; an SNI probe to a clean server that passed with the target's name makes the name alone
 * unlikely.
 */
function blockedBy(d: Decision, target: Target, checks: Observation[]): BlockedBy | undefined {
  const blocking: VerdictName[] = ['reset', 'timeout', 'closed', 'inconsistent'];
  if (!blocking.includes(d.verdict) || d.stage === 'resolve') return undefined;
  // Stryker disable next-line ConditionalExpression: a blocking verdict always has a stage (this narrows the type)
  if (d.stage === undefined) return undefined;
  // A closed port refuses as a censor's RST does: only the helper abroad can tell (control.ts).
  if (d.stage === 'connect') return d.failure === 'connection_refused' ? undefined : 'ip';
  if (d.stage === 'http_round_trip' && target.scheme === 'https') return 'unknown'; // the Host travels encrypted
  if (d.stage === 'tls_handshake' && net.isIP(target.host) !== 0) return 'unknown'; // an IP literal sends no SNI
  const decoy = decoyOf(checks, d.stage);
  if (!decoy) return 'unknown';
  // A server may hang up on a name it does not serve: a closed decoy says nothing either way.
  if (decoy.failure?.failure === 'eof_error') return 'unknown';
  if (isBlocked(decoy)) return failedBeforeTrigger(decoy, checks) ? 'ip' : 'unknown';
  if (d.stage === 'http_round_trip') return 'host';
  const probe = find(checks, 'tls_handshake').find((c) => c.purpose === 'sni_probe');
  return probe && !isBlocked(probe) ? 'unknown' : 'sni';
}

/**
 * Whether a failed decoy failed of itself, not of a block the target's own check triggered. The own
 * check starts beside a decoy that stayed silent past its grace: a decoy that times out was dropped
 * before the trigger too, but one reset after the own check began may have met that check's block.
 */
function failedBeforeTrigger(decoy: Observation & { failure: Failure }, checks: Observation[]): boolean {
  if (decoy.failure.failure === 'generic_timeout_error') return true;
  const mine = [
    ...own(checks, 'connect').filter((c) => c.try !== undefined),
    ...own(checks, 'tls_handshake'),
    ...own(checks, 'http_round_trip'),
  ];
  const ownStart = Math.min(...mine.map((c) => c.started_ms));
  return decoy.started_ms + decoy.duration_ms <= ownStart + 0.1; // both rounded to tenths
}

/** How long innocuous checks stayed blocked after the target's own check was, from --residual-check. */
function lingeringOf(checks: Observation[]): Lingering | undefined {
  const seen = checks.filter((c) => (c as { purpose?: string }).purpose === 'residual_check');
  if (seen.length === 0) return undefined;
  const last = seen[seen.length - 1]!;
  const mine = [
    ...own(checks, 'connect'),
    ...own(checks, 'tls_handshake'),
    ...own(checks, 'http_round_trip'),
  ];
  const blockedAt = Math.max(0, ...mine.map((c) => c.started_ms + c.duration_ms));
  const tries = seen.filter((c) => c.check === 'connect').length;
  return {
    still_blocked: isBlocked(last as { failure?: Failure }),
    after_ms: Math.round(last.started_ms - blockedAt),
    checks: tries,
  };
}

const lingeringNote = (l: Lingering) =>
  `innocuous checks ${l.still_blocked ? 'were still blocked' : 'passed again'} ` +
  `${(l.after_ms / 1000).toFixed(1)} s later`;

function familyOutcome(dials: ConnectObservation[]): FamilyOutcome {
  const open = dials.some((c) => !c.failure);
  const worst = open
    ? undefined
    : dials.reduce((a, b) => (telling(b.failure!) < telling(a.failure!) ? b : a)).failure;
  return { addresses: dials.map((c) => c.address), open, ...(worst ? { failure: worst.failure } : {}) };
}

/** IPv4 and IPv6 judged apart, when the probe dialled addresses of both. */
function familiesOf(checks: Observation[]): Families | undefined {
  const dials = ownDials(checks);
  const v6 = dials.filter((c) => c.address.includes(':'));
  const v4 = dials.filter((c) => !c.address.includes(':'));
  if (v4.length === 0 || v6.length === 0) return undefined;
  return { ipv4: familyOutcome(v4), ipv6: familyOutcome(v6) };
}

/**
 * One family open and the other not: an application with happy eyeballs uses the open one (so the
 * verdict is its), and the reader is told the other failed. No route over IPv6 is this machine's
 * network (no IPv6 here), never a censor's.
 */
function familiesNote(f: Families): string | undefined {
  const say = (name: string, o: FamilyOutcome) => {
    if (o.open) return `${name} connects`;
    const local = o.failure && VERDICT_OF_FAILURE[o.failure] === 'unreachable';
    return `${name} fails (${o.failure}${local ? ': no route from here, not censorship' : ''})`;
  };
  if (f.ipv4.open === f.ipv6.open) return undefined;
  return `${say('IPv4', f.ipv4)} while ${say('IPv6', f.ipv6)}`;
}

export function classifyTarget(target: Target, checks: Observation[], dns: DnsContext): Verdict {
  const heuristics = dnsHeuristics(checks, dns);
  const families = familiesOf(checks);
  const note = families && familiesNote(families);
  const decided = decide(target, checks, heuristics);
  const decision = note ? { ...decided, reason: `${decided.reason}; ${note}` } : decided;
  const lingering = lingeringOf(checks);
  const verdict: Verdict = { ...decision, evidence: checks.map(describeObservation) };
  if (lingering) {
    verdict.lingering = lingering;
    verdict.reason = `${decision.reason}; ${lingeringNote(lingering)}`;
  }
  const by = blockedBy(decision, target, checks);
  if (by) verdict.blockedBy = by;
  if (heuristics.length > 0) verdict.heuristics = heuristics;
  if (families) verdict.families = families;
  return verdict;
}
