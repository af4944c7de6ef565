// The classifiers of src/net/errors: real-looking errors, as Node's net, tls, dns and undici raise them,
// to one failure string, by the operation they happened in.
import { describe, expect, it } from 'vitest';
import { verdictOfFailure } from '../src/classify/target.js';
import { FAILURES, type Failure, type FailureString, type Operation } from '../src/model/failure.js';
import {
  connectFailure,
  DeadlineError,
  dnsFailure,
  httpFailure,
  tlsFailure,
} from '../src/net/errors/classify.js';

/** Each operation's classifier, by the operation a row names. */
const CLASSIFIERS: Record<Operation, (err: unknown) => Failure> = {
  resolve: dnsFailure,
  connect: connectFailure,
  tls_handshake: tlsFailure,
  http_round_trip: httpFailure,
};
const failureOf = (err: unknown, operation: Operation) => CLASSIFIERS[operation](err);

/** An Error shaped like Node's system errors: `code`, and `syscall` when the kernel call is known. */
function sysError(code: string, syscall: string | undefined, message: string): Error {
  return Object.assign(new Error(message), {
    code,
    errno: -1,
    ...(syscall === undefined ? {} : { syscall }),
  });
}

/** An OpenSSL error as Node surfaces it (code, library, reason; no syscall). */
function sslError(code: string, message: string): Error {
  return Object.assign(new Error(message), {
    code,
    library: 'SSL routines',
    reason: message.split(':').at(-1),
  });
}

interface Row {
  name: string;
  err: unknown;
  operation: Operation;
  failure: FailureString;
  /** The code failureOf carries through (absent when the error has none). */
  code?: string;
  message: string;
}

const WRONG_VERSION = 'C0B7E4F6:error:0A00010B:SSL routines:ssl3_get_record:wrong version number';

