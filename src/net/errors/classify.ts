// Every error a socket, resolver, TLS stack or HTTP client raises becomes one Failure here, at the
// edge, once: nothing above the net layer looks at a library's error codes. One classifier per
// operation, each reading the code tables (codes.ts) of what can fail in it, in that order, as
// OONI's netxlite has a classifier per operation; the failure strings are model/failure.ts's.
import type { Failure, FailureString } from '../../model/failure.js';
import type { QuicFailure } from '../../model/quic.js';
import { HTTP, QUIC, RESOLVER, SOCKET, TLS, type CodeTable } from './codes.js';

/** Our own deadline error: raised by the net layer when a step's timer fires. */
export class DeadlineError extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(what: string, ms: number) {
    super(`${what} did not finish within ${ms} ms`);
    this.name = 'DeadlineError';
  }
}

interface ErrorLike {
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  errors?: unknown;
  name?: unknown;
  syscall?: unknown;
}

function asErrorLike(err: unknown): ErrorLike {
  return typeof err === 'object' && err !== null ? (err as ErrorLike) : { message: String(err) };
}

/** The innermost error worth reading: undici wraps socket errors in `cause`, happy eyeballs in `errors`. */
function innermost(err: unknown): ErrorLike {
  let e = asErrorLike(err);
  for (let depth = 0; depth < 5; depth++) {
    if (Array.isArray(e.errors) && e.errors.length > 0) e = asErrorLike(e.errors[0]);
    else if (typeof e.code !== 'string' && e.cause !== undefined) e = asErrorLike(e.cause);
    else if (e.code === 'UND_ERR_SOCKET' && e.cause !== undefined) e = asErrorLike(e.cause);
    else break;
  }
  return e;
}

/**
 * The classifier of an operation: its special rule (a code that means something else there), then
 * the tables in order, then unknown_failure.
 */
function classifier<O extends string>(operation: O, tables: CodeTable[], special?: CodeTable) {
  return (err: unknown): Omit<Failure, 'operation'> & { operation: O } => {
    const e = innermost(err);
    const code = typeof e.code === 'string' ? e.code : undefined;
    let failure = special?.(code ?? '', e);
    for (let i = 0; failure === undefined && i < tables.length; i++) failure = tables[i]!(code ?? '', e);
    const message = typeof e.message === 'string' && e.message !== '' ? e.message : String(code ?? err);
    const classified: Omit<Failure, 'operation'> & { operation: O } = {
      failure: failure ?? 'unknown_failure',
      operation,
      message,
    };
    if (code !== undefined) classified.code = code;
    return classified;
  };
}

// c-ares says ECONNREFUSED when it could not reach any DNS server at all: no resolver could be asked.
const unreachableResolver: CodeTable = (code) =>
  code === 'ECONNREFUSED' ? 'dns_temporary_failure' : undefined;

/** A lookup (getaddrinfo, c-ares) or a raw query over UDP. */
export const dnsFailure: (err: unknown) => Failure = classifier(
  'resolve',
  [RESOLVER, SOCKET],
  unreachableResolver,
);

/** A TCP connect (node:net resolves a name it is given, so its resolver's codes too). */
export const connectFailure: (err: unknown) => Failure = classifier('connect', [SOCKET, RESOLVER]);

/** A TLS handshake on an open connection. */
export const tlsFailure: (err: unknown) => Failure = classifier('tls_handshake', [TLS, SOCKET]);

/** An HTTP round trip on a connection the checks opened: over TLS, its record layer may fail too. */
export const httpFailure: (err: unknown) => Failure = classifier('http_round_trip', [HTTP, TLS, SOCKET]);

/**
 * A QUIC handshake: its own codes (src/net/quic), then OpenSSL's, which our QUIC TLS stack raises
 * for the certificate and the handshake so that QUIC and TLS over TCP read alike, then the UDP
 * socket's (an ICMP port unreachable is ECONNREFUSED on a connected socket).
 */
export const quicFailure: (err: unknown) => QuicFailure = classifier('quic_handshake', [QUIC, TLS, SOCKET]);

/**
 * A query to a control resolver over DNS-over-HTTPS: undici makes the whole exchange (its own
 * lookup, connect, TLS, HTTP), so any of those can fail; it is a resolve all the same.
 */
export const dohFailure: (err: unknown) => Failure = classifier(
  'resolve',
  [RESOLVER, HTTP, TLS, SOCKET],
  unreachableResolver,
);

/** An HTTP exchange undici makes whole (to the helper, to a web page): its lookup, connect, TLS, request. */
export const fetchFailure: (err: unknown) => Failure = classifier('http_round_trip', [
  HTTP,
  TLS,
  RESOLVER,
  SOCKET,
]);

const BY_RCODE: Record<string, FailureString> = {
  NXDOMAIN: 'dns_nxdomain_error',
  NOERROR: 'dns_no_answer', // when no address came with it
  SERVFAIL: 'dns_servfail_error',
  REFUSED: 'dns_refused_error',
};

/** A DNS reply without the addresses asked for, by its RCODE. */
export function rcodeFailure(rcode: string, message: string): Failure {
  return { failure: BY_RCODE[rcode] ?? 'dns_server_misbehaving', operation: 'resolve', code: rcode, message };
}
