// The pure classification layer, table by table: one failure string -> one verdict; hand-built
// observation lists -> verdict, stage, failure, reason and heuristics; the bogon list; the run context.
import { describe, expect, it } from 'vitest';
import type net from 'node:net';
import { dnsHeuristics, racedAddresses, type DnsContext } from '../src/classify/dns.js';
import {
  contextSaysNothing,
  inContext,
  ipv6Of,
  ipv6Opened,
  isSuccess,
  meetsAccessible,
  meetsBlocking,
  meetsExpectation,
  meetsQuic,
  vantageOf,
} from '../src/classify/run.js';
import { classifyTarget, verdictOfFailure } from '../src/classify/target.js';
import { blockListOf, impossibleReason } from '../src/model/addresses.js';
import { FAILURES, type Failure, type FailureString, type Operation } from '../src/model/failure.js';
import type {
  ConnectObservation,
  DnsQueryObservation,
  DnsReply,
  DohObservation,
  HttpObservation,
  Observation,
  ResolveObservation,
  TlsObservation,
} from '../src/model/observation.js';
import type { Blocking } from '../src/model/control.js';
import type { QuicVerdictName } from '../src/model/quic.js';
import type { Vantage } from '../src/model/result.js';
import type { ExpectedBlocking, Scheme, Target } from '../src/model/target.js';
import type { Heuristic, Verdict, VerdictName } from '../src/model/verdict.js';

// ---------------------------------------------------------------------------------------------
// Builders: each row of the tables below stays one or two lines.

const HOST = 'blocked.example';
const V4 = '104.18.32.7';
const V4B = '104.18.33.7';
const V6 = '2606:4700::6812:2007';
const CONTROL = '151.101.65.69'; // what the DoH control answers
const FORGED = '31.13.94.41'; // a public address an injector answers with
const REWRITE = '92.242.132.24'; // an ISP's NXDOMAIN-rewriting landing page
const RESOLVER = '9.9.9.9';
const SINK = '192.0.2.1';

const target = (
  scheme: Scheme = 'https',
  port = scheme === 'https' ? 443 : scheme === 'http' ? 80 : 5222,
): Target => ({
  name: `${scheme} target`,
  service: 'Blocked',
  url: `${scheme}://${HOST}:${port}/`,
  scheme,
  host: HOST,
  port,
  path: '/',
  tags: [],
  source: { file: 'targets/test.yaml', line: 1 },
});

const failure = (
  f: FailureString,
  operation: Operation,
  message: string = f.replaceAll('_', ' '),
): Failure => ({ failure: f, operation, message });
const timed = (duration_ms = 12) => ({ started_ms: 0, duration_ms });
const withFailure = (f: FailureString | undefined, op: Operation, message?: string) =>
  f ? { failure: failure(f, op, message) } : {};

const resolve = (addresses: string[], f?: FailureString, message?: string): ResolveObservation => ({
  check: 'resolve',
  host: HOST,
  resolver: 'system',
  addresses,
  ...timed(),
  ...withFailure(f, 'resolve', message),
});

const connect = (
  address: string,
  f?: FailureString,
  extra: Partial<ConnectObservation> = {},
): ConnectObservation => ({
  check: 'connect',
  address,
  port: 443,
  ...timed(),
  ...withFailure(f, 'connect'),
  ...extra,
});

