// What the codes of each library under the net layer mean in the failure taxonomy, one table per
// origin: the kernel's socket errors (as node:net and node:dgram raise them), the resolvers'
// (getaddrinfo and c-ares), OpenSSL's and node:tls's, undici's and its HTTP parser's, and our QUIC
// client's. The classifiers (classify.ts) read the tables their operation can meet.
import type { FailureString } from '../../model/failure.js';

/** What a table reads besides the code (empty when the error has none): the syscall, the name. */
export interface ErrorFacts {
  syscall?: unknown;
  name?: unknown;
}

/** One origin's codes: exact ones first, then the families it names by prefix. */
export type CodeTable = (code: string, e: ErrorFacts) => FailureString | undefined;

const exact =
  (codes: Record<string, FailureString>, families: CodeTable = () => undefined): CodeTable =>
  (code, e) =>
    codes[code] ?? families(code, e);

/** The kernel's socket errors, and our own deadline (DeadlineError says ETIMEDOUT). */
export const SOCKET: CodeTable = exact(
  {
    ECONNREFUSED: 'connection_refused',
    EPIPE: 'connection_reset',
    ECONNABORTED: 'connection_reset',
    ETIMEDOUT: 'generic_timeout_error',
    ENETUNREACH: 'network_unreachable',
    EHOSTUNREACH: 'host_unreachable',
    EHOSTDOWN: 'host_unreachable',
    EAFNOSUPPORT: 'address_family_not_supported',
    EADDRNOTAVAIL: 'address_family_not_supported',
  },
  // A FIN during the TLS handshake is reported as ECONNRESET too, but only a real RST comes from a
  // failed read() and carries its syscall.
  (code, e) =>
    code === 'ECONNRESET' ? (e.syscall === undefined ? 'eof_error' : 'connection_reset') : undefined,
);

/** getaddrinfo's and c-ares's codes. */
export const RESOLVER: CodeTable = exact({
  ETIMEOUT: 'generic_timeout_error', // c-ares
  ENOTFOUND: 'dns_nxdomain_error',
  ENODATA: 'dns_no_answer',
  ESERVFAIL: 'dns_servfail_error',
  EREFUSED: 'dns_refused_error',
  EAI_AGAIN: 'dns_temporary_failure',
  EAI_FAIL: 'dns_servfail_error', // getaddrinfo: the resolver failed for good (SERVFAIL, REFUSED)
  EFORMERR: 'dns_server_misbehaving',
  EBADRESP: 'dns_server_misbehaving',
});

/** OpenSSL's verification codes and node:tls's, then their families. */
export const TLS: CodeTable = exact(
  {
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
  },
  (code) => {
    if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_')) return 'ssl_failed_handshake';
    if (code.startsWith('CERT_') || code.startsWith('ERR_X509')) return 'ssl_invalid_certificate';
    return undefined;
  },
);

/** undici's codes and its HTTP parser's (llhttp). */
export const HTTP: CodeTable = exact(
  {
    UND_ERR_SOCKET: 'eof_error', // "other side closed" without a cause (one with a cause is unwrapped)
    UND_ERR_CONNECT_TIMEOUT: 'generic_timeout_error',
    UND_ERR_HEADERS_TIMEOUT: 'generic_timeout_error',
    UND_ERR_BODY_TIMEOUT: 'generic_timeout_error',
    UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'eof_error', // the body ended before its Content-Length
    UND_ERR_HEADERS_OVERFLOW: 'http_protocol_error',
    HPE_INVALID_CONSTANT: 'http_protocol_error',
  },
  (code, e) => (code.startsWith('HPE_') || e.name === 'HTTPParserError' ? 'http_protocol_error' : undefined),
);

/** Our QUIC client's own codes (src/net/quic). */
export const QUIC: CodeTable = (code) => {
  // The server's CONNECTION_CLOSE during the handshake is its FIN.
  if (code === 'ERR_QUIC_CONNECTION_CLOSE') return 'eof_error';
  // Every other one (a Version Negotiation without v1, bad transport parameters...) is a failed handshake.
  return code.startsWith('ERR_QUIC_') ? 'ssl_failed_handshake' : undefined;
};
