// The one error taxonomy of reachprobe. Every error a socket, resolver or HTTP client raises is turned
// into a Failure once, at the edge, by the `net` layer's classifiers (src/net/errors); nothing above
// it looks at Node error codes. The strings follow OONI Probe's failure strings where OONI has one,
// so results compare across tools.

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

/** What a block looks like, as opposed to a check that answered (even with a wrong certificate). */
export const BLOCKING_FAILURES: ReadonlySet<FailureString> = new Set([
  'connection_reset',
  'eof_error',
  'generic_timeout_error',
  'connection_refused',
]);