const ROWS: Row[] = [
  // TCP
  {
    name: 'ECONNREFUSED at connect',
    err: sysError('ECONNREFUSED', 'connect', 'connect ECONNREFUSED 104.18.32.7:443'),
    operation: 'connect',
    failure: 'connection_refused',
    code: 'ECONNREFUSED',
    message: 'connect ECONNREFUSED 104.18.32.7:443',
  },
  {
    name: 'ECONNRESET from read() (a real RST)',
    err: sysError('ECONNRESET', 'read', 'read ECONNRESET'),
    operation: 'tls_handshake',
    failure: 'connection_reset',
    code: 'ECONNRESET',
    message: 'read ECONNRESET',
  },
  {
    name: 'ECONNRESET without syscall (a FIN during the TLS handshake)',
    err: sysError(
      'ECONNRESET',
      undefined,
      'Client network socket disconnected before secure TLS connection was established',
    ),
    operation: 'tls_handshake',
    failure: 'eof_error',
    code: 'ECONNRESET',
    message: 'Client network socket disconnected before secure TLS connection was established',
  },
  {
    name: 'EPIPE from write()',
    err: sysError('EPIPE', 'write', 'write EPIPE'),
    operation: 'http_round_trip',
    failure: 'connection_reset',
    code: 'EPIPE',
    message: 'write EPIPE',
  },
  {
    name: 'ETIMEDOUT (TCP)',
    err: sysError('ETIMEDOUT', 'connect', 'connect ETIMEDOUT 104.18.32.7:443'),
    operation: 'connect',
    failure: 'generic_timeout_error',
    code: 'ETIMEDOUT',
    message: 'connect ETIMEDOUT 104.18.32.7:443',
  },
  {
    name: 'DeadlineError (our own timer)',
    err: new DeadlineError('TCP connect', 3000),
    operation: 'connect',
    failure: 'generic_timeout_error',
    code: 'ETIMEDOUT',
    message: 'TCP connect did not finish within 3000 ms',
  },
  {
    name: 'ENETUNREACH',
    err: sysError('ENETUNREACH', 'connect', 'connect ENETUNREACH 2606:4700::6812:2007:443 - Local (:::0)'),
    operation: 'connect',
    failure: 'network_unreachable',
    code: 'ENETUNREACH',
    message: 'connect ENETUNREACH 2606:4700::6812:2007:443 - Local (:::0)',
  },
  {
    name: 'EHOSTUNREACH',
    err: sysError('EHOSTUNREACH', 'connect', 'connect EHOSTUNREACH 10.9.9.9:443'),
    operation: 'connect',
    failure: 'host_unreachable',
    code: 'EHOSTUNREACH',
    message: 'connect EHOSTUNREACH 10.9.9.9:443',
  },
  {
    name: 'EAFNOSUPPORT',
    err: sysError('EAFNOSUPPORT', 'connect', 'connect EAFNOSUPPORT'),
    operation: 'connect',
    failure: 'address_family_not_supported',
    code: 'EAFNOSUPPORT',
    message: 'connect EAFNOSUPPORT',
  },

  // DNS (getaddrinfo and c-ares)
  {
    name: 'ENOTFOUND (getaddrinfo)',
    err: sysError('ENOTFOUND', 'getaddrinfo', 'getaddrinfo ENOTFOUND blocked.example'),
    operation: 'resolve',
    failure: 'dns_nxdomain_error',
    code: 'ENOTFOUND',
    message: 'getaddrinfo ENOTFOUND blocked.example',
  },
  {
    name: 'ENODATA (c-ares)',
    err: sysError('ENODATA', 'queryAaaa', 'queryAaaa ENODATA blocked.example'),
    operation: 'resolve',
    failure: 'dns_no_answer',
    code: 'ENODATA',
    message: 'queryAaaa ENODATA blocked.example',
  },
  {
    name: 'ESERVFAIL (c-ares)',
    err: sysError('ESERVFAIL', 'queryA', 'queryA ESERVFAIL blocked.example'),
    operation: 'resolve',
    failure: 'dns_servfail_error',
    code: 'ESERVFAIL',
    message: 'queryA ESERVFAIL blocked.example',
  },
  {
    name: 'EREFUSED (c-ares: REFUSED rcode)',
    err: sysError('EREFUSED', 'queryA', 'queryA EREFUSED blocked.example'),
    operation: 'resolve',
    failure: 'dns_refused_error',
    code: 'EREFUSED',
    message: 'queryA EREFUSED blocked.example',
  },
  {
    // c-ares says ECONNREFUSED when it could not reach any DNS server (not a REFUSED rcode).
    name: 'ECONNREFUSED at resolve',
    err: sysError('ECONNREFUSED', 'queryA', 'queryA ECONNREFUSED blocked.example'),
    operation: 'resolve',
    failure: 'dns_temporary_failure',
    code: 'ECONNREFUSED',
    message: 'queryA ECONNREFUSED blocked.example',
  },
  {
    name: 'ETIMEOUT (c-ares)',
    err: sysError('ETIMEOUT', 'queryA', 'queryA ETIMEOUT blocked.example'),
    operation: 'resolve',
    failure: 'generic_timeout_error',
    code: 'ETIMEOUT',
    message: 'queryA ETIMEOUT blocked.example',
  },
  {
    name: 'EAI_AGAIN (getaddrinfo)',
    err: sysError('EAI_AGAIN', 'getaddrinfo', 'getaddrinfo EAI_AGAIN blocked.example'),
    operation: 'resolve',
    failure: 'dns_temporary_failure',
    code: 'EAI_AGAIN',
    message: 'getaddrinfo EAI_AGAIN blocked.example',
  },
  {
    name: 'EBADRESP (c-ares)',
    err: sysError('EBADRESP', 'queryA', 'queryA EBADRESP blocked.example'),
    operation: 'resolve',
    failure: 'dns_server_misbehaving',
    code: 'EBADRESP',
    message: 'queryA EBADRESP blocked.example',
  },

  // TLS
  {
    name: 'ERR_TLS_CERT_ALTNAME_INVALID',
    err: Object.assign(
      new Error(
        "Hostname/IP does not match certificate's altnames: Host: blocked.example. is not in the " +
          "cert's altnames: DNS:block.isp",
      ),
      {
        code: 'ERR_TLS_CERT_ALTNAME_INVALID',
        reason: "Host: blocked.example. is not in the cert's altnames: DNS:block.isp",
        host: 'blocked.example',
      },
    ),
    operation: 'tls_handshake',
    failure: 'ssl_invalid_hostname',
    code: 'ERR_TLS_CERT_ALTNAME_INVALID',
    message:
      "Hostname/IP does not match certificate's altnames: Host: blocked.example. is not in the " +
      "cert's altnames: DNS:block.isp",
  },
  {
    name: 'DEPTH_ZERO_SELF_SIGNED_CERT',
    err: Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }),
    operation: 'tls_handshake',
    failure: 'ssl_unknown_authority',
    code: 'DEPTH_ZERO_SELF_SIGNED_CERT',
    message: 'self-signed certificate',
  },
  {
    name: 'CERT_HAS_EXPIRED',
    err: Object.assign(new Error('certificate has expired'), { code: 'CERT_HAS_EXPIRED' }),
    operation: 'tls_handshake',
    failure: 'ssl_invalid_certificate',
    code: 'CERT_HAS_EXPIRED',
    message: 'certificate has expired',
  },
  {
    name: 'an unlisted CERT_ code',
    err: Object.assign(new Error('certificate chain too long'), { code: 'CERT_CHAIN_TOO_LONG' }),
    operation: 'tls_handshake',
    failure: 'ssl_invalid_certificate',
    code: 'CERT_CHAIN_TOO_LONG',
    message: 'certificate chain too long',
  },
  {
    name: 'ERR_SSL_WRONG_VERSION_NUMBER',
    err: sslError('ERR_SSL_WRONG_VERSION_NUMBER', WRONG_VERSION),
    operation: 'tls_handshake',
    failure: 'ssl_failed_handshake',
    code: 'ERR_SSL_WRONG_VERSION_NUMBER',
    message: WRONG_VERSION,
  },
  {
    name: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION (an alert)',
    err: sslError(
      'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION',
      'error:0A00042E:SSL routines:ssl3_read_bytes:tlsv1 alert protocol version',
    ),
    operation: 'tls_handshake',
    failure: 'ssl_failed_handshake',
    code: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION',
    message: 'error:0A00042E:SSL routines:ssl3_read_bytes:tlsv1 alert protocol version',
  },

  // HTTP and undici
  {
    name: 'HPE_INVALID_CONSTANT (undici parser)',
    err: Object.assign(new Error('Expected HTTP/'), {
      name: 'HTTPParserError',
      code: 'HPE_INVALID_CONSTANT',
      data: 'SSH-2.0-OpenSSH_9.6\r\n',
    }),
    operation: 'http_round_trip',
    failure: 'http_protocol_error',
    code: 'HPE_INVALID_CONSTANT',
    message: 'Expected HTTP/',
  },
  {
    name: 'an HTTPParserError with an unknown code',
    err: Object.assign(new Error('Invalid header value char'), {
      name: 'HTTPParserError',
      code: 'XX_UNKNOWN',
    }),
    operation: 'http_round_trip',
    failure: 'http_protocol_error',
    code: 'XX_UNKNOWN',
    message: 'Invalid header value char',
  },
  {
    name: 'UND_ERR_HEADERS_TIMEOUT',
    err: Object.assign(new Error('Headers Timeout Error'), { code: 'UND_ERR_HEADERS_TIMEOUT' }),
    operation: 'http_round_trip',
    failure: 'generic_timeout_error',
    code: 'UND_ERR_HEADERS_TIMEOUT',
    message: 'Headers Timeout Error',
  },
  {
    name: 'UND_ERR_SOCKET wrapping a RST',
    err: {
      code: 'UND_ERR_SOCKET',
      message: 'other side closed',
      cause: { code: 'ECONNRESET', syscall: 'read', message: 'read ECONNRESET' },
    },
    operation: 'http_round_trip',
    failure: 'connection_reset',
    code: 'ECONNRESET',
    message: 'read ECONNRESET',
  },
  {
    name: 'UND_ERR_SOCKET without a cause (FIN)',
    err: { code: 'UND_ERR_SOCKET' },
    operation: 'http_round_trip',
    failure: 'eof_error',
    code: 'UND_ERR_SOCKET',
    message: 'UND_ERR_SOCKET',
  },
  {
    name: 'UND_ERR_SOCKET (an Error) without a cause',
    err: Object.assign(new Error('other side closed'), { name: 'SocketError', code: 'UND_ERR_SOCKET' }),
    operation: 'http_round_trip',
    failure: 'eof_error',
    code: 'UND_ERR_SOCKET',
    message: 'other side closed',
  },

  // Wrappers
  {
    name: 'an Error without code, whose cause has one (fetch failed)',
    err: new TypeError('fetch failed', {
      cause: sysError('ENOTFOUND', 'getaddrinfo', 'getaddrinfo ENOTFOUND dns.control.example'),
    }),
    operation: 'resolve',
    failure: 'dns_nxdomain_error',
    code: 'ENOTFOUND',
    message: 'getaddrinfo ENOTFOUND dns.control.example',
  },
  {
    name: 'two levels of cause',
    err: new Error('request failed', {
      cause: new Error('socket failed', { cause: sysError('ECONNRESET', 'read', 'read ECONNRESET') }),
    }),
    operation: 'http_round_trip',
    failure: 'connection_reset',
    code: 'ECONNRESET',
    message: 'read ECONNRESET',
  },
  {
    name: 'an AggregateError whose first error is ETIMEDOUT (happy eyeballs)',
    err: new AggregateError(
      [
        sysError('ETIMEDOUT', 'connect', 'connect ETIMEDOUT 104.18.32.7:443'),
        sysError('ENETUNREACH', 'connect', 'connect ENETUNREACH'),
      ],
      'All attempts failed',
    ),
    operation: 'connect',
    failure: 'generic_timeout_error',
    code: 'ETIMEDOUT',
    message: 'connect ETIMEDOUT 104.18.32.7:443',
  },

  // Nothing to go on
  {
    name: 'a string thrown',
    err: 'boom',
    operation: 'http_round_trip',
    failure: 'unknown_failure',
    message: 'boom',
  },
  {
    name: 'undefined thrown',
    err: undefined,
    operation: 'connect',
    failure: 'unknown_failure',
    message: 'undefined',
  },
  {
    name: 'an Error without code',
    err: new Error('something odd'),
    operation: 'connect',
    failure: 'unknown_failure',
    message: 'something odd',
  },
  {
    name: 'an unknown code is carried',
    err: sysError('EWEIRD', 'connect', 'connect EWEIRD'),
    operation: 'connect',
    failure: 'unknown_failure',
    code: 'EWEIRD',
    message: 'connect EWEIRD',
  },
  {
    name: 'an empty message falls back to the code',
    err: sysError('ECONNREFUSED', 'connect', ''),
    operation: 'connect',
    failure: 'connection_refused',
    code: 'ECONNREFUSED',
    message: 'ECONNREFUSED',
  },
];

