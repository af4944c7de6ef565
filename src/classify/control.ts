// Pure: the verdict measured here, refined by the control measurement of the helper abroad, and
// OONI's `blocking` and `accessible` keys, with OONI's meaning. A failure the helper meets too is
// the server's, not a censor's; what works abroad and fails here is blocked here.
import { hostPort } from '../model/addresses.js';
import type { Blocking, Control, ControlHttp } from '../model/control.js';
import { find, own, ownDials, type HttpObservation, type Observation } from '../model/observation.js';
import type { Target } from '../model/target.js';
import type { FamilyOutcome, Verdict } from '../model/verdict.js';
import { pageDifferences } from './http-diff.js';
import { isSuccess } from './run.js';
import type { Comparison } from './comparison.js';
import { withThroughput } from './throttle.js';

export type { Comparison } from './comparison.js';

const said = (verdict: Verdict, blocking: Blocking, accessible: boolean | null): Comparison => ({
  verdict,
  blocking,
  accessible,
});

const withReason = (v: Verdict, more: string): Verdict => ({ ...v, reason: `${v.reason}; ${more}` });

/** The local verdict as is, when the control cannot say anything about it. */
const unknown = (v: Verdict): Comparison => said(v, null, null);

/** The local verdict refined by the control, then by the transfer's controls (throttling). */
export function compareWithControl(
  target: Target,
  checks: Observation[],
  local: Verdict,
  control: Control | undefined,
): Comparison {
  return withThroughput(target, checks, compare(target, checks, local, control), control);
}

function compare(
  target: Target,
  checks: Observation[],
  local: Verdict,
  control: Control | undefined,
): Comparison {
  if (!control) return unknown(local);
  const verdict = { ...local, evidence: [...local.evidence, describeControl(control)] };
  if (control.refused !== undefined) return sameEverywhere(checks, verdict, control) ?? unknown(verdict);
  if (verdict.redirects && !isSuccess(verdict.verdict)) return chain(verdict, control);
  switch (verdict.verdict) {
    case 'reachable':
    case 'connected':
      return success(target, checks, verdict, control);
    case 'dns-poisoned':
    case 'dns-nxdomain':
    case 'dns-failure':
      return dns(checks, verdict, control);
    case 'cert-invalid':
      return certificate(checks, verdict, control);
    case 'reset':
    case 'timeout':
    case 'closed':
    case 'tls-failure':
    case 'http-failure':
    case 'inconsistent':
      return failure(checks, verdict, control);
    default:
      // vantage-offline, unreachable (no route from here), error: nothing the control can refine.
      return unknown(verdict);
  }
}

function success(target: Target, checks: Observation[], local: Verdict, control: Control): Comparison {
  // A success got its page on the last try (an earlier one failing would make it inconsistent).
  const here = own(checks, 'http_round_trip').at(-1);
  const abroad = control.http;
  // A certificate valid for the name proves the server genuine; a tcp:// target has no page.
  if (target.scheme === 'https') return said(ownPage(local, here, abroad), false, true);
  if (target.scheme !== 'http') return said(local, false, true);
  if (!here || abroad?.status === undefined)
    return unknown(withReason(local, 'the helper abroad got no page to compare it with'));
  const differences = pageDifferences(here, abroad);
  if (differences.length === 0) return said(local, false, true);
  const reason =
    `HTTP ${here.status} from ${here.address}, but not the page the helper abroad ` +
    `got: ${differences.join('; ')} (a blockpage, or a transparent proxy)`;
  return said({ ...local, verdict: 'http-diff', stage: 'http_round_trip', reason }, 'http-diff', false);
}

/**
 * Over valid TLS a page unlike the helper's is the server's own answer to this vantage point (a
 * CAPTCHA, a geo-block): not censorship, but worth saying (OONI's false positive over plain HTTP).
 */
function ownPage(
  local: Verdict,
  here: HttpObservation | undefined,
  abroad: ControlHttp | undefined,
): Verdict {
  if (!here || abroad?.status === undefined) return local;
  const differences = pageDifferences(here, abroad);
  if (differences.length === 0) return local;
  return withReason(
    local,
    `the server answered this vantage point differently from the helper abroad (${differences.join('; ')}): ` +
      'its own page, over valid TLS, not censorship',
  );
}

