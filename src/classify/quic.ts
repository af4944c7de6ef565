// Pure: a target's QUIC handshakes (the decoy first, then its own) in, its QUIC verdict out, and
// what QUIC against TCP says about the block. No I/O, no clock.
import net from 'node:net';
import { hostPort } from '../model/addresses.js';
import type { QuicEvidence, QuicObservation, QuicResult, QuicVerdictName } from '../model/quic.js';
import type { Target } from '../model/target.js';
import type { BlockedBy, Verdict } from '../model/verdict.js';
import { VERDICT_OF_FAILURE } from './target.js';

export interface QuicInput {
  target: Target;
  checks: QuicObservation[];
  /** What says the service speaks QUIC (the run gathers it: Alt-Svc, `quic: true`, the helper). */
  offeredBy: QuicEvidence[];
  /** The verdict over TCP, to say what the two together tell. */
  tcp: Pick<Verdict, 'verdict' | 'stage'>;
}

export type QuicClassified = Omit<QuicResult, 'flags' | 'residual_of'>;

/** Failures a censor's QUIC filter (or a UDP block) produces: a drop, or an injected ICMP or close. */
const BLOCK_VERDICTS: QuicVerdictName[] = ['timeout', 'reset', 'closed'];

const ms = (n: number) => `${Math.round(n)} ms`;

export function describeQuic(o: QuicObservation): string {
  const of = o.shared_from === undefined ? '' : `, made for ${o.shared_from}`;
  const tag = o.purpose ? ` (${o.purpose.replace('_', ' ')}${of})` : '';
  const sni = o.sni ? ` SNI ${o.sni}` : '';
  const from = o.local_port === undefined ? '' : ` from port ${o.local_port}`;
  const outcome = o.failure
    ? `${o.failure.failure} (${o.failure.message})`
    : `complete, ${[o.alpn, o.cipher].filter(Boolean).join(' ')}`;
  const sent = `${o.initials_sent} Initial(s) sent, ${o.datagrams_received} datagram(s) received`;
  return (
    `quic_handshake${tag} ${hostPort(o.address, o.port)}${sni}${from}: ${outcome}; ` +
    `stage ${o.stage}; ${sent}; in ${ms(o.duration_ms)}`
  );
}

/** true with evidence or an answer; false when refused with none; null when nothing tells. */
function offeredOf(own: QuicObservation, offeredBy: QuicEvidence[]): boolean | null {
  if (offeredBy.length > 0 || own.stage !== 'initial') return true;
  return own.failure!.failure === 'connection_refused' ? false : null; // still at the Initial: it failed
}

/** As over TCP, from the decoy made first: it passed, the name; it was dropped too, the address. */
function blockedByOf(
  target: Target,
  own: NonNullable<QuicObservation['failure']>,
  decoy: QuicObservation | undefined,
): BlockedBy {
  if (own.failure !== 'generic_timeout_error' && own.failure !== 'connection_refused') return 'unknown';
  if (net.isIP(target.host) !== 0 || !decoy) return 'unknown'; // an IP literal sends no SNI
  if (!decoy.failure) return 'sni';
  return decoy.failure.failure === own.failure ? 'ip' : 'unknown';
}

function ownReason(own: QuicObservation, offered: boolean | null, offeredBy: QuicEvidence[]): string {
  const at = hostPort(own.address, own.port);
  const sni = own.sni ? ` (SNI ${own.sni})` : '';
  const f = own.failure;
  if (!f)
    return `QUIC handshake with ${at}${sni} completed (${own.alpn ?? 'no ALPN'}) with a valid certificate`;
  const why = offeredBy.length > 0 ? `; QUIC is offered (${offeredBy.join(', ')})` : '';
  switch (f.failure) {
    case 'generic_timeout_error':
      return offered === null
        ? `no answer to QUIC Initials to ${at}${sni} within ${ms(own.duration_ms)}; nothing says this ` +
            `service speaks QUIC, so this is no claim of a block`
        : `no answer to QUIC Initials to ${at}${sni} within ${ms(own.duration_ms)}${why}`;
    case 'connection_refused':
      return offered === false
        ? `nothing answers QUIC on ${at} (ICMP port unreachable), and nothing says the service speaks QUIC`
        : `an ICMP port unreachable answered QUIC to ${at}${sni}${why}`;
    default:
      return `the QUIC handshake with ${at}${sni} failed: ${f.failure} (${f.message})`;
  }
}

