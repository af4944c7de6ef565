// One classifier per operation (src/net/errors): the same code can mean different things in
// different operations, and each classifier reads only the codes its operation can meet. The
// common rows (what each code means) are in failure.test.ts.
import { describe, expect, it } from 'vitest';
import type { FailureString } from '../src/model/failure.js';
import {
  connectFailure,
  DeadlineError,
  dnsFailure,
  dohFailure,
  fetchFailure,
  httpFailure,
  quicFailure,
  rcodeFailure,
  tlsFailure,
} from '../src/net/errors/classify.js';

const CLASSIFIERS = {
  dns: dnsFailure,
  connect: connectFailure,
  tls: tlsFailure,
  http: httpFailure,
  quic: quicFailure,
  doh: dohFailure,
  fetch: fetchFailure,
};
type Which = keyof typeof CLASSIFIERS;

const coded = (code: string, extra: object = {}) => Object.assign(new Error(`${code} here`), { code }, extra);

interface Row {
  name: string;
  err: unknown;
  /** What each classifier named says (the others are not asked). */
  expected: Partial<Record<Which, FailureString>>;
}

const ROWS: Row[] = [
  {
    // c-ares says ECONNREFUSED when it reached no DNS server; a connect or a QUIC Initial met a RST or
    // an ICMP port unreachable.
    name: 'ECONNREFUSED',
    err: coded('ECONNREFUSED', { syscall: 'connect' }),
    expected: {
      dns: 'dns_temporary_failure',
      doh: 'dns_temporary_failure',
      connect: 'connection_refused',
      quic: 'connection_refused',
      fetch: 'connection_refused',
    },
  },
  {
    name: "the QUIC server's CONNECTION_CLOSE",
    err: coded('ERR_QUIC_CONNECTION_CLOSE'),
    expected: { quic: 'eof_error', tls: 'unknown_failure', http: 'unknown_failure' },
  },
  {
    name: 'a Version Negotiation without v1',
    err: coded('ERR_QUIC_VERSION_NEGOTIATION'),
    expected: { quic: 'ssl_failed_handshake', tls: 'unknown_failure' },
  },
  {
    name: "OpenSSL's codes, which our QUIC TLS stack raises too",
    err: coded('CERT_HAS_EXPIRED'),
    expected: { quic: 'ssl_invalid_certificate', tls: 'ssl_invalid_certificate', connect: 'unknown_failure' },
  },
  {
    name: 'a TLS record that fails under an HTTP round trip',
    err: coded('ERR_SSL_DECRYPTION_FAILED_OR_BAD_RECORD_MAC'),
    expected: { http: 'ssl_failed_handshake', fetch: 'ssl_failed_handshake', dns: 'unknown_failure' },
  },
  {
    name: "undici's connect timeout, in the exchanges undici makes whole",
    err: coded('UND_ERR_CONNECT_TIMEOUT'),
    expected: { fetch: 'generic_timeout_error', doh: 'generic_timeout_error', connect: 'unknown_failure' },
  },
  {
    name: 'ENOTFOUND: node:net and undici look a name up themselves',
    err: coded('ENOTFOUND', { syscall: 'getaddrinfo' }),
    expected: {
      dns: 'dns_nxdomain_error',
      connect: 'dns_nxdomain_error',
      fetch: 'dns_nxdomain_error',
      doh: 'dns_nxdomain_error',
      tls: 'unknown_failure',
    },
  },
  {
    name: 'an HTTP parser error is no TLS failure',
    err: coded('HPE_INVALID_CONSTANT'),
    expected: { http: 'http_protocol_error', tls: 'unknown_failure', quic: 'unknown_failure' },
  },
  {
    name: 'a RST on an open connection',
    err: coded('ECONNRESET', { syscall: 'read' }),
    expected: { tls: 'connection_reset', http: 'connection_reset', dns: 'connection_reset' },
  },
];

const OPERATION: Record<Which, string> = {
  dns: 'resolve',
  doh: 'resolve',
  connect: 'connect',
  tls: 'tls_handshake',
  http: 'http_round_trip',
  fetch: 'http_round_trip',
  quic: 'quic_handshake',
};

describe('a classifier per operation', () => {
  const cases = ROWS.flatMap((row) =>
    Object.entries(row.expected).map(([which, failure]) => ({
      name: row.name,
      err: row.err,
      which,
      failure,
    })),
  );
  it.each(cases)('$name, in $which: $failure', ({ err, which, failure }) => {
    const classified = CLASSIFIERS[which as Which](err);
    expect(classified.failure).toBe(failure);
    expect(classified.operation).toBe(OPERATION[which as Which]);
  });

  it.each(Object.keys(CLASSIFIERS) as Which[])(
    '%s: our own deadline is a timeout of its operation',
    (which) => {
      expect(CLASSIFIERS[which](new DeadlineError('step', 10))).toStrictEqual({
        failure: 'generic_timeout_error',
        operation: OPERATION[which],
        message: 'step did not finish within 10 ms',
        code: 'ETIMEDOUT',
      });
    },
  );

  it('QUIC is labelled as its own operation, with the code carried', () => {
    expect(quicFailure(coded('ERR_SSL_BAD_SIGNATURE'))).toStrictEqual({
      failure: 'ssl_failed_handshake',
      operation: 'quic_handshake',
      message: 'ERR_SSL_BAD_SIGNATURE here',
      code: 'ERR_SSL_BAD_SIGNATURE',
    });
  });
});

describe('rcodeFailure', () => {
  it.each<[string, FailureString]>([
    ['NXDOMAIN', 'dns_nxdomain_error'],
    ['NOERROR', 'dns_no_answer'],
    ['SERVFAIL', 'dns_servfail_error'],
    ['REFUSED', 'dns_refused_error'],
    ['FORMERR', 'dns_server_misbehaving'],
    ['NOTIMP', 'dns_server_misbehaving'],
  ])('%s without the addresses asked for: %s', (rcode, failure) => {
    expect(rcodeFailure(rcode, `${rcode} for A`)).toStrictEqual({
      failure,
      operation: 'resolve',
      code: rcode,
      message: `${rcode} for A`,
    });
  });
});
