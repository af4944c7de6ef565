// One line of plain text per observation: the evidence a reader sees under a verdict.
import { hostPort } from '../model/addresses.js';
import type { Failure } from '../model/failure.js';
import type { DnsReply, Observation } from '../model/observation.js';

const ms = (n: number) => `${Math.round(n)} ms`;
const failed = (f: Failure) => `${f.failure} (${f.message})`;

function reply(r: DnsReply): string {
  const answer =
    r.addresses.length > 0 ? r.addresses.join(' ') : r.answers.map((a) => `${a.type} ${a.data}`).join(' ');
  return `${r.rcode}${r.truncated ? ' (truncated)' : ''}${answer ? ` ${answer}` : ''} after ${ms(r.after_ms)}`;
}

/**
 * "tls_handshake" or, for a decoy or a second try, "tls_handshake (decoy)", "tls_handshake (try 2)",
 * and "tls_handshake (decoy, made for t12)" for a decoy another target made on the same IP:port.
 */
function label(o: Observation): string {
  const attempt =
    o.check === 'connect' || o.check === 'tls_handshake' || o.check === 'http_round_trip' ? o : undefined;
  const tag =
    attempt?.purpose ?? (attempt?.try !== undefined && attempt.try > 1 ? `try ${attempt.try}` : undefined);
  const of = attempt?.shared_from === undefined ? '' : `, made for ${attempt.shared_from}`;
  return tag ? `${o.check} (${tag.replace('_', ' ')}${of})` : o.check;
}

export function describeObservation(o: Observation): string {
  return describe(o).replace(o.check, label(o));
}

function describe(o: Observation): string {
  switch (o.check) {
    case 'resolve':
      return (
        `resolve ${o.host} via ${o.resolver}: ${o.failure ? failed(o.failure) : o.addresses.join(' ')} ` +
        `in ${ms(o.duration_ms)}`
      );
    case 'dns_query': {
      if (o.purpose === 'sink' && o.replies.length === 0 && o.failure?.failure === 'generic_timeout_error') {
        return (
          `dns_query ${o.query_type} ${o.host} to the sink ${o.server}: no reply ` +
          `in ${ms(o.duration_ms)}, as it should be`
        );
      }
      const replies = o.replies.length > 0 ? o.replies.map(reply).join('; ') : 'no reply';
      const ignored = o.ignored.length > 0 ? `; ${o.ignored.length} stray packet(s) ignored` : '';
      const failure = o.failure ? `: ${failed(o.failure)}` : '';
      const to = o.purpose === 'sink' ? `the sink ${o.server}` : o.server;
      const sent = o.sent ? `, sent ${o.sent} times` : '';
      return (
        `dns_query ${o.query_type} ${o.host} to ${to}${failure}: ${replies} ` +
        `(listened ${ms(o.window_ms)} after the first${sent})${ignored}`
      );
    }
    case 'doh_query': {
      const answer = o.failure ? failed(o.failure) : o.addresses.join(' ') || (o.rcode ?? 'no answer');
      return `doh_query ${o.query_type} ${o.host} via ${o.url}: ${answer} in ${ms(o.duration_ms)}`;
    }
    case 'connect':
      return (
        `connect ${hostPort(o.address, o.port)}: ${o.failure ? failed(o.failure) : 'open'} ` +
        `in ${ms(o.duration_ms)}`
      );
    case 'tls_handshake': {
      const sni = o.sni ? ` SNI ${o.sni}` : '';
      const outcome = o.failure ? failed(o.failure) : `${o.version ?? 'TLS'} ${o.cipher ?? ''}`.trim();
      return `tls_handshake ${hostPort(o.address, o.port)}${sni}: ${outcome} in ${ms(o.duration_ms)}`;
    }
    case 'http_round_trip': {
      const status =
        o.status === undefined ? '' : `HTTP ${o.status}${o.location ? ` -> ${o.location}` : ''}, `;
      const body =
        `${o.body_bytes} ` +
        `bytes${o.body_truncated ? ' (capped)' : ''}${o.title === undefined ? '' : `, title "${o.title}"`}`;
      const outcome = o.failure ? `${status}${failed(o.failure)}` : `${status}${body}`;
      const host = o.host_header ? ` (Host ${o.host_header})` : '';
      return `http_round_trip GET ${o.url}${host} via ${o.address}: ${outcome} in ${ms(o.duration_ms)}`;
    }
  }
}