/**
 * A redirect chain that failed here, against the helper's, which followed the same chain: the same
 * end there is the site's own doing (a loop, a dead hop); a chain that got through there was
 * blocked here at the hop that failed (by DNS, or else on the way to its page, as OONI says).
 */
function chain(local: Verdict, control: Control): Comparison {
  if (control.verdict === local.verdict) return said(down(local, control), false, false);
  if (!isSuccess(control.verdict)) return unknown(local);
  return said(local, local.stage === 'resolve' ? 'dns' : 'http-failure', false);
}

/** Every address the local resolver gave (the system lookup's and the raw queries'). */
function localAnswers(checks: Observation[]): string[] {
  const resolved = find(checks, 'resolve').flatMap((r) => r.addresses);
  const raw = find(checks, 'dns_query')
    .filter((q) => q.purpose === 'resolver')
    .flatMap((q) => q.replies.flatMap((r) => r.addresses));
  return [...new Set([...resolved, ...raw])];
}

/**
 * A name whose records are loopback or private for everyone (the helper resolves it to the very same
 * addresses) is the name's own doing, not an injector's: "dns-poisoned" by the impossible-address
 * heuristic alone becomes `down`, not censorship (OONI: blocking false, accessible false). Another
 * strong heuristic (raced replies, a sink's answer) is injection whatever the name's records.
 */
function sameEverywhere(checks: Observation[], local: Verdict, control: Control): Comparison | undefined {
  if (local.verdict !== 'dns-poisoned') return undefined;
  // A dns-poisoned verdict names the heuristics that made it; the impossible-address one needs an answer here.
  const strong = local.heuristics!.filter((h) => h.strong);
  if (strong.some((h) => h.name !== 'impossible-address')) return undefined;
  const abroad = control.dns?.addresses;
  if (!abroad || !localAnswers(checks).every((a) => abroad.includes(a))) return undefined;
  const reason =
    `${local.reason}; the helper abroad resolves it to the same ${abroad.join(' ')}: the name's own ` +
    `records, not an injection (not censorship)`;
  return said({ ...local, verdict: 'down', measured: local.verdict, reason }, false, false);
}

function dns(checks: Observation[], local: Verdict, control: Control): Comparison {
  const abroad = control.dns;
  if (!abroad) return unknown(local);
  const same = sameEverywhere(checks, local, control);
  if (same) return same;
  if (abroad.failure === undefined)
    return said(
      withReason(local, `the helper abroad resolved it to ${abroad.addresses.join(' ')}`),
      'dns',
      false,
    );
  // Forged answers are injection whatever the name's state abroad; a name that fails to resolve on both sides
  // is not censored.
  if (local.verdict === 'dns-poisoned') return said(local, 'dns', false);
  return said(
    withReason(local, `the helper abroad could not resolve it either (${abroad.failure}): not censorship`),
    false,
    false,
  );
}

const short = (fingerprint: string) => fingerprint.replaceAll(':', '').slice(0, 16).toLowerCase();

function certificate(checks: Observation[], local: Verdict, control: Control): Comparison {
  const here = own(checks, 'tls_handshake').findLast((t) => t.certificate !== undefined)?.certificate;
  const abroad = control.tls;
  if (!abroad?.handshake) return unknown(local);
  const same =
    here !== undefined &&
    abroad.certificate !== undefined &&
    here.fingerprint256 === abroad.certificate.fingerprint256;
  if (abroad.valid_for_name && !same) {
    const mine = here ? `issued by ${here.issuer} (SHA-256 ${short(here.fingerprint256)}…)` : 'not the one';
    const valid = abroad.certificate!; // valid for the name: the helper saw a certificate
    const theirs = `issued by ${valid.issuer} (SHA-256 ${short(valid.fingerprint256)}…)`;
    const reason =
      `the certificate here is ${mine}; abroad the helper got one ${theirs}, valid for the name: TLS ` +
      `interception`;
    return said({ ...local, reason }, 'http-failure', false);
  }
  if (abroad.valid_for_name) {
    return said(
      withReason(
        local,
        "the helper abroad got the same certificate and trusts it: this machine's trust store or " +
          'clock is the difference, not censorship',
      ),
      false,
      false,
    );
  }
  if (same)
    return said(
      withReason(
        local,
        `the helper abroad got the same certificate (${abroad.failure ?? 'not valid'}): a ` +
          `misconfigured server, not censorship`,
      ),
      false,
      false,
    );
  return unknown(withReason(local, 'the helper abroad got another certificate, not valid either'));
}

