// The one error taxonomy of reachprobe. Every error a socket, resolver or HTTP client raises is turned
// into a Failure here, once, by the `net` layer; nothing above it looks at Node error codes.
// The strings follow OONI Probe's failure strings where OONI has one, so results compare across tools.

/** The step of a measurement a failure happened in (OONI's "operation"). */
export type Operation = 'resolve' | 'connect' | 'tls_handshake' | 'http_round_trip';

export const FAILURES = [
  'connection_refused', // a RST answered our SYN (Node: ECONNREFUSED)
  'connection_reset', // a RST on an established connection (ECONNRESET)
  'eof_error', // the peer closed the connection (FIN) before the step was done
  'generic_timeout_error', // nothing came back before the step's deadline
  'network_unreachable', // no route to the network (ENETUNREACH): a local problem, not censorship
  'host_unreachable', // EHOSTUNREACH
  'address_family_not_supported', // e.g. IPv6 on a host without IPv6
  'dns_nxdomain_error', // the name does not exist (NXDOMAIN)
  'dns_no_answer', // NOERROR, but no record of the asked type
  'dns_servfail_error', // SERVFAIL
  'dns_refused_error', // the resolver refused the query
  'dns_temporary_failure', // getaddrinfo's EAI_AGAIN: no resolver could be asked
  'dns_server_misbehaving', // malformed or unusable reply
  'ssl_invalid_hostname', // certificate valid, but not for this name
  'ssl_unknown_authority', // chain does not lead to a trusted CA (self-signed, private CA)
  'ssl_invalid_certificate', // expired, not yet valid, revoked, badly formed
  'ssl_failed_handshake', // TLS (or QUIC handshake) protocol failure (no common version or cipher, alert)
  'http_protocol_error', // the server's bytes are not HTTP
  'unknown_failure',
] as const;

export type FailureString = (typeof FAILURES)[number];

export interface Failure {
  failure: FailureString;
  operation: Operation;
  /** The underlying code (ECONNRESET, CERT_HAS_EXPIRED...), for people who debug. */
  code?: string;
  message: string;
}

const BY_CODE: Record<string, FailureString> = {
  ECONNREFUSED: 'connection_refused',
  ECONNRESET: 'connection_reset',
  EPIPE: 'connection_reset',
  ECONNABORTED: 'connection_reset',
  ETIMEDOUT: 'generic_timeout_error', // TCP
  ETIMEOUT: 'generic_timeout_error', // c-ares DNS
  UND_ERR_CONNECT_TIMEOUT: 'generic_timeout_error',
  UND_ERR_HEADERS_TIMEOUT: 'generic_timeout_error',
  UND_ERR_BODY_TIMEOUT: 'generic_timeout_error',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'eof_error', // the body ended before its Content-Length
  UND_ERR_HEADERS_OVERFLOW: 'http_protocol_error',
  ENETUNREACH: 'network_unreachable',
  EHOSTUNREACH: 'host_unreachable',
  EHOSTDOWN: 'host_unreachable',
  EAFNOSUPPORT: 'address_family_not_supported',
  EADDRNOTAVAIL: 'address_family_not_supported',
  ENOTFOUND: 'dns_nxdomain_error',
  ENODATA: 'dns_no_answer',
  ESERVFAIL: 'dns_servfail_error',
  EREFUSED: 'dns_refused_error',
  EAI_AGAIN: 'dns_temporary_failure',
  EAI_FAIL: 'dns_servfail_error', // getaddrinfo: the resolver failed for good (SERVFAIL, REFUSED)
  EFORMERR: 'dns_server_misbehaving',
  EBADRESP: 'dns_server_misbehaving',
  ERR_TLS_CERT_ALTNAME_INVALID: 'ssl_invalid_hostname',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'ssl_unknown_authority',
  SELF_SIGNED_CERT_IN_CHAIN: 'ssl_unknown_authority',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'ssl_unknown_authority',
  UNABLE_TO_GET_ISSUER_CERT: 'ssl_unknown_authority',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'ssl_unknown_authority',
  CERT_UNTRUSTED: 'ssl_unknown_authority',
  CERT_HAS_EXPIRED: 'ssl_invalid_certificate',
  CERT_NOT_YET_VALID: 'ssl_invalid_certificate',
  CERT_REVOKED: 'ssl_invalid_certificate',
  CERT_SIGNATURE_FAILURE: 'ssl_invalid_certificate',
  CERT_REJECTED: 'ssl_invalid_certificate',
  INVALID_CA: 'ssl_invalid_certificate',
  HPE_INVALID_CONSTANT: 'http_protocol_error',
  // Our QUIC client's own codes (src/net/quic): the server's CONNECTION_CLOSE during the handshake is
  // its FIN; every other ERR_QUIC_ code is a handshake failure (see stringFor).
  ERR_QUIC_CONNECTION_CLOSE: 'eof_error',
};

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

function stringFor(e: ErrorLike, operation: Operation): FailureString {
  const code = typeof e.code === 'string' ? e.code : '';
  if (code === 'UND_ERR_SOCKET') return 'eof_error'; // undici: "other side closed" without a cause
  // c-ares says ECONNREFUSED when it could not reach any DNS server at all.
  if (code === 'ECONNREFUSED' && operation === 'resolve') return 'dns_temporary_failure';
  // A FIN during the TLS handshake is reported as ECONNRESET too, but only a real RST comes from a
  // failed read() and carries its syscall.
  if (code === 'ECONNRESET' && e.syscall === undefined) return 'eof_error';
  const mapped = BY_CODE[code];
  if (mapped) return mapped;
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || code.startsWith('ERR_QUIC_'))
    return 'ssl_failed_handshake';
  if (code.startsWith('HPE_') || e.name === 'HTTPParserError') return 'http_protocol_error';
  if (code.startsWith('CERT_') || code.startsWith('ERR_X509')) return 'ssl_invalid_certificate';
  return 'unknown_failure';
}

/** Turns anything thrown by a socket, resolver or HTTP client into the taxonomy. */
export function failureOf(err: unknown, operation: Operation): Failure {
  const e = innermost(err);
  const code = typeof e.code === 'string' ? e.code : undefined;
  const message = typeof e.message === 'string' && e.message !== '' ? e.message : String(code ?? err);
  const failure: Failure = { failure: stringFor(e, operation), operation, message };
  if (code !== undefined) failure.code = code;
  return failure;
}

const BY_RCODE: Record<string, FailureString> = {
  NXDOMAIN: 'dns_nxdomain_error',
  NOERROR: 'dns_no_answer', // when no address came with it
  SERVFAIL: 'dns_servfail_error',
  REFUSED: 'dns_refused_error',
};

/** A DNS reply without the addresses asked for, by its RCODE. */
export function failureOfRcode(rcode: string, message: string): Failure {
  return { failure: BY_RCODE[rcode] ?? 'dns_server_misbehaving', operation: 'resolve', code: rcode, message };
}

/** What a block looks like, as opposed to a check that answered (even with a wrong certificate). */
export const BLOCKING_FAILURES: ReadonlySet<FailureString> = new Set([
  'connection_reset',
  'eof_error',
  'generic_timeout_error',
  'connection_refused',
]);