export function classifyQuic(input: QuicInput): QuicClassified {
  const { target, checks, offeredBy, tcp } = input;
  // The run puts the deciding handshake last (after those at addresses or a port that did not decide),
  // and the decoy that counts is the one made at its address and port (a handshake, and so a
  // transaction, of its own: what joins the two is the endpoint).
  const own = checks.findLast((c) => c.purpose === undefined) ?? checks[checks.length - 1]!;
  const decoy = checks.findLast(
    (c) => c.purpose === 'decoy' && c.address === own.address && c.port === own.port,
  );
  const offered = offeredOf(own, offeredBy);
  const f = own.failure;
  let verdict: QuicVerdictName = f ? VERDICT_OF_FAILURE[f.failure] : 'reachable';
  if (offered === false) verdict = 'not-offered'; // refused, with nothing saying QUIC is spoken
  // A timeout without evidence of QUIC is only a timeout: many services simply do not speak it.
  // A forged DNS answer is nobody's server: what QUIC met there says nothing about who blocks what.
  const forged = tcp.verdict === 'dns-poisoned';
  const by =
    BLOCK_VERDICTS.includes(verdict) && offered === true && !forged
      ? blockedByOf(target, f!, decoy)
      : undefined;
  const together = forged
    ? `${own.address} came from forged DNS answers (nobody's server): no claim about QUIC itself`
    : quicAgainstTcp(tcp, verdict, offered);
  const reason = [ownReason(own, offered, offeredBy), together].filter(Boolean).join('; ');
  const timings = { total_ms: own.duration_ms, ...pick(own, ['handshake_ms', 'first_response_ms']) };
  return {
    verdict,
    stage: own.stage,
    ...(f ? { failure: f.failure } : {}),
    ...(by ? { 'blocked-by': by } : {}),
    offered,
    offered_by: offeredBy,
    address: own.address,
    port: own.port,
    ...pick(own, ['local_port', 'alpn']),
    reason,
    evidence: [...checks.map(describeQuic), ...(together ? [together] : [])],
    timings,
    checks,
  };
}

function pick<K extends keyof QuicObservation>(
  o: QuicObservation,
  keys: K[],
): Partial<Pick<QuicObservation, K>> {
  const out: Partial<Pick<QuicObservation, K>> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

/**
 * What QUIC against TCP says about the block: QUIC failing where the TCP connect times out too is
 * the address; TLS reset (or dropped) over TCP while QUIC works is the TCP SNI filter alone; TLS
 * fine while QUIC fails, the QUIC filter (or UDP to the port blocked). Undefined when they agree
 * on nothing telling.
 */
export function quicAgainstTcp(
  tcp: Pick<Verdict, 'verdict' | 'stage'>,
  quic: QuicVerdictName,
  offered: boolean | null,
): string | undefined {
  const quicBlocked = BLOCK_VERDICTS.includes(quic) && offered === true;
  const tcpBlocked = ['reset', 'timeout', 'closed', 'inconsistent'].includes(tcp.verdict);
  if (quicBlocked && tcp.stage === 'connect' && tcpBlocked)
    return "QUIC fails and the TCP connect fails too: the server's address is blocked (an IP block)";
  if (quic === 'reachable' && tcpBlocked && tcp.stage === 'tls_handshake')
    return 'TLS over TCP is blocked but QUIC works: the TCP SNI filter alone';
  if (quicBlocked && tcp.verdict === 'reachable')
    return 'TLS over TCP is fine but QUIC fails: the QUIC filter (or UDP to this port blocked)';
  if (quicBlocked && tcpBlocked && tcp.stage === 'tls_handshake')
    return 'both TLS over TCP and QUIC are blocked';
  return undefined;
}