describe('failureOf', () => {
  it.each(ROWS)('$name -> $failure', ({ err, operation, failure, code, message }) => {
    const expected: Failure = { failure, operation, message, ...(code === undefined ? {} : { code }) };
    expect(failureOf(err, operation)).toStrictEqual(expected);
  });

  it('the table produces every failure string at least once', () => {
    expect([...new Set(ROWS.map((r) => r.failure))].sort()).toEqual([...FAILURES].sort());
  });

  it.each<Operation>(['resolve', 'connect', 'tls_handshake', 'http_round_trip'])(
    'carries the operation %s through',
    (operation) => {
      expect(failureOf(new DeadlineError('step', 10), operation).operation).toBe(operation);
    },
  );

  // getaddrinfo's EAI_FAIL ("non-recoverable failure in name resolution"; some libcs return it when
  // the resolver answers REFUSED or FORMERR) is a DNS failure like EAI_AGAIN. Today it falls through
  // to unknown_failure, whose verdict is `error` ("reachprobe could not measure this target"): a
  // resolver refusing a blocked name would be reported as a tool error instead of a DNS failure.
  it('EAI_FAIL from getaddrinfo is a DNS failure, not a tool error', () => {
    const f = failureOf(
      sysError('EAI_FAIL', 'getaddrinfo', 'getaddrinfo EAI_FAIL blocked.example'),
      'resolve',
    );
    expect(verdictOfFailure(f)).toBe('dns-failure');
  });
});
