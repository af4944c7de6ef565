// Pure: the observations of one target in, one verdict and its evidence out. No I/O, no clock.
import type { Failure, FailureString } from '../model/failure.js';
import {
  find,
  type ConnectObservation,
  type HttpObservation,
  type Observation,
  type ResolveObservation,
  type TlsObservation,
} from '../model/observation.js';
import { hostPort } from '../model/addresses.js';
import type { Target } from '../model/target.js';
import type { Heuristic, Verdict, VerdictName } from '../model/verdict.js';
import { dnsHeuristics, type DnsContext } from './dns.js';
import { describeObservation } from './evidence.js';

type Decision = Omit<Verdict, 'evidence'>;

const VERDICT_OF_FAILURE: Record<FailureString, VerdictName> = {
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
  return find(checks, 'tls_handshake').some((t) => !t.failure);
}

function dnsDecision(checks: Observation[], heuristics: Heuristic[]): Decision | undefined {
  const genuine = provenGenuine(checks);
  const strong = genuine ? [] : heuristics.filter((h) => h.strong);
  if (strong.length > 0) {
    return { verdict: 'dns-poisoned', stage: 'resolve', reason: strong.map((h) => `${h.name}: ${h.detail}`).join('; ') };
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
      reason: `every answer (${resolved.addresses.join(' ')}) is an address no public name can have, from a resolver that answers names that do not exist too (a captive portal, a fake-IP proxy?)`,
    };
  }
  if (!resolved?.failure) return undefined;
  return fromFailure(noDataNotNxdomain(resolved.failure, checks), `resolving ${resolved.host} failed: ${resolved.failure.message}`);
}

/**
 * getaddrinfo says ENOTFOUND both for a name that does not exist and for one without addresses; the
 * raw query's RCODE tells them apart.
 */
function noDataNotNxdomain(f: Failure, checks: Observation[]): Failure {
  if (f.failure !== 'dns_nxdomain_error') return f;
  const replies = find(checks, 'dns_query').filter((q) => q.purpose === 'resolver').flatMap((q) => q.replies);
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
    connection_refused: `a RST answered the SYN to ${at} (connection refused)`,
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
  return fromFailure(f, `${reasons[f.failure] ?? `the TLS handshake with ${at}${sni} failed: ${f.message}`}${issuer}`);
}

function httpDecision(http: HttpObservation | undefined): Decision | undefined {
  const f = http?.failure;
  if (!http || !f) return undefined;
  const host = new URL(http.url).host;
  const reasons: Partial<Record<FailureString, string>> = {
    connection_reset: `the connection to ${hostPort(http.address, http.port)} was reset after the HTTP request (Host ${host})`,
    generic_timeout_error: `no complete HTTP response from ${hostPort(http.address, http.port)} within ${Math.round(http.duration_ms)} ms`,
    eof_error: `${hostPort(http.address, http.port)} closed the connection before a complete HTTP response`,
  };
  return fromFailure(f, reasons[f.failure] ?? `the HTTP request to ${http.url} failed: ${f.message}`);
}

function successDecision(target: Target, checks: Observation[]): Decision {
  const http = find(checks, 'http_round_trip')[0];
  if (http?.status !== undefined) {
    const via = target.scheme === 'https' ? 'over TLS with a valid certificate' : 'over plain HTTP';
    return { verdict: 'reachable', reason: `HTTP ${http.status} from ${http.address} ${via}` };
  }
  const open = find(checks, 'connect').find((c) => !c.failure);
  if (target.scheme === 'tcp' && open) {
    return { verdict: 'connected', reason: `TCP handshake with ${hostPort(open.address, open.port)} completed` };
  }
  return { verdict: 'error', reason: 'no check reached a conclusion' };
}

function decide(target: Target, checks: Observation[], heuristics: Heuristic[]): Decision {
  return (
    dnsDecision(checks, heuristics) ??
    connectDecision(find(checks, 'connect')) ??
    tlsDecision(find(checks, 'tls_handshake')[0]) ??
    httpDecision(find(checks, 'http_round_trip')[0]) ??
    successDecision(target, checks)
  );
}

export function classifyTarget(target: Target, checks: Observation[], dns: DnsContext): Verdict {
  const heuristics = dnsHeuristics(checks, dns);
  const verdict: Verdict = { ...decide(target, checks, heuristics), evidence: checks.map(describeObservation) };
  if (heuristics.length > 0) verdict.heuristics = heuristics;
  return verdict;
}