function failure(checks: Observation[], local: Verdict, control: Control): Comparison {
  // The lookup itself was reset or closed here: whether the name resolves abroad decides, as for DNS.
  if (local.stage === 'resolve') return dns(checks, local, control);
  const mine = ownDials(checks).map((c) => c.address);
  const connected = control.tcp.filter((t) => t.failure === undefined);
  let blocking: Blocking = false;
  if (local.stage === 'connect') {
    if (connected.some((t) => mine.includes(t.address))) blocking = 'tcp_ip';
    // Its own addresses open abroad, the ones answered here do not, from anywhere: the answers here lead nowhere.
    else if (connected.length > 0) blocking = 'dns';
  } else if (local.stage === 'tls_handshake' && control.tls?.handshake) blocking = 'http-failure';
  else if (local.stage === 'http_round_trip' && control.http?.status !== undefined) blocking = 'http-failure';
  // The helper connects where this machine is refused: the server's address is what is blocked.
  if (blocking === 'tcp_ip') return said({ ...local, blockedBy: 'ip' }, blocking, false);
  if (blocking !== false) return said(local, blocking, false);
  // Some tries here got an answer: the server is not down; the helper's failure cannot explain them.
  if (local.verdict === 'inconsistent') return unknown(local);
  return said(down(local, control), false, false);
}

/** The same failure from abroad: the server is down or broken everywhere. Never "blocked by" anything. */
function down(local: Verdict, control: Control): Verdict {
  const { blockedBy: _dropped, ...rest } = local;
  return {
    ...rest,
    verdict: 'down',
    measured: local.verdict,
    reason: `${local.reason}; fails from abroad too (the helper: ${controlFailure(control)}): not censorship`,
  };
}

function controlFailure(c: Control): string {
  if (c.dns?.failure) return `resolving failed, ${c.dns.failure}`;
  if (c.tcp.length > 0 && c.tcp.every((t) => t.failure !== undefined))
    return c.tcp.map((t) => `${hostPort(t.address, t.port)} ${t.failure}`).join(', ');
  if (c.tls && !c.tls.handshake) return `TLS handshake ${c.tls.failure}`;
  if (c.http?.failure) return `HTTP ${c.http.failure}`;
  return `its verdict ${c.verdict ?? 'unknown'}`;
}

/** One evidence line: what the helper saw. */
export function describeControl(c: Control): string {
  if (c.refused !== undefined) return `control (helper abroad): refused, ${c.refused}`;
  const parts: string[] = [];
  if (c.dns)
    parts.push(
      c.dns.failure ? `resolve ${c.dns.failure}` : `resolve ${c.dns.addresses.join(' ') || '(nothing)'}`,
    );
  for (const t of c.tcp) parts.push(`connect ${hostPort(t.address, t.port)} ${t.failure ?? 'open'}`);
  if (c.families) {
    const say = (o: FamilyOutcome) => (o.open ? 'open' : (o.failure ?? 'failed'));
    parts.push(`IPv4 ${say(c.families.ipv4)}, IPv6 ${say(c.families.ipv6)}`);
  }
  if (c.tls) {
    const cert = c.tls.certificate
      ? `, certificate issued by ${c.tls.certificate.issuer}${c.tls.valid_for_name ? ', valid for the name' : ''}`
      : '';
    parts.push(`tls ${c.tls.failure ?? c.tls.version ?? 'ok'}${cert}`);
  }
  if (c.http) {
    const status = c.http.status === undefined ? '' : `HTTP ${c.http.status}, `;
    const title = c.http.title === undefined ? '' : `, title "${c.http.title}"`;
    parts.push(`http ${status}${c.http.failure ?? `${c.http.body_bytes} bytes${title}`}`);
  }
  return `control (helper abroad): ${parts.join('; ')}; its verdict ${c.verdict ?? 'none'}`;
}