const tls = (f?: FailureString, extra: Partial<TlsObservation> = {}, message?: string): TlsObservation => ({
  check: 'tls_handshake',
  address: V4,
  port: 443,
  sni: HOST,
  ...(f ? {} : { version: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256', alpn: 'http/1.1' }),
  ...timed(),
  ...withFailure(f, 'tls_handshake', message),
  ...extra,
});

const http = (status?: number, f?: FailureString, extra: Partial<HttpObservation> = {}): HttpObservation => ({
  check: 'http_round_trip',
  address: V4,
  port: 443,
  url: `https://${HOST}/`,
  ...(status === undefined ? {} : { status }),
  body_bytes: status === undefined ? 0 : 1234,
  body_truncated: false,
  ...timed(),
  ...withFailure(f, 'http_round_trip'),
  ...extra,
});

const reply = (addresses: string[], after_ms = 3, rcode = 'NOERROR'): DnsReply => ({
  from: `${RESOLVER}:53`,
  after_ms,
  rcode,
  addresses,
  answers: addresses.map((data) => ({ type: data.includes(':') ? 'AAAA' : 'A', data, ttl: 60 })),
});

const query = (
  purpose: DnsQueryObservation['purpose'],
  replies: DnsReply[],
  query_type = 'A',
): DnsQueryObservation => ({
  check: 'dns_query',
  purpose,
  host: HOST,
  query_type,
  server: purpose === 'sink' ? SINK : RESOLVER,
  window_ms: 150,
  replies,
  ignored: [],
  ...timed(),
});

const doh = (addresses: string[], f?: FailureString): DohObservation => ({
  check: 'doh_query',
  host: HOST,
  query_type: 'A',
  url: 'https://dns.control.example/dns-query',
  ...(f ? {} : { rcode: 'NOERROR' }),
  addresses,
  ...timed(),
  ...withFailure(f, 'resolve'),
});

/** connect, TLS and HTTP all fine, on one address. */
const served = (address = V4, status = 200): Observation[] => [
  connect(address),
  tls(undefined, { address }),
  http(status, undefined, { address }),
];

const NONE: net.BlockList = blockListOf([]);
const context = (over: Partial<DnsContext> = {}): DnsContext => ({
  sinkUsable: false,
  forgedPool: NONE,
  allowed: NONE,
  nxRewrite: [],
  ...over,
});

// ---------------------------------------------------------------------------------------------

describe('verdictOfFailure', () => {
  // One row per failure string, at the operation where it normally happens.
  const ROWS: Array<[FailureString, Operation, VerdictName]> = [
    ['connection_refused', 'connect', 'reset'],
    ['connection_reset', 'tls_handshake', 'reset'],
    ['eof_error', 'tls_handshake', 'closed'],
    ['generic_timeout_error', 'connect', 'timeout'],
    ['network_unreachable', 'connect', 'unreachable'],
    ['host_unreachable', 'connect', 'unreachable'],
    ['address_family_not_supported', 'connect', 'unreachable'],
    ['dns_nxdomain_error', 'resolve', 'dns-nxdomain'],
    ['dns_no_answer', 'resolve', 'dns-failure'],
    ['dns_servfail_error', 'resolve', 'dns-failure'],
    ['dns_refused_error', 'resolve', 'dns-failure'],
    ['dns_temporary_failure', 'resolve', 'dns-failure'],
    ['dns_server_misbehaving', 'resolve', 'dns-failure'],
    ['ssl_invalid_hostname', 'tls_handshake', 'cert-invalid'],
    ['ssl_unknown_authority', 'tls_handshake', 'cert-invalid'],
    ['ssl_invalid_certificate', 'tls_handshake', 'cert-invalid'],
    ['ssl_failed_handshake', 'tls_handshake', 'tls-failure'],
    ['http_protocol_error', 'http_round_trip', 'http-failure'],
    ['unknown_failure', 'connect', 'error'],
  ];

  it('has exactly one row per failure string in FAILURES', () => {
    const strings = ROWS.map(([f]) => f);
    expect(new Set(strings).size).toBe(strings.length);
    expect([...strings].sort()).toEqual([...FAILURES].sort());
  });

  it.each(ROWS)('%s at %s -> %s', (f, operation, verdict) => {
    expect(verdictOfFailure(failure(f, operation))).toBe(verdict);
  });

  // A timeout while resolving is a DNS failure; anywhere else it is a blackhole.
  it.each<[Operation, VerdictName]>([
    ['resolve', 'dns-failure'],
    ['connect', 'timeout'],
    ['tls_handshake', 'timeout'],
    ['http_round_trip', 'timeout'],
  ])('generic_timeout_error at %s -> %s', (operation, verdict) => {
    expect(verdictOfFailure(failure('generic_timeout_error', operation))).toBe(verdict);
  });
});

// ---------------------------------------------------------------------------------------------

interface Row {
  name: string;
  target?: Target;
  checks: Observation[];
  ctx?: Partial<DnsContext>;
  verdict: VerdictName;
  stage?: Operation;
  failure?: FailureString;
  /** A fragment the reason must contain, or a pattern it must match (anchored, for a reason word for word). */
  reason: string | RegExp;
  /** The heuristics that fired, as "name" (strong) or "name (weak)"; absent when none did. */
  heuristics?: string[];
}

const ROWS: Row[] = [
  // The chain, step by step.
  {
    name: 'https: every step ok',
    checks: [resolve([V4]), ...served()],
    verdict: 'reachable',
    reason: `HTTP 200 from ${V4} over TLS with a valid certificate`,
  },
  {
    name: 'http: connect and HTTP ok',
    target: target('http'),
    checks: [
      resolve([V4]),
      connect(V4, undefined, { port: 80 }),
      http(200, undefined, { port: 80, url: `http://${HOST}/` }),
    ],
    verdict: 'reachable',
    reason: `HTTP 200 from ${V4} over plain HTTP`,
  },
  {
    name: 'tcp: connect ok',
    target: target('tcp'),
    checks: [resolve([V4]), connect(V4, undefined, { port: 5222 })],
    verdict: 'connected',
    reason: `TCP handshake with ${V4}:5222 completed`,
  },
  {
    name: 'https: HTTP status 403 is still an answer',
    checks: [resolve([V4]), ...served(V4, 403)],
    verdict: 'reachable',
    reason: `HTTP 403 from ${V4}`,
  },
  {
    name: 'https: TLS ok but no HTTP observation',
    checks: [resolve([V4]), connect(V4), tls()],
    verdict: 'error',
    reason: 'no check reached a conclusion',
  },

  // Resolve.
  {
    name: 'resolve: NXDOMAIN',
    checks: [resolve([], 'dns_nxdomain_error', `getaddrinfo ENOTFOUND ${HOST}`)],
    verdict: 'dns-nxdomain',
    stage: 'resolve',
    failure: 'dns_nxdomain_error',
    reason: `resolving ${HOST} failed: getaddrinfo ENOTFOUND ${HOST}`,
  },
  {
    name: 'resolve: ENOTFOUND, but the raw query says NOERROR (no record) -> no answer',
    checks: [resolve([], 'dns_nxdomain_error'), query('resolver', [reply([], 3, 'NOERROR')])],
    verdict: 'dns-failure',
    stage: 'resolve',
    failure: 'dns_no_answer',
    reason: `resolving ${HOST} failed`,
  },
  {
    name: 'resolve: ENOTFOUND, and the raw query says NXDOMAIN too',
    checks: [resolve([], 'dns_nxdomain_error'), query('resolver', [reply([], 3, 'NXDOMAIN')])],
    verdict: 'dns-nxdomain',
    stage: 'resolve',
    failure: 'dns_nxdomain_error',
    reason: `resolving ${HOST} failed`,
  },
  {
    name: 'resolve: ENOTFOUND, and the raw query has an address -> still nxdomain (not "no data")',
    checks: [resolve([], 'dns_nxdomain_error'), query('resolver', [reply([V4], 3, 'NOERROR')])],
    verdict: 'dns-nxdomain',
    stage: 'resolve',
    failure: 'dns_nxdomain_error',
    reason: `resolving ${HOST} failed`,
  },
  {
    name: 'resolve: ENOTFOUND, the A query empty (NOERROR) but the AAAA one with an address -> still nxdomain',
    checks: [
      resolve([], 'dns_nxdomain_error'),
      query('resolver', [reply([], 3, 'NOERROR')]),
      query('resolver', [reply([V6], 3, 'NOERROR')], 'AAAA'),
    ],
    verdict: 'dns-nxdomain',
    stage: 'resolve',
    failure: 'dns_nxdomain_error',
    reason: `resolving ${HOST} failed`,
  },
  {
    name: 'resolve: ENOTFOUND, and only a TXT query said NOERROR -> still nxdomain (A/AAAA say nothing)',
    checks: [resolve([], 'dns_nxdomain_error'), query('wrong_type', [reply([], 3, 'NOERROR')], 'TXT')],
    verdict: 'dns-nxdomain',
    stage: 'resolve',
    failure: 'dns_nxdomain_error',
    reason: `resolving ${HOST} failed`,
  },
  {
    name: 'resolve: ENOTFOUND, raw replies NOERROR and NXDOMAIN -> still nxdomain',
    checks: [
      resolve([], 'dns_nxdomain_error'),
      query('resolver', [reply([], 3, 'NOERROR')]),
      query('resolver', [reply([], 3, 'NXDOMAIN')], 'AAAA'),
    ],
    verdict: 'dns-nxdomain',
    stage: 'resolve',
    failure: 'dns_nxdomain_error',
    reason: `resolving ${HOST} failed`,
  },
  {
    name: 'resolve: SERVFAIL, a raw reply NOERROR without records -> still SERVFAIL (only ENOTFOUND is ambiguous)',
    checks: [resolve([], 'dns_servfail_error'), query('resolver', [reply([], 3, 'NOERROR')])],
    verdict: 'dns-failure',
    stage: 'resolve',
    failure: 'dns_servfail_error',
    reason: `resolving ${HOST} failed`,
  },
  {
    name: 'resolve: timeout',
    checks: [resolve([], 'generic_timeout_error')],
    verdict: 'dns-failure',
    stage: 'resolve',
    failure: 'generic_timeout_error',
    reason: `resolving ${HOST} failed`,
  },

  // Connect: when every address fails, the most telling failure speaks.
  {
    name: 'connect: IPv6 no route, IPv4 refused -> the RST wins',
    checks: [resolve([V6, V4]), connect(V6, 'network_unreachable'), connect(V4, 'connection_refused')],
    verdict: 'reset',
    stage: 'connect',
    failure: 'connection_refused',
    reason:
      `a RST answered the SYN to ${V4}:443 (connection refused, as a closed port answers too) (all 2 ` +
      `addresses failed)`,
  },
  {
    name: 'connect: IPv4 refused, IPv6 no route (other order) -> the RST wins',
    checks: [resolve([V4, V6]), connect(V4, 'connection_refused'), connect(V6, 'network_unreachable')],
    verdict: 'reset',
    stage: 'connect',
    failure: 'connection_refused',
    reason: `a RST answered the SYN to ${V4}:443`,
  },
  {
    name: 'connect: IPv6 no route, IPv4 timeout -> the timeout wins',
    checks: [
      resolve([V6, V4]),
      connect(V6, 'network_unreachable'),
      connect(V4, 'generic_timeout_error', { duration_ms: 3000.4 }),
    ],
    verdict: 'timeout',
    stage: 'connect',
    failure: 'generic_timeout_error',
    reason: `no answer to the SYN to ${V4}:443 within 3000 ms (all 2 addresses failed)`,
  },
  {
    name: 'connect: IPv4 timeout, IPv6 refused -> the RST wins over the timeout',
    checks: [
      resolve([V4, V6]),
      connect(V4, 'generic_timeout_error', { duration_ms: 3000 }),
      connect(V6, 'connection_refused'),
    ],
    verdict: 'reset',
    stage: 'connect',
    failure: 'connection_refused',
    reason: `a RST answered the SYN to [${V6}]:443`,
  },
  {
    name: 'connect: IPv6 refused, IPv4 timeout (other order) -> the RST wins over the timeout',
    checks: [
      resolve([V6, V4]),
      connect(V6, 'connection_refused'),
      connect(V4, 'generic_timeout_error', { duration_ms: 3000 }),
    ],
    verdict: 'reset',
    stage: 'connect',
    failure: 'connection_refused',
    reason: `a RST answered the SYN to [${V6}]:443`,
  },
  {
    name: 'connect: IPv4 closed at once, IPv6 timeout -> the timeout wins over another failure',
    checks: [
      resolve([V4, V6]),
      connect(V4, 'eof_error'),
      connect(V6, 'generic_timeout_error', { duration_ms: 3000 }),
    ],
    verdict: 'timeout',
    stage: 'connect',
    failure: 'generic_timeout_error',
    reason: `no answer to the SYN to [${V6}]:443 within 3000 ms`,
  },
  {
    name: 'connect: IPv6 no route, IPv4 closed at once -> any answer wins over no route',
    checks: [resolve([V6, V4]), connect(V6, 'network_unreachable'), connect(V4, 'eof_error')],
    verdict: 'closed',
    stage: 'connect',
    failure: 'eof_error',
    reason: `connecting to ${V4}:443 failed`,
  },
  {
    name: 'connect: reset once open',
    checks: [resolve([V4]), connect(V4, 'connection_reset')],
    verdict: 'reset',
    stage: 'connect',
    failure: 'connection_reset',
    reason: `the connection to ${V4}:443 was reset as soon as it opened`,
  },
  {
    name: 'connect: every address unreachable',
    checks: [resolve([V6, V4]), connect(V6, 'network_unreachable'), connect(V4, 'host_unreachable')],
    verdict: 'unreachable',
    stage: 'connect',
    failure: 'network_unreachable',
    reason: 'failed: network unreachable (all 2 addresses failed)',
  },
  {
    name: 'connect: a single address refused (no "all failed")',
    checks: [resolve([V4]), connect(V4, 'connection_refused')],
    verdict: 'reset',
    stage: 'connect',
    failure: 'connection_refused',
    reason: `a RST answered the SYN to ${V4}:443 (connection refused, as a closed port answers too)`,
  },
  {
    name: 'connect: one timeout, one ok -> TLS and HTTP decide',
    checks: [resolve([V4B, V4]), connect(V4B, 'generic_timeout_error'), ...served(V4)],
    verdict: 'reachable',
    reason: `HTTP 200 from ${V4} over TLS`,
  },

  // TLS.
  {
    name: 'TLS: RST after the ClientHello',
    checks: [resolve([V4]), connect(V4), tls('connection_reset')],
    verdict: 'reset',
    stage: 'tls_handshake',
    failure: 'connection_reset',
    reason: `the connection to ${V4}:443 was reset after the TLS ClientHello (SNI ${HOST})`,
  },
  {
    name: 'TLS: FIN during the handshake',
    checks: [resolve([V4]), connect(V4), tls('eof_error')],
    verdict: 'closed',
    stage: 'tls_handshake',
    failure: 'eof_error',
    reason: `${V4}:443 closed the connection during the TLS handshake (SNI ${HOST})`,
  },
  {
    name: 'TLS: certificate for another name',
    checks: [
      resolve([V4]),
      connect(V4),
      tls(
        'ssl_invalid_hostname',
        {
          certificate: {
            subject: 'CN=block.isp',
            issuer: 'CN=ISP Blockpage CA',
            valid_from: '',
            valid_to: '',
            subject_alt_names: 'DNS:block.isp',
            fingerprint256: 'AA',
          },
        },
        `Host: ${HOST}. is not in the cert's altnames: DNS:block.isp`,
      ),
    ],
    verdict: 'cert-invalid',
    stage: 'tls_handshake',
    failure: 'ssl_invalid_hostname',
    reason:
      `the TLS handshake with ${V4}:443 (SNI ${HOST}) failed: Host: ${HOST}. is not in the cert's ` +
      `altnames: DNS:block.isp; certificate issued by CN=ISP Blockpage CA`,
  },
  {
    name: 'TLS: no answer to the ClientHello',
    checks: [resolve([V4]), connect(V4), tls('generic_timeout_error', { duration_ms: 5000 })],
    verdict: 'timeout',
    stage: 'tls_handshake',
    failure: 'generic_timeout_error',
    reason: `the TLS handshake with ${V4}:443 (SNI ${HOST}) got no answer within 5000 ms`,
  },
  {
    name: 'TLS: protocol failure',
    checks: [resolve([V4]), connect(V4), tls('ssl_failed_handshake')],
    verdict: 'tls-failure',
    stage: 'tls_handshake',
    failure: 'ssl_failed_handshake',
    reason: 'failed: ssl failed handshake',
  },

  // HTTP.
  {
    name: 'HTTP: RST after the request',
    checks: [resolve([V4]), connect(V4), tls(), http(undefined, 'connection_reset')],
    verdict: 'reset',
    stage: 'http_round_trip',
    failure: 'connection_reset',
    reason: `the connection to ${V4}:443 was reset after the HTTP request (Host ${HOST})`,
  },
  {
    name: 'HTTP: no complete response in time',
    checks: [
      resolve([V4]),
      connect(V4),
      tls(),
      http(undefined, 'generic_timeout_error', { duration_ms: 5000.4 }),
    ],
    verdict: 'timeout',
    stage: 'http_round_trip',
    failure: 'generic_timeout_error',
    reason: `no complete HTTP response from ${V4}:443 within 5000 ms`,
  },
  {
    name: 'HTTP: FIN before a complete response',
    checks: [resolve([V4]), connect(V4), tls(), http(undefined, 'eof_error')],
    verdict: 'closed',
    stage: 'http_round_trip',
    failure: 'eof_error',
    reason: `${V4}:443 closed the connection before a complete HTTP response`,
  },
  {
    name: 'HTTP: not HTTP',
    checks: [resolve([V4]), connect(V4), tls(), http(undefined, 'http_protocol_error')],
    verdict: 'http-failure',
    stage: 'http_round_trip',
    failure: 'http_protocol_error',
    reason: `the HTTP request to https://${HOST}/ failed`,
  },

  // Word for word: nothing said that was not seen (no SNI for an IP literal, no certificate, one try).
  {
    name: 'TLS: RST after the ClientHello, one try, no certificate: said exactly',
    checks: [resolve([V4]), connect(V4), tls('connection_reset')],
    verdict: 'reset',
    stage: 'tls_handshake',
    failure: 'connection_reset',
    reason: new RegExp(`^the connection to ${V4}:443 was reset after the TLS ClientHello \\(SNI ${HOST}\\)$`),
  },
  {
    name: 'TLS to an IP literal: no SNI to name',
    target: { ...target(), url: `https://${V4}/`, host: V4 },
    checks: [connect(V4), tls('connection_reset', { sni: undefined })],
    verdict: 'reset',
    stage: 'tls_handshake',
    failure: 'connection_reset',
    reason: new RegExp(`^the connection to ${V4}:443 was reset after the TLS ClientHello$`),
  },
  {
    name: 'TLS to an IP literal, no answer: no SNI to name',
    target: { ...target(), url: `https://${V4}/`, host: V4 },
    checks: [connect(V4), tls('generic_timeout_error', { sni: undefined, duration_ms: 4999.6 })],
    verdict: 'timeout',
    stage: 'tls_handshake',
    failure: 'generic_timeout_error',
    reason: new RegExp(`^the TLS handshake with ${V4}:443 got no answer within 5000 ms$`),
  },
  {
    name: 'TLS to an IP literal, closed: no SNI to name',
    target: { ...target(), url: `https://${V4}/`, host: V4 },
    checks: [connect(V4), tls('eof_error', { sni: undefined })],
    verdict: 'closed',
    stage: 'tls_handshake',
    failure: 'eof_error',
    reason: new RegExp(`^${V4}:443 closed the connection during the TLS handshake$`),
  },
  {
    name: 'TLS: another failure, no certificate: no issuer named',
    checks: [resolve([V4]), connect(V4), tls('ssl_failed_handshake', {}, 'wrong version number')],
    verdict: 'tls-failure',
    stage: 'tls_handshake',
    failure: 'ssl_failed_handshake',
    reason: new RegExp(`^the TLS handshake with ${V4}:443 \\(SNI ${HOST}\\) failed: wrong version number$`),
  },
  {
    name: 'connect: closed at once, one address: said exactly',
    checks: [resolve([V4]), connect(V4, 'eof_error')],
    verdict: 'closed',
    stage: 'connect',
    failure: 'eof_error',
    reason: new RegExp(`^connecting to ${V4}:443 failed: eof error$`),
  },
  {
    name: 'HTTP: not HTTP, one try: said exactly',
    checks: [resolve([V4]), connect(V4), tls(), http(undefined, 'http_protocol_error')],
    verdict: 'http-failure',
    stage: 'http_round_trip',
    failure: 'http_protocol_error',
    reason: new RegExp(`^the HTTP request to https://${HOST}/ failed: http protocol error$`),
  },
  {
    name: "a resolver's connection reset: a reset while resolving",
    checks: [resolve([], 'connection_reset')],
    verdict: 'reset',
    stage: 'resolve',
    failure: 'connection_reset',
    reason: `resolving ${HOST} failed`,
  },

  // The target's own check over fresh connections (tries): some answered is inconsistent.
  {
    name: 'tries: reset in 2 of 3, one got a page -> inconsistent',
    checks: [
      resolve([V4]),
      connect(V4),
      tls('connection_reset'),
      connect(V4, undefined, { try: 2 }),
      tls(undefined, { try: 2 }),
      http(200, undefined, { try: 2 }),
      connect(V4, undefined, { try: 3 }),
      tls('connection_reset', { try: 3 }),
    ],
    verdict: 'inconsistent',
    stage: 'tls_handshake',
    failure: 'connection_reset',
    reason: `reset after the TLS ClientHello (SNI ${HOST}), in 2 of 3 tries; try 2 got HTTP 200`,
  },
  {
    name: 'tries: every try failed, the second at its fresh connection -> the first failure, in all tries',
    checks: [
      resolve([V4]),
      connect(V4),
      tls('connection_reset'),
      connect(V4, 'connection_refused', { try: 2 }),
    ],
    verdict: 'reset',
    stage: 'tls_handshake',
    failure: 'connection_reset',
    reason: `reset after the TLS ClientHello (SNI ${HOST}) (all 2 tries)`,
  },

  // DNS heuristics: raw queries.
  {
    name: 'raw query: two differing replies -> poisoned',
    checks: [
      resolve([FORGED]),
      query('resolver', [reply([FORGED], 2), reply([V4], 31)]),
      connect(FORGED),
      tls('ssl_invalid_hostname', { address: FORGED }),
    ],
    verdict: 'dns-poisoned',
    stage: 'resolve',
    reason: `differing-replies: 2 differing replies to one A query: ${FORGED} after 2 ms; ${V4} after 31 ms`,
    heuristics: ['differing-replies'],
  },
  {
    name: 'two strong heuristics: both named, in order',
    checks: [resolve(['10.0.0.1']), query('resolver', [reply(['10.0.0.1'], 2), reply([V4], 31)])],
    verdict: 'dns-poisoned',
    stage: 'resolve',
    reason: new RegExp(
      `^differing-replies: 2 differing replies to one A query: 10\\.0\\.0\\.1 after 2 ms; \\S+ after 31 ms; ` +
        'impossible-address: answers no public name can have, not dialled: 10\\.0\\.0\\.1 ',
    ),
    heuristics: ['differing-replies', 'impossible-address'],
  },
  {
    name: 'raw query: replies to two sends (new IDs) that differ, a slow CDN resolver -> not poisoned',
    checks: [
      resolve([V4]),
      query('resolver', [{ ...reply([V4], 1400), send: 2 }, reply([V4B], 1500)]),
      ...served(),
    ],
    verdict: 'reachable',
    reason: `HTTP 200 from ${V4}`,
  },
  {
    name: 'raw query: a duplicated reply (same answer twice) -> not poisoned',
    checks: [resolve([V4]), query('resolver', [reply([V4], 3), reply([V4], 4)]), ...served()],
    verdict: 'reachable',
    reason: `HTTP 200 from ${V4}`,
  },
  {
    name: 'raw query: the same addresses in another order -> not poisoned',
    checks: [resolve([V4, V4B]), query('resolver', [reply([V4, V4B], 3), reply([V4B, V4], 4)]), ...served()],
    verdict: 'reachable',
    reason: `HTTP 200 from ${V4}`,
  },
  {
    name: 'sink answered, but the sink is not usable -> ignored',
    checks: [resolve([V4]), query('sink', [reply([FORGED])]), ...served()],
    ctx: { sinkUsable: false },
    verdict: 'reachable',
    reason: `HTTP 200 from ${V4}`,
  },
  {
    name: 'sink answered, and the sink is usable -> poisoned',
    checks: [resolve([FORGED]), query('sink', [reply([FORGED])]), connect(FORGED, 'connection_refused')],
    ctx: { sinkUsable: true },
    verdict: 'dns-poisoned',
    stage: 'resolve',
    reason: `sink-answer: ${SINK}, which runs no DNS server, answered A ${HOST}: ${FORGED} after 3 ms`,
    heuristics: ['sink-answer'],
  },
  {
    name: 'sink usable and silent -> nothing',
    checks: [resolve([V4]), query('sink', []), ...served()],
    ctx: { sinkUsable: true },
    verdict: 'reachable',
    reason: `HTTP 200 from ${V4}`,
  },
  {
    name: 'TXT query answered with an A record -> poisoned (wrong-type)',
    checks: [
      resolve([FORGED]),
      query('wrong_type', [reply([FORGED])], 'TXT'),
      connect(FORGED, 'generic_timeout_error'),
    ],
    verdict: 'dns-poisoned',
    stage: 'resolve',
    reason: `wrong-type: a TXT query was answered with address records: ${FORGED}`,
    heuristics: ['wrong-type'],
  },
  {
    name: 'TXT query answered with TXT only -> nothing',
    checks: [
      resolve([V4]),
      query(
        'wrong_type',
        [{ ...reply([]), answers: [{ type: 'TXT', data: 'v=spf1 -all', ttl: 60 }] }],
        'TXT',
      ),
      ...served(),
    ],
    verdict: 'reachable',
    reason: `HTTP 200 from ${V4}`,
  },

  // Impossible answers (never dialled by the probe, so nothing follows the resolve).
  {
    name: 'resolve: 192.168.1.1 -> poisoned (impossible-address)',
    checks: [resolve(['192.168.1.1'])],
    verdict: 'dns-poisoned',
    stage: 'resolve',
    reason:
      'impossible-address: answers no public name can have, not dialled: 192.168.1.1 (private (RFC 1918))',
    heuristics: ['impossible-address'],
  },
  {
    name: 'resolve: 198.18.0.7 from a resolver that answers anything (a fake-IP proxy) -> a DNS failure, not poisoning',
    checks: [resolve(['198.18.0.7', '198.18.0.8'])],
    ctx: { nxRewrite: ['198.18.0.1'] },
    verdict: 'dns-failure',
    stage: 'resolve',
    failure: 'dns_server_misbehaving',
    reason:
      'every answer (198.18.0.7 198.18.0.8) is an address no public name can have, from a resolver that' +
      ' answers names that do not exist too (a captive portal, a fake-IP proxy?)',
    heuristics: ['impossible-address (weak)'],
  },
  {
    name: 'raw query reply 127.0.0.1 -> poisoned (impossible-address)',
    checks: [resolve([V4]), query('resolver', [reply(['127.0.0.1'])]), connect(V4, 'connection_refused')],
    verdict: 'dns-poisoned',
    stage: 'resolve',
    reason: '127.0.0.1 (loopback)',
    heuristics: ['impossible-address'],
  },
  {
    name: 'resolve: 192.168.1.1 with 192.168.0.0/16 allowed -> a genuine split-horizon answer',
    checks: [resolve(['192.168.1.1']), ...served('192.168.1.1')],
    ctx: { allowed: blockListOf(['192.168.0.0/16']) },
    verdict: 'reachable',
    reason: 'HTTP 200 from 192.168.1.1',
  },

  // The DoH control.
  {
    name:
      'control disagrees and the local address has a certificate for another name -> poisoned ' +
      '(control-mismatch-tls)',
    checks: [
      resolve([FORGED]),
      doh([CONTROL]),
      connect(FORGED),
      tls('ssl_invalid_hostname', { address: FORGED }),
    ],
    verdict: 'dns-poisoned',
    stage: 'resolve',
    reason:
      `control-mismatch-tls: local answer ${FORGED} shares no address with the control's ${CONTROL}, ` +
      `and ${FORGED} has no valid certificate for the name (ssl_invalid_hostname)`,
    heuristics: ['control-mismatch-tls'],
  },
  {
    name: 'control disagrees behind an interception proxy (unknown authority) -> cert-invalid, the mismatch only weak',
    checks: [
      resolve([FORGED]),
      doh([CONTROL]),
      connect(FORGED),
      tls('ssl_unknown_authority', { address: FORGED }),
    ],
    verdict: 'cert-invalid',
    stage: 'tls_handshake',
    failure: 'ssl_unknown_authority',
    reason: 'failed',
    heuristics: ['control-mismatch (weak)'],
  },
  {
    name:
      'the resolver says NXDOMAIN, the control has an address -> dns-nxdomain, with the contradiction ' +
      'as weak evidence',
    checks: [resolve([], 'dns_nxdomain_error'), doh([CONTROL])],
    verdict: 'dns-nxdomain',
    stage: 'resolve',
    failure: 'dns_nxdomain_error',
    reason: 'failed',
    heuristics: ['control-mismatch (weak)'],
  },
  {
    name: 'control disagrees, but TLS is fine (a CDN answering by country) -> reachable',
    checks: [resolve([V4]), doh([CONTROL]), ...served()],
    verdict: 'reachable',
    reason: `HTTP 200 from ${V4}`,
  },
  {
    name: 'control disagrees and TLS times out -> weak evidence only',
    checks: [resolve([V4]), doh([CONTROL]), connect(V4), tls('generic_timeout_error', { duration_ms: 5000 })],
    verdict: 'timeout',
    stage: 'tls_handshake',
    failure: 'generic_timeout_error',
    reason: 'got no answer within 5000 ms',
    heuristics: ['control-mismatch (weak)'],
  },
  {
    name: 'control disagrees and TLS fails for a protocol reason -> weak evidence only',
    checks: [resolve([V4]), doh([CONTROL]), connect(V4), tls('ssl_failed_handshake')],
    verdict: 'tls-failure',
    stage: 'tls_handshake',
    failure: 'ssl_failed_handshake',
    reason: 'failed: ssl failed handshake',
    heuristics: ['control-mismatch (weak)'],
  },
  {
    name: 'control shares one of two local addresses -> no mismatch, the certificate speaks',
    checks: [
      resolve([V4, V4B]),
      doh([CONTROL, V4B]),
      connect(V4),
      tls('ssl_invalid_hostname', { address: V4 }),
    ],
    verdict: 'cert-invalid',
    stage: 'tls_handshake',
    failure: 'ssl_invalid_hostname',
    reason: 'failed: ssl invalid hostname',
  },
  {
    name: 'control shares an address -> no mismatch, the certificate speaks',
    checks: [resolve([V4]), doh([CONTROL, V4]), connect(V4), tls('ssl_unknown_authority')],
    verdict: 'cert-invalid',
    stage: 'tls_handshake',
    failure: 'ssl_unknown_authority',
    reason: 'failed: ssl unknown authority',
  },
  {
    name: 'control failed -> ignored, the certificate speaks',
    checks: [resolve([V4]), doh([], 'generic_timeout_error'), connect(V4), tls('ssl_unknown_authority')],
    verdict: 'cert-invalid',
    stage: 'tls_handshake',
    failure: 'ssl_unknown_authority',
    reason: 'failed: ssl unknown authority',
  },

  // What the run knows: NXDOMAIN rewriting and the forged pool.
  {
    name: "the answer is the resolver's NXDOMAIN-rewrite address -> nxdomain",
    checks: [
      resolve([REWRITE]),
      connect(REWRITE, undefined),
      tls('ssl_invalid_hostname', { address: REWRITE }),
    ],
    ctx: { nxRewrite: [REWRITE] },
    verdict: 'dns-nxdomain',
    stage: 'resolve',
    reason: `the resolver answers ${REWRITE} for names that do not exist, and gave the same here`,
    heuristics: ['nxdomain-rewrite (weak)'],
  },
  {
    name: "the answer is the rewrite address, but it serves the name's valid certificate -> reachable",
    checks: [resolve([REWRITE]), ...served(REWRITE)],
    ctx: { nxRewrite: [REWRITE] },
    verdict: 'reachable',
    reason: `HTTP 200 from ${REWRITE}`,
    heuristics: ['nxdomain-rewrite (weak)'],
  },
  {
    name: 'only some answers are the rewrite address -> no rewrite',
    checks: [resolve([V4, REWRITE]), ...served()],
    ctx: { nxRewrite: [REWRITE] },
    verdict: 'reachable',
    reason: `HTTP 200 from ${V4}`,
  },
  {
    name: 'answer in the forged pool -> weak evidence, the chain decides',
    checks: [resolve([FORGED]), connect(FORGED, 'generic_timeout_error', { duration_ms: 3000 })],
    ctx: { forgedPool: blockListOf(['31.13.0.0/16']) },
    verdict: 'timeout',
    stage: 'connect',
    failure: 'generic_timeout_error',
    reason: `no answer to the SYN to ${FORGED}:443 within 3000 ms`,
    heuristics: ['forged-pool (weak)'],
  },
  {
    name: 'a valid certificate proves the address genuine: strong heuristics stay evidence',
    checks: [resolve([V4]), query('resolver', [reply([FORGED], 2), reply([V4], 31)]), ...served()],
    verdict: 'reachable',
    reason: `HTTP 200 from ${V4}`,
    heuristics: ['differing-replies'],
  },
];

// Each heuristic's detail is what the reader of a dns-poisoned verdict is shown as its proof.
describe('dnsHeuristics, detail for detail', () => {
  const weak = (name: Heuristic['name'], detail: string): Heuristic => ({ name, strong: false, detail });
  const strong = (name: Heuristic['name'], detail: string): Heuristic => ({ name, strong: true, detail });
  const mismatch = `local answer ${FORGED} shares no address with the control's ${CONTROL}`;
  const ROWS: Array<[string, Observation[], Partial<DnsContext>, Heuristic[]]> = [
    [
      'the usable sink answered',
      [query('sink', [reply([FORGED]), reply([], 9, 'NXDOMAIN')])],
      { sinkUsable: true },
      [
        strong(
          'sink-answer',
          `${SINK}, which runs no DNS server, answered A ${HOST}: ${FORGED} after 3 ms; NXDOMAIN after 9 ms`,
        ),
      ],
    ],
    ['the sink answered, but answers canaries too', [query('sink', [reply([FORGED])])], {}, []],
    [
      'the usable sink said only NXDOMAIN',
      [query('sink', [reply([], 3, 'NXDOMAIN')])],
      { sinkUsable: true },
      [],
    ],
    [
      'two replies to one query',
      [query('resolver', [reply([FORGED], 2), reply([], 31, 'NXDOMAIN')])],
      {},
      [
        strong(
          'differing-replies',
          `2 differing replies to one A query: ${FORGED} after 2 ms; NXDOMAIN after 31 ms`,
        ),
      ],
    ],
    [
      'two replies, same addresses in another order',
      [query('resolver', [reply([V4, V4B]), reply([V4B, V4])])],
      {},
      [],
    ],
    [
      'addresses to a TXT query',
      [query('wrong_type', [reply([FORGED]), reply([V4])], 'TXT')],
      {},
      [strong('wrong-type', `a TXT query was answered with address records: ${FORGED} ${V4}`)],
    ],
    [
      'addresses to a TXT query, from a resolver that answers anything',
      [query('wrong_type', [reply([FORGED])], 'TXT')],
      { nxRewrite: [REWRITE] },
      [weak('wrong-type', `a TXT query was answered with address records: ${FORGED}`)],
    ],
    ['no address to a TXT query', [query('wrong_type', [reply([], 3, 'NOERROR')], 'TXT')], {}, []],
    [
      'an impossible address, from the lookup and the raw query alike (said once)',
      [resolve(['0.0.0.0', V4]), query('resolver', [reply(['0.0.0.0'])])],
      {},
      [strong('impossible-address', 'answers no public name can have, not dialled: 0.0.0.0 (unspecified)')],
    ],
    [
      'an impossible address, from a resolver that answers anything',
      [resolve(['0.0.0.0'])],
      { nxRewrite: [REWRITE] },
      [weak('impossible-address', 'answers no public name can have, not dialled: 0.0.0.0 (unspecified)')],
    ],
    [
      'no shared address, nothing dialled',
      [resolve([FORGED]), doh([CONTROL])],
      {},
      [weak('control-mismatch', `${mismatch}; not confirmed by TLS`)],
    ],
    [
      'no shared address, and the wrong name on the certificate there',
      [resolve([FORGED]), doh([CONTROL]), tls('ssl_invalid_hostname', { address: FORGED })],
      {},
      [
        strong(
          'control-mismatch-tls',
          `${mismatch}, and ${FORGED} has no valid certificate for the name (ssl_invalid_hostname)`,
        ),
      ],
    ],
    [
      'no shared address, an unknown authority there (an interception proxy re-signs)',
      [resolve([FORGED]), doh([CONTROL]), tls('ssl_unknown_authority', { address: FORGED })],
      {},
      [weak('control-mismatch', `${mismatch}; not confirmed by TLS`)],
    ],
    [
      'no shared address, a valid certificate there',
      [resolve([FORGED]), doh([CONTROL]), tls(undefined, { address: FORGED })],
      {},
      [],
    ],
    ['one shared address', [resolve([FORGED, CONTROL]), doh([CONTROL])], {}, []],
    ['the control failed', [resolve([FORGED]), doh([CONTROL], 'dns_servfail_error')], {}, []],
    ['the resolver failed otherwise', [resolve([], 'dns_servfail_error'), doh([CONTROL])], {}, []],
    [
      'NXDOMAIN here, addresses from the control',
      [resolve([], 'dns_nxdomain_error'), doh([CONTROL, V4])],
      {},
      [
        weak(
          'control-mismatch',
          `the resolver says the name does not exist; the control answered ${CONTROL} ${V4}`,
        ),
      ],
    ],
    [
      'an answer in the forged-address pool',
      [resolve([FORGED, V4])],
      { forgedPool: blockListOf(['31.13.94.0/24']) },
      [weak('forged-pool', `in the forged-address pool: ${FORGED}`)],
    ],
    [
      'the answer the resolver gives for names that do not exist',
      [resolve([REWRITE])],
      { nxRewrite: [REWRITE] },
      [
        weak(
          'nxdomain-rewrite',
          `the resolver answers ${REWRITE} for names that do not exist, and gave the same here`,
        ),
      ],
    ],
    ['one answer of the rewrite, one other', [resolve([REWRITE, V4])], { nxRewrite: [REWRITE] }, []],
    [
      'no answer at all, from a resolver that rewrites NXDOMAIN',
      [resolve([], 'dns_nxdomain_error')],
      { nxRewrite: [REWRITE] },
      [],
    ],
    [
      'two rewrite addresses, both given here',
      [resolve([REWRITE, '92.242.132.25'])],
      { nxRewrite: [REWRITE, '92.242.132.25'] },
      [
        weak(
          'nxdomain-rewrite',
          `the resolver answers ${REWRITE} 92.242.132.25 for names that do not exist, and gave the same here`,
        ),
      ],
    ],
    [
      'two impossible addresses, two in the forged pool',
      [resolve(['10.0.0.1', '127.0.0.2', FORGED, '31.13.94.42'])],
      { forgedPool: blockListOf(['31.13.94.0/24']) },
      [
        strong(
          'impossible-address',
          'answers no public name can have, not dialled: 10.0.0.1 (private (RFC 1918)), 127.0.0.2 (loopback)',
        ),
        weak('forged-pool', `in the forged-address pool: ${FORGED} 31.13.94.42`),
      ],
    ],
    [
      'two local answers, two from the control, none shared',
      [resolve([FORGED, '31.13.94.42']), doh([CONTROL, V4])],
      {},
      [
        weak(
          'control-mismatch',
          `local answer ${FORGED} 31.13.94.42 shares no address with the control's ${CONTROL} ${V4}; not ` +
            'confirmed by TLS',
        ),
      ],
    ],
    [
      'two replies whose addresses differ though their digits run together',
      [query('resolver', [reply(['1.2.3.4', '56.7.8.9'], 2), reply(['1.2.3.45', '6.7.8.9'], 30)])],
      {},
      [
        strong(
          'differing-replies',
          '2 differing replies to one A query: 1.2.3.4 56.7.8.9 after 2 ms; 1.2.3.45 6.7.8.9 after 30 ms',
        ),
      ],
    ],
    [
      "a private answer from a sink that answers canaries too, or to a TXT query, is not the resolver's",
      [
        resolve([V4]),
        query('sink', [reply(['10.0.0.1'])]),
        query('wrong_type', [reply(['10.0.0.2'])], 'TXT'),
      ],
      {},
      [strong('wrong-type', 'a TXT query was answered with address records: 10.0.0.2')],
    ],
  ];
  it.each(ROWS)('%s', (_name, checks, ctx, heuristics) => {
    expect(dnsHeuristics(checks, context(ctx))).toStrictEqual(heuristics);
  });
});

// The addresses the probe will not dial: what only an early reply gave, when replies to one query differ.
describe('racedAddresses', () => {
  it.each<[string, Observation[], string[]]>([
    ['one reply', [query('resolver', [reply([FORGED])])], []],
    ['the same reply twice', [query('resolver', [reply([V4], 2), reply([V4], 30)])], []],
    [
      'the same addresses in another order',
      [query('resolver', [reply([V4, V4B], 2), reply([V4B, V4], 30)])],
      [],
    ],
    [
      'an injector first, the genuine reply last',
      [query('resolver', [reply([FORGED], 2), reply([V4], 30)])],
      [FORGED],
    ],
    [
      'two injectors, then the genuine reply (sharing one address)',
      [query('resolver', [reply([FORGED], 1), reply([CONTROL, V4], 2), reply([V4], 30)])],
      [FORGED, CONTROL],
    ],
    [
      "a slow resolver's answers to two sends, each another CDN address: not a race",
      [query('resolver', [{ ...reply([V4], 1400), send: 2 }, reply([V4B], 1500)])],
      [],
    ],
    [
      'an injector answering the second send, the genuine reply to it last',
      [
        query('resolver', [
          { ...reply([FORGED], 1335), send: 2 },
          { ...reply([V4], 1360), send: 2 },
        ]),
      ],
      [FORGED],
    ],
    [
      "differing replies to a TXT query are not the resolver's answers",
      [query('wrong_type', [reply([FORGED], 2), reply([], 30)], 'TXT')],
      [],
    ],
  ])('%s', (_name, checks, raced) => {
    expect(racedAddresses(checks)).toStrictEqual(raced);
  });
});

describe('classifyTarget', () => {
  it.each(ROWS)('$name', (row) => {
    const v = classifyTarget(row.target ?? target(), row.checks, context(row.ctx));
    expect({ verdict: v.verdict, stage: v.stage, failure: v.failure }).toStrictEqual({
      verdict: row.verdict,
      stage: row.stage,
      failure: row.failure,
    });
    expect(v.reason).toMatch(row.reason);
    expect(v.heuristics?.map((h) => (h.strong ? h.name : `${h.name} (weak)`))).toStrictEqual(row.heuristics);
    expect(v.evidence).toHaveLength(row.checks.length);
  });

  it('a plain reachable verdict carries nothing it did not find (no blocked-by, families, heuristics)', () => {
    expect(classifyTarget(target(), [resolve([V4]), ...served()], context())).toStrictEqual({
      verdict: 'reachable',
      reason: `HTTP 200 from ${V4} over TLS with a valid certificate`,
      evidence: [
        `resolve ${HOST} via system: ${V4} in 12 ms`,
        `connect ${V4}:443: open in 12 ms`,
        `tls_handshake ${V4}:443 SNI ${HOST}: TLSv1.3 TLS_AES_128_GCM_SHA256 in 12 ms`,
        `http_round_trip GET https://${HOST}/ via ${V4}: HTTP 200, 1234 bytes in 12 ms`,
      ],
    });
  });

  it('writes one evidence line per observation, in order', () => {
    const v = classifyTarget(target(), [resolve([V4]), connect(V4, 'connection_refused')], context());
    expect(v.evidence).toStrictEqual([
      `resolve ${HOST} via system: ${V4} in 12 ms`,
      `connect ${V4}:443: connection_refused (connection refused) in 12 ms`,
    ]);
  });

  // An IPv6 address followed by ":443" reads as another IPv6 address (2606:4700::6812:2007:443 is
  // valid IPv6): reasons and evidence should bracket IPv6 literals, as URLs do.
  const cname = {
    ...reply([], 5),
    answers: [
      { type: 'CNAME', data: 'edge.example', ttl: 60 },
      { type: 'CNAME', data: 'edge2.example', ttl: 60 },
    ],
    truncated: true,
  };
  const timedOut = withFailure('generic_timeout_error', 'resolve');
  const EVIDENCE: Array<[Observation, string]> = [
    [resolve([V4, V4B]), `resolve ${HOST} via system: ${V4} ${V4B} in 12 ms`],
    [
      query('sink', [reply([FORGED, V4])]),
      `dns_query A ${HOST} to the sink ${SINK}: NOERROR ${FORGED} ${V4} after 3 ms (listened 150 ms after the first)`,
    ],
    [
      { ...query('sink', [reply([FORGED])]), ...timedOut },
      `dns_query A ${HOST} to the sink ${SINK}: generic_timeout_error (generic timeout error): NOERROR ${FORGED}` +
        ' after 3 ms (listened 150 ms after the first)',
    ],
    [
      { ...query('sink', []), ...withFailure('dns_refused_error', 'resolve') },
      `dns_query A ${HOST} to the sink ${SINK}: dns_refused_error (dns refused error): no reply` +
        ' (listened 150 ms after the first)',
    ],
    [
      doh([CONTROL, V4]),
      `doh_query A ${HOST} via https://dns.control.example/dns-query: ${CONTROL} ${V4} in 12 ms`,
    ],
    [
      http(200, undefined, { try: 2 }),
      `http_round_trip (try 2) GET https://${HOST}/ via ${V4}: HTTP 200, 1234 bytes in 12 ms`,
    ],
    [
      resolve([], 'dns_nxdomain_error'),
      `resolve ${HOST} via system: dns_nxdomain_error (dns nxdomain error) in 12 ms`,
    ],
    [
      { ...query('sink', []), ...timedOut },
      `dns_query A ${HOST} to the sink ${SINK}: no reply in 12 ms, as it should be`,
    ],
    [
      query('sink', [reply([FORGED])]),
      `dns_query A ${HOST} to the sink ${SINK}: NOERROR ${FORGED} after 3 ms (listened 150 ms after the first)`,
    ],
    [
      { ...query('resolver', [cname, reply([], 7, 'NXDOMAIN')], 'AAAA'), ignored: ['a', 'b'] },
      `dns_query AAAA ${HOST} to ${RESOLVER}: NOERROR (truncated) CNAME edge.example CNAME ` +
        `edge2.example after 5 ms; NXDOMAIN after 7 ms` +
        ' (listened 150 ms after the first); 2 stray packet(s) ignored',
    ],
    [
      { ...query('resolver', []), ...timedOut },
      `dns_query A ${HOST} to ${RESOLVER}: generic_timeout_error (generic timeout error): no reply` +
        ' (listened 150 ms after the first)',
    ],
    [doh([CONTROL]), `doh_query A ${HOST} via https://dns.control.example/dns-query: ${CONTROL} in 12 ms`],
    [doh([]), `doh_query A ${HOST} via https://dns.control.example/dns-query: NOERROR in 12 ms`],
    [
      { ...doh([]), rcode: undefined },
      `doh_query A ${HOST} via https://dns.control.example/dns-query: no answer in 12 ms`,
    ],
    [
      doh([], 'dns_servfail_error'),
      `doh_query A ${HOST} via https://dns.control.example/dns-query: dns_servfail_error (dns servfail error) in 12 ms`,
    ],
    [connect(V6, undefined, { duration_ms: 12.6 }), `connect [${V6}]:443: open in 13 ms`],
    [connect(V4, undefined, { try: 2 }), `connect (try 2) ${V4}:443: open in 12 ms`],
    [connect(V4, undefined, { try: 1 }), `connect ${V4}:443: open in 12 ms`],
    [tls(), `tls_handshake ${V4}:443 SNI ${HOST}: TLSv1.3 TLS_AES_128_GCM_SHA256 in 12 ms`],
    [
      tls(undefined, { version: undefined, cipher: undefined, sni: undefined }),
      `tls_handshake ${V4}:443: TLS in 12 ms`,
    ],
    [
      tls('connection_reset', { purpose: 'decoy', sni: 'www.example.org', shared_from: 't12' }),
      `tls_handshake (decoy, made for t12) ${V4}:443 SNI www.example.org: connection_reset (connection reset) in 12 ms`,
    ],
    [
      tls(undefined, { purpose: 'sni_probe', cipher: undefined }),
      `tls_handshake (sni probe) ${V4}:443 SNI ${HOST}: TLSv1.3 in 12 ms`,
    ],
    [
      http(302, undefined, { location: 'http://warning.example/', body_bytes: 0 }),
      `http_round_trip GET https://${HOST}/ via ${V4}: HTTP 302 -> http://warning.example/, 0 bytes in 12 ms`,
    ],
    [
      http(200, undefined, {
        body_bytes: 65536,
        body_truncated: true,
        title: 'News',
        host_header: 'other.example',
      }),
      `http_round_trip GET https://${HOST}/ (Host other.example) via ${V4}: HTTP 200, 65536 bytes ` +
        `(capped), title "News" in 12 ms`,
    ],
    [
      http(undefined, 'connection_reset'),
      `http_round_trip GET https://${HOST}/ via ${V4}: connection_reset (connection reset) in 12 ms`,
    ],
    [
      http(403, 'eof_error'),
      `http_round_trip GET https://${HOST}/ via ${V4}: HTTP 403, eof_error (eof error) in 12 ms`,
    ],
  ];
  it.each(EVIDENCE.map(([o, line]) => [line, o] as const))('evidence: %s', (line, observation) => {
    expect(classifyTarget(target(), [observation], context()).evidence).toStrictEqual([line]);
  });

  it('brackets an IPv6 address before its port in the reason', () => {
    const v = classifyTarget(target(), [resolve([V6]), connect(V6, 'connection_refused')], context());
    expect(v.reason).toBe(
      `a RST answered the SYN to [${V6}]:443 (connection refused, as a closed port answers too)`,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// What the block is keyed on. The decoy (another name, same IP:port) runs first from 0 ms; the
// target's own check starts at 40 ms on a fresh connection, when the decoy is done or has stayed
// silent past its grace.

const at = (started_ms: number, duration_ms: number) => ({ started_ms, duration_ms });
const decoy = (f: FailureString | undefined, end: number): TlsObservation =>
  tls(f, { purpose: 'decoy', sni: 'www.example.org', ...at(0, end) });
const ownReset = (): Observation[] => [
  connect(V4, undefined, { try: 1, ...at(40, 1) }),
  tls('connection_reset', at(41, 2)),
];
const dialled = (): Observation[] => [resolve([V4]), connect(V4, undefined, at(0, 1))];
const plainGet = (f: FailureString | undefined, start: number, more: Partial<HttpObservation> = {}) =>
  http(f ? undefined : 200, f, { port: 80, url: `http://${HOST}/`, ...at(start, 2), ...more });
const httpDecoy = (f: FailureString | undefined, end: number) =>
  plainGet(f, 0, { purpose: 'decoy', host_header: 'www.example.org', duration_ms: end });

const BLOCKED_BY: Array<{ name: string; checks: Observation[]; target?: Target; by: string | undefined }> = [
  {
    name: 'the decoy passed, the name was reset: sni',
    checks: [...dialled(), decoy(undefined, 30), ...ownReset()],
    by: 'sni',
  },
  {
    name: 'the decoy was reset too, before the own check: ip',
    checks: [...dialled(), decoy('connection_reset', 30), ...ownReset()],
    by: 'ip',
  },
  {
    name: 'the decoy was reset only after the own check began (its block may be the echo): unknown',
    checks: [...dialled(), decoy('connection_reset', 60), ...ownReset()],
    by: 'unknown',
  },
  {
    name: 'the decoy was silent from the start and timed out: ip',
    checks: [...dialled(), decoy('generic_timeout_error', 1000), ...ownReset()],
    by: 'ip',
  },
  {
    name: 'the server closed the decoy (a name it does not serve): unknown',
    checks: [...dialled(), decoy('eof_error', 10), ...ownReset()],
    by: 'unknown',
  },
  {
    name: 'an IP literal sends no SNI: a decoy that passed says nothing of a name, unknown',
    target: { ...target(), url: `https://${V4}/`, host: V4 },
    checks: [connect(V4, undefined, at(0, 1)), decoy(undefined, 30), ...ownReset()],
    by: 'unknown',
  },
  { name: 'no decoy: unknown', checks: [...dialled(), tls('connection_reset', at(1, 2))], by: 'unknown' },
  {
    name: 'a RST to the SYN: not said without a control (a closed port refuses too)',
    checks: [resolve([V4]), connect(V4, 'connection_refused')],
    by: undefined,
  },
  {
    name: 'no answer to the SYN: ip',
    checks: [resolve([V4]), connect(V4, 'generic_timeout_error')],
    by: 'ip',
  },
  {
    name: 'an SNI probe to a clean server passed with the name: unknown',
    checks: [
      ...dialled(),
      decoy(undefined, 30),
      ...ownReset(),
      tls(undefined, { purpose: 'sni_probe', address: '203.0.113.9', ...at(50, 5) }),
    ],
    by: 'unknown',
  },
  {
    name: 'the decoy passed, the name timed out: sni',
    checks: [...dialled(), decoy(undefined, 30), tls('generic_timeout_error', at(41, 5000))],
    by: 'sni',
  },
  {
    name: 'the decoy passed, the name was closed: sni',
    checks: [...dialled(), decoy(undefined, 30), tls('eof_error', at(41, 2))],
    by: 'sni',
  },
  {
    name: 'the decoy passed, the name reset in some tries only (inconsistent): sni',
    checks: [
      ...dialled(),
      decoy(undefined, 30),
      ...ownReset(),
      connect(V4, undefined, { try: 2, ...at(50, 1) }),
      tls(undefined, { try: 2, ...at(51, 2) }),
      http(200, undefined, { try: 2, ...at(53, 2) }),
    ],
    by: 'sni',
  },
  {
    name: 'the decoy failed its handshake otherwise (an answer, not a block): sni',
    checks: [...dialled(), decoy('ssl_failed_handshake', 30), ...ownReset()],
    by: 'sni',
  },
  {
    name: 'an SNI probe to a clean server was blocked too: sni',
    checks: [
      ...dialled(),
      decoy(undefined, 30),
      ...ownReset(),
      tls('connection_reset', { purpose: 'sni_probe', address: '203.0.113.9', ...at(50, 5) }),
    ],
    by: 'sni',
  },
  {
    name: 'the decoy reset ended within a tenth of a millisecond of the own check: before it, ip',
    checks: [...dialled(), tls('connection_reset', { purpose: 'decoy', ...at(0, 40.1) }), ...ownReset()],
    by: 'ip',
  },
  {
    name: 'the decoy reset ended two tenths after the own check began: unknown',
    checks: [...dialled(), tls('connection_reset', { purpose: 'decoy', ...at(0, 40.2) }), ...ownReset()],
    by: 'unknown',
  },
  {
    name: "the decoy reset ended after the own check's fresh connection opened, before its TLS: unknown",
    checks: [...dialled(), tls('connection_reset', { purpose: 'decoy', ...at(0, 40.5) }), ...ownReset()],
    by: 'unknown',
  },
  {
    name: 'the first try (no fresh connection) began before the decoy was reset: unknown',
    checks: [...dialled(), decoy('connection_reset', 60), tls('connection_reset', at(41, 2))],
    by: 'unknown',
  },
  {
    name: 'https: a RST after the request (the Host travels encrypted): unknown, even beside a decoy that passed',
    checks: [
      ...dialled(),
      http(200, undefined, { purpose: 'decoy', host_header: 'www.example.org', ...at(0, 30) }),
      tls(undefined, at(41, 2)),
      http(undefined, 'connection_reset', at(43, 2)),
    ],
    by: 'unknown',
  },
  {
    name: 'http: the decoy Host got a page, the name was reset: host',
    target: target('http'),
    checks: [...dialled(), httpDecoy(undefined, 30), plainGet('connection_reset', 41)],
    by: 'host',
  },
  {
    name: 'http to an IP literal: the Host still travels in clear, host',
    target: { ...target('http'), url: `http://${V4}/`, host: V4 },
    checks: [connect(V4, undefined, at(0, 1)), httpDecoy(undefined, 30), plainGet('connection_reset', 41)],
    by: 'host',
  },
  {
    name: 'http: the decoy Host was reset too, before the request: ip',
    target: target('http'),
    checks: [...dialled(), httpDecoy('connection_reset', 30), plainGet('connection_reset', 41)],
    by: 'ip',
  },
  {
    name: 'http: the decoy Host was reset after the request went out: unknown',
    target: target('http'),
    checks: [...dialled(), httpDecoy('connection_reset', 60), plainGet('connection_reset', 41)],
    by: 'unknown',
  },
  {
    name: "a resolver's connection reset: nothing keyed on (a block of DNS is no block of the address)",
    checks: [resolve([], 'connection_reset')],
    by: undefined,
  },
  {
    name: 'reachable: none',
    checks: [
      ...dialled(),
      decoy(undefined, 30),
      connect(V4, undefined, { try: 1, ...at(40, 1) }),
      tls(undefined, at(41, 2)),
      http(200, undefined, at(43, 2)),
    ],
    by: undefined,
  },
];

// An application with happy eyeballs uses the family that connects: the verdict is that one's, and
// the reader is told the other failed (no route over IPv6 being this machine's, not a censor's).
describe('IPv4 and IPv6 judged apart', () => {
  const via = 'over TLS with a valid certificate';
  it.each<[string, Observation[], Verdict['families'], string]>([
    [
      'IPv4 works, IPv6 has no route from here',
      [resolve([V4, V6]), connect(V6, 'network_unreachable'), ...served(V4)],
      {
        ipv4: { addresses: [V4], open: true },
        ipv6: { addresses: [V6], open: false, failure: 'network_unreachable' },
      },
      `HTTP 200 from ${V4} ${via}; IPv4 connects while IPv6 fails (network_unreachable: no route from here, ` +
        'not censorship)',
    ],
    [
      'IPv4 dropped, IPv6 works',
      [resolve([V4, V6]), connect(V4, 'generic_timeout_error'), ...served(V6)],
      {
        ipv4: { addresses: [V4], open: false, failure: 'generic_timeout_error' },
        ipv6: { addresses: [V6], open: true },
      },
      `HTTP 200 from ${V6} ${via}; IPv4 fails (generic_timeout_error) while IPv6 connects`,
    ],
    [
      'both work: no note',
      [resolve([V4, V6]), connect(V6), ...served(V4)],
      { ipv4: { addresses: [V4], open: true }, ipv6: { addresses: [V6], open: true } },
      `HTTP 200 from ${V4} ${via}`,
    ],
    [
      'both fail: the most telling failure of each, no note',
      [
        resolve([V4, V4B, V6]),
        connect(V4, 'generic_timeout_error'),
        connect(V4B, 'connection_refused'),
        connect(V6, 'host_unreachable'),
      ],
      {
        ipv4: { addresses: [V4, V4B], open: false, failure: 'connection_refused' },
        ipv6: { addresses: [V6], open: false, failure: 'host_unreachable' },
      },
      `a RST answered the SYN to ${V4B}:443 (connection refused, as a closed port answers too) (all 3 ` +
        'addresses failed)',
    ],
    [
      'both fail: a RST outranks a later timeout, and of two RSTs the first speaks',
      [
        resolve([V4, V4B, V6]),
        connect(V4, 'connection_refused'),
        connect(V4B, 'generic_timeout_error'),
        connect(V6, 'connection_reset'),
        connect('2606:4700::6812:2008', 'connection_refused'),
      ],
      {
        ipv4: { addresses: [V4, V4B], open: false, failure: 'connection_refused' },
        ipv6: { addresses: [V6, '2606:4700::6812:2008'], open: false, failure: 'connection_reset' },
      },
      `a RST answered the SYN to ${V4}:443 (connection refused, as a closed port answers too) (all 4 ` +
        'addresses failed)',
    ],
    [
      'one IPv4 address of two opens: IPv4 connects',
      [
        resolve([V4B, V4, V6]),
        connect(V4B, 'generic_timeout_error'),
        connect(V6, 'generic_timeout_error'),
        ...served(V4),
      ],
      {
        ipv4: { addresses: [V4B, V4], open: true },
        ipv6: { addresses: [V6], open: false, failure: 'generic_timeout_error' },
      },
      `HTTP 200 from ${V4} ${via}; IPv4 connects while IPv6 fails (generic_timeout_error)`,
    ],
    [
      'IPv4 only: not judged apart',
      [resolve([V4, V4B]), connect(V4B), ...served(V4)],
      undefined,
      `HTTP 200 from ${V4} ${via}`,
    ],
  ])('%s', (_name, checks, families, reason) => {
    const v = classifyTarget(target(), checks, context());
    expect(v.families).toStrictEqual(families);
    expect(v.reason).toBe(reason);
  });
});

describe('blocked-by', () => {
  it.each(BLOCKED_BY)('$name', (row) => {
    expect(classifyTarget(row.target ?? target(), row.checks, context()).blockedBy).toBe(row.by);
  });
});

describe('lingering (--residual-check)', () => {
  // The own check ends at 43 ms; innocuous checks (the decoy's name) follow on the same IP:port.
  const residual = (f: FailureString | undefined, start: number): Observation[] => [
    connect(V4, undefined, { purpose: 'residual_check', ...at(start, 1) }),
    tls(f, { purpose: 'residual_check', sni: 'www.example.org', ...at(start + 1, 2) }),
  ];
  const checked = (...later: Observation[]) =>
    classifyTarget(target(), [...dialled(), decoy(undefined, 30), ...ownReset(), ...later], context());

  it('the last innocuous check still blocked: how long after the block, and how many were made', () => {
    const v = checked(...residual('connection_reset', 543), ...residual('connection_reset', 1543));
    expect(v.lingering).toStrictEqual({ still_blocked: true, after_ms: 1501, checks: 2 });
    expect(v.reason).toMatch(/; innocuous checks were still blocked 1\.5 s later$/);
    expect(v.verdict).toBe('reset');
  });

  it('the last innocuous check passed again', () => {
    const v = checked(...residual('connection_reset', 543), ...residual(undefined, 2543));
    expect(v.lingering).toStrictEqual({ still_blocked: false, after_ms: 2501, checks: 2 });
    expect(v.reason).toMatch(/; innocuous checks passed again 2\.5 s later$/);
  });

  it('measured from the end of the own check, its HTTP step included', () => {
    const own = [
      connect(V4, undefined, { try: 1, ...at(40, 1) }),
      tls(undefined, at(41, 2)),
      http(undefined, 'connection_reset', at(43, 7)),
    ];
    const v = classifyTarget(
      target(),
      [...dialled(), ...own, ...residual('connection_reset', 550)],
      context(),
    );
    expect(v.lingering).toStrictEqual({ still_blocked: true, after_ms: 501, checks: 1 });
    expect(v.reason).toMatch(/; innocuous checks were still blocked 0\.5 s later$/);
  });

  it('after a block at connect: from the end of the dropped SYN, one check per residual connect', () => {
    const dropped = (start: number) =>
      connect(V4, 'generic_timeout_error', { purpose: 'residual_check', ...at(start, 3000) });
    const v = classifyTarget(
      target(),
      [resolve([V4]), connect(V4, 'generic_timeout_error', at(0, 3000)), dropped(3500), dropped(7000)],
      context(),
    );
    expect(v.lingering).toStrictEqual({ still_blocked: true, after_ms: 4000, checks: 2 });
  });

  it('a residual TLS check that failed its handshake otherwise is not still blocked', () => {
    const v = checked(...residual('ssl_failed_handshake', 1043));
    expect(v.lingering).toStrictEqual({ still_blocked: false, after_ms: 1001, checks: 1 });
  });

  it('none made: no lingering', () => {
    expect(checked().lingering).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------

describe('impossibleReason', () => {
  it.each<[string, string | undefined]>([
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'], // an IPv4-mapped forgery in an AAAA answer
    ['10.1.2.3', 'private (RFC 1918)'],
    ['11.0.0.1', undefined], // just past 10.0.0.0/8
    ['172.15.255.255', undefined], // just before 172.16.0.0/12
    ['172.16.0.1', 'private (RFC 1918)'],
    ['172.31.255.255', 'private (RFC 1918)'],
    ['172.32.0.1', undefined], // just past 172.16.0.0/12: public
    ['192.168.0.1', 'private (RFC 1918)'],
    ['192.169.0.1', undefined], // just past 192.168.0.0/16
    ['100.63.255.255', undefined], // just before 100.64.0.0/10
    ['100.64.0.1', 'shared address space (RFC 6598)'],
    ['100.128.0.1', undefined], // just past 100.64.0.0/10
    ['169.254.1.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['fd00::1', 'unique local (RFC 4193)'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['2001:0:4136:e378::1', 'Teredo'],
    ['::127.0.0.1', 'reserved'], // IPv4-compatible IPv6, never routed
    ['64:ff9b::a9fe:a9fe', 'link-local through NAT64'], // 169.254.169.254 behind a NAT64 gateway
    ['64:ff9b::127.0.0.1', 'loopback through NAT64'],
    ['64:ff9b::808:808', undefined], // 8.8.8.8 behind one: public
    ['64:ff9b:1::808:808', 'local-use NAT64 (RFC 8215)'], // not globally reachable, whatever it carries
    ['2002:7f00:1::1', 'loopback through 6to4'],
    ['2002:a9fe:a9fe::', 'link-local through 6to4'],
    ['2002:808:808::1', undefined], // 6to4 of 8.8.8.8: public
    ['::ffff:0:7f00:1', 'loopback through IPv4-translated'], // ::ffff:0:0:0/96 (SIIT)
    ['::ffff:0:a00:1', 'private (RFC 1918) through IPv4-translated'],
    ['::ffff:0:808:808', undefined],
    ['::ffff:10.0.0.1', 'private (RFC 1918)'], // IPv4-mapped, judged as the IPv4 address inside
    ['::ffff:8.8.8.8', undefined],
    ['fec0::1', 'site-local (deprecated)'],
    ['feff:ffff::1', 'site-local (deprecated)'], // the end of fec0::/10
    ['ff00::1', 'multicast'], // fe80::/10, fec0::/10 and ff00::/8 leave nothing between them
    ['100::1', 'discard-only'],
    ['100::ffff:ffff:ffff:ffff', 'discard-only'],
    ['100:0:0:1::1', 'reserved'], // the dummy prefix, next to the discard-only one
    ['100:0:0:2::1', undefined],
    ['192.88.99.1', 'reserved'], // the former 6to4 relay anycast
    ['5f00::1', 'reserved'], // SRv6 segment identifiers
    ['2001:10::1', 'reserved'], // ORCHID
    ['2001:2::1', 'benchmarking'],
    ['2001:3::1', undefined], // AMT: globally reachable, and outside Teredo's 2001::/32
    ['3fff::1', 'documentation'],
    ['3fff:0fff:ffff::1', 'documentation'],
    ['3fff:1000::1', undefined], // just past 3fff::/20
    ['8.8.8.8', undefined],
    ['149.154.167.51', undefined],
    ['2a03:2880::1', undefined],
    ['not-an-address', undefined],
    // net.isIPv6 takes it; a SocketAddress cannot hold it
    ['0000:0000:0000:0000:0000:ffff:255.255.255.255%eth0', undefined],
  ])('%s -> %s', (address, label) => {
    expect(impossibleReason(address, NONE)).toBe(label);
  });

  it.each<[string, string[], string | undefined]>([
    ['192.168.0.1', ['192.168.0.0/16'], undefined],
    ['10.1.2.3', ['10.1.2.3'], undefined],
    ['10.1.2.4', ['10.1.2.3'], 'private (RFC 1918)'],
    ['10.1.2.3', ['192.168.0.0/16'], 'private (RFC 1918)'],
    ['fd00::1', ['fc00::/7'], undefined],
    ['64:ff9b:1::808:808', ['64:ff9b:1::/48'], undefined], // a helper behind a local-use NAT64
    ['64:ff9b:1::7f00:1', ['64:ff9b:1::/48'], 'loopback through local-use NAT64'],
  ])('%s with %j allowed -> %s', (address, allowed, label) => {
    expect(impossibleReason(address, blockListOf(allowed))).toBe(label);
  });

  // Documentation and benchmarking ranges are never a public name's real address (OONI's bogon list
  // has all of them). Today only the ranges above are listed, so these pass as genuine.
  it.each(['2001:db8::1', '192.0.2.1', '198.51.100.1', '203.0.113.1'])(
    '%s (documentation) is impossible',
    (address) => {
      expect(impossibleReason(address, NONE)).toEqual(expect.any(String));
    },
  );
});

// ---------------------------------------------------------------------------------------------

describe('run context (src/classify/run.ts)', () => {
  it.each<[VerdictName, boolean]>([
    ['reachable', true],
    ['connected', true],
    ['reset', false],
    ['timeout', false],
    ['dns-poisoned', false],
    ['vantage-offline', false],
  ])('isSuccess(%s) -> %s', (verdict, success) => {
    expect(isSuccess(verdict)).toBe(success);
  });

  it.each<[string, VerdictName[], Vantage]>([
    ['no domestic control', [], 'unknown'],
    ['one reachable', ['reachable'], 'online'],
    ['one failed, one reachable', ['timeout', 'reachable'], 'online'],
    ['a tcp control connected', ['connected'], 'online'],
    ['every control failed', ['timeout', 'dns-failure', 'reset'], 'offline'],
    ['a single failed control', ['unreachable'], 'offline'],
  ])('vantageOf: %s -> %s', (_name, controls, vantage) => {
    expect(vantageOf(controls)).toBe(vantage);
  });

  const measured = (verdict: VerdictName): Verdict => ({
    verdict,
    stage: 'connect',
    failure: 'connection_refused',
    reason: `a RST answered the SYN to ${V4}:443`,
    evidence: ['connect ...'],
  });

  it.each<[VerdictName, Vantage]>([
    ['reset', 'offline'],
    ['timeout', 'offline'],
    ['dns-poisoned', 'offline'],
    ['error', 'offline'],
  ])('inContext: %s while %s -> vantage-offline, keeping what was measured', (verdict, vantage) => {
    const v = measured(verdict);
    expect(inContext(v, { vantage, ipv6: 'unknown' }, [connect(V4, 'connection_refused')])).toStrictEqual({
      ...v,
      verdict: 'vantage-offline',
      measured: verdict,
    });
  });

  it.each<[VerdictName, Vantage]>([
    ['reachable', 'offline'],
    ['connected', 'offline'],
    ['reset', 'online'],
    ['reset', 'unknown'],
    ['reachable', 'online'],
  ])('inContext: %s while %s -> unchanged', (verdict, vantage) => {
    const v = measured(verdict);
    expect(inContext(v, { vantage, ipv6: 'works' }, [connect(V4, 'connection_refused')])).toBe(v);
  });

  it.each<[string, boolean[], 'works' | 'broken' | 'unknown']>([
    ['no domestic control dialled IPv6', [], 'unknown'],
    ['the one control over IPv6 failed', [false], 'broken'],
    ['two of three failed', [false, true, false], 'broken'],
    ['one of two failed (not most)', [false, true], 'works'],
    ['all opened', [true, true], 'works'],
  ])('ipv6Of: %s -> %s', (_name, opened, state) => {
    expect(ipv6Of(opened)).toBe(state);
  });

  it.each<[string, ConnectObservation[], boolean | undefined]>([
    ['no IPv6 address dialled', [connect(V4)], undefined],
    ['the IPv6 address timed out', [connect(V4), connect(V6, 'generic_timeout_error')], false],
    ['the IPv6 address opened', [connect(V4, 'generic_timeout_error'), connect(V6)], true],
    ["a try's fresh connection is not a dial", [connect(V4), connect(V6, undefined, { try: 1 })], undefined],
    ['one IPv6 address of two opened', [connect(V6, 'generic_timeout_error'), connect('2606:4700::1')], true],
  ])('ipv6Opened: %s -> %s', (_name, checks, opened) => {
    expect(ipv6Opened(checks)).toBe(opened);
  });

  const BROKEN = { vantage: 'online', ipv6: 'broken' } as const;

  it('without working IPv6 here, a timeout over IPv6 alone is unreachable, not a block', () => {
    const v: Verdict = { ...measured('timeout'), failure: 'generic_timeout_error', blockedBy: 'ip' };
    const got = inContext(v, BROKEN, [connect(V6, 'generic_timeout_error')]);
    expect(got).toMatchObject({ verdict: 'unreachable', measured: 'timeout', stage: 'connect' });
    expect(got.blockedBy).toBeUndefined();
    expect(got.reason).toMatch(/IPv6 does not work from this vantage point/);
    expect(inContext(v, { ...BROKEN, ipv6: 'works' }, [connect(V6, 'generic_timeout_error')])).toBe(v);
  });

  it('offline, a dual-stack target that got through stays reachable', () => {
    const v: Verdict = {
      verdict: 'reachable',
      reason: 'HTTP 200',
      evidence: [],
      families: {
        ipv4: { addresses: [V4], open: true },
        ipv6: { addresses: [V6], open: true },
      },
    };
    expect(inContext(v, { vantage: 'offline', ipv6: 'works' }, [connect(V4), connect(V6)])).toBe(v);
  });

  it('without working IPv6 here, an IPv4 failure still counts', () => {
    const v = measured('timeout');
    const checks = [connect(V4, 'generic_timeout_error'), connect(V6, 'generic_timeout_error')];
    expect(inContext(v, BROKEN, checks)).toBe(v);
    expect(inContext(v, BROKEN, [connect(V4, 'generic_timeout_error')])).toBe(v);
  });

  it('without working IPv6 here, a dual-stack target reachable over IPv4 says its IPv6 failure is local', () => {
    const v: Verdict = {
      verdict: 'reachable',
      reason: 'HTTP 200',
      evidence: [],
      families: {
        ipv4: { addresses: [V4], open: true },
        ipv6: { addresses: [V6], open: false, failure: 'generic_timeout_error' },
      },
    };
    const got = inContext(v, BROKEN, [connect(V4), connect(V6, 'generic_timeout_error')]);
    expect(got.verdict).toBe('reachable');
    expect(got.reason).toMatch(/^HTTP 200; IPv6 does not work from this vantage point/);
  });

  it.each<[VerdictName, VerdictName | undefined, boolean]>([
    ['reachable', undefined, true],
    ['connected', undefined, true],
    ['reset', undefined, false],
    ['vantage-offline', undefined, false],
    ['reset', 'reset', true],
    ['dns-poisoned', 'dns-poisoned', true],
    ['reachable', 'reset', false],
    ['timeout', 'reset', false],
    ['vantage-offline', 'reset', false],
  ])('meetsExpectation(%s, expect %s) -> %s', (verdict, expected, met) => {
    expect(meetsExpectation(verdict, expected)).toBe(met);
  });

  it.each<[Blocking, ExpectedBlocking | undefined, boolean, boolean]>([
    ['tcp_ip', 'tcp_ip', true, true],
    ['dns', 'tcp_ip', true, false],
    [null, 'tcp_ip', true, false], // the control is missing: nothing was compared
    ['dns', 'tcp_ip', false, true], // no helper in this run: nothing to compare
    ['dns', undefined, true, true],
  ])('meetsBlocking(%s, expect %s, helper %s) -> %s', (blocking, expected, withHelper, met) => {
    expect(meetsBlocking(blocking, expected, withHelper)).toBe(met);
  });

  it.each<[boolean | null, boolean | undefined, boolean, boolean]>([
    [false, false, true, true],
    [true, false, true, false],
    [null, false, true, false], // the control is missing: nothing was compared
    [true, false, false, true], // no helper in this run: nothing to compare
    [true, undefined, true, true],
  ])('meetsAccessible(%s, expect %s, helper %s) -> %s', (accessible, expected, withHelper, met) => {
    expect(meetsAccessible(accessible, expected, withHelper)).toBe(met);
  });

  it.each<[VerdictName, VerdictName, boolean]>([
    ['vantage-offline', 'reset', true],
    ['unreachable', 'timeout', true],
    ['unreachable', 'unreachable', false], // measured so: a verdict of its own
    ['down', 'reset', false], // the helper's comparison: it says something
    ['reset', 'reset', false],
  ])('contextSaysNothing(%s, measured %s) -> %s', (now, was, nothing) => {
    const v = (verdict: VerdictName): Verdict => ({ verdict, reason: 'r', evidence: [] });
    expect(contextSaysNothing(v(now), v(was))).toBe(nothing);
  });

  it.each<[QuicVerdictName | undefined, QuicVerdictName | undefined, boolean]>([
    ['timeout', 'timeout', true],
    ['reachable', 'timeout', false],
    [undefined, 'timeout', true], // not measured over QUIC
    ['timeout', undefined, true],
  ])('meetsQuic(%s, expect %s) -> %s', (verdict, expected, met) => {
    expect(meetsQuic(verdict, expected)).toBe(met);
  });
});
