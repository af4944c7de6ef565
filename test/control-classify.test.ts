// The comparison with the helper's control, table by table: observations measured here (classified
// as `check` does) and what the helper saw abroad in; verdict, OONI's `blocking` and `accessible`,
// and the reason out. Then the page comparison's measures one by one.
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { compareWithControl, describeControl } from '../src/classify/control.js';
import {
  bodyProportion,
  pageDifferences,
  titleMatch,
  uncommonHeadersMatch,
} from '../src/classify/http-diff.js';
import { classifyTarget } from '../src/classify/target.js';
import type { Blocking, Control, ControlHttp, ControlTls } from '../src/model/control.js';
import type { FailureString, Operation } from '../src/model/failure.js';
import type {
  CertificateSummary,
  ConnectObservation,
  HttpObservation,
  Observation,
  TlsObservation,
} from '../src/model/observation.js';
import type { Scheme, Target } from '../src/model/target.js';
import type { VerdictName } from '../src/model/verdict.js';

const HOST = 'site.example';
const HERE = '104.18.32.7'; // what the resolver here answered
const THERE = '151.101.65.69'; // what the helper's resolver answered (a CDN's other address)

const target = (scheme: Scheme = 'https'): Target => ({
  name: 't',
  service: 'S',
  url: `${scheme}://${HOST}/`,
  scheme,
  host: HOST,
  port: scheme === 'https' ? 443 : 80,
  path: '/',
  tags: [],
  source: { file: 'targets/t.yaml', line: 1 },
});

const fail = (failure: FailureString, operation: Operation) => ({
  failure: { failure, operation, message: failure },
});
const t0 = { started_ms: 0, duration_ms: 10 };

const cert = (issuer: string, fingerprint256: string): CertificateSummary => ({
  subject: `CN=${HOST}`,
  issuer,
  valid_from: 'Jan 1 00:00:00 2026 GMT',
  valid_to: 'Jan 1 00:00:00 2027 GMT',
  subject_alt_names: `DNS:${HOST}`,
  fingerprint256,
});
const REAL = cert("CN=Let's Encrypt R11", 'AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99');
const FAKE = cert('CN=Security Certificate', '11:22:33:44:55:66:77:88:99:00:AA:BB:CC:DD:EE:FF');

type Local = Observation[];
const resolved = (addresses = [HERE], f?: FailureString): Observation => ({
  check: 'resolve',
  host: HOST,
  resolver: 'system',
  addresses: f ? [] : addresses,
  ...t0,
  ...(f ? fail(f, 'resolve') : {}),
});
const dialled = (f?: FailureString, address = HERE): ConnectObservation => ({
  check: 'connect',
  address,
  port: 443,
  ...t0,
  ...(f ? fail(f, 'connect') : {}),
});
const handshake = (f?: FailureString, certificate?: CertificateSummary): TlsObservation => ({
  check: 'tls_handshake',
  address: HERE,
  port: 443,
  sni: HOST,
  ...t0,
  ...(f ? fail(f, 'tls_handshake') : { version: 'TLSv1.3' }),
  ...(certificate ? { certificate } : {}),
});
const page = (extra: Partial<HttpObservation> = {}, f?: FailureString): HttpObservation => ({
  check: 'http_round_trip',
  address: HERE,
  port: 80,
  url: `http://${HOST}/`,
  ...t0,
  body_bytes: 5000,
  body_truncated: false,
  ...(f
    ? fail(f, 'http_round_trip')
    : {
        status: 200,
        title: 'Site - news',
        header_names: ['content-type', 'x-site-id'],
        body_sha256: 'a'.repeat(64),
      }),
  ...extra,
});

const rawQuery = (purpose: 'resolver' | 'sink', replies: string[][]): Observation => ({
  check: 'dns_query',
  purpose,
  host: HOST,
  query_type: 'A',
  server: purpose === 'sink' ? '192.0.2.1' : '9.9.9.9',
  window_ms: 150,
  replies: replies.map((addresses, i) => ({
    from: '9.9.9.9:53',
    after_ms: 2 + i,
    rcode: 'NOERROR',
    answers: [],
    addresses,
  })),
  ignored: [],
  ...t0,
});
const doh = (addresses: string[]): Observation => ({
  check: 'doh_query',
  host: HOST,
  query_type: 'A',
  url: 'https://dns.control.example/dns-query',
  rcode: 'NOERROR',
  addresses,
  ...t0,
});

const control = (parts: Partial<Control> = {}): Control => ({
  type: 'control',
  name: 't',
  url: `https://${HOST}/`,
  dns: { addresses: [THERE] },
  tcp: [
    { address: THERE, port: 443 },
    { address: HERE, port: 443 },
  ],
  duration_ms: 50,
  ...parts,
});
const tlsOk = (certificate = REAL): ControlTls => ({
  address: THERE,
  port: 443,
  handshake: true,
  version: 'TLSv1.3',
  certificate,
  trusted: true,
  valid_for_name: true,
});
const pageAbroad = (extra: Partial<ControlHttp> = {}): ControlHttp => ({
  address: THERE,
  port: 80,
  status: 200,
  body_bytes: 5100,
  body_truncated: false,
  title: 'Site - news',
  header_names: ['content-type', 'x-site-id'],
  body_sha256: 'b'.repeat(64),
  ...extra,
});
const NO_DNS_CONTEXT = {
  sinkUsable: false,
  forgedPool: new net.BlockList(),
  allowed: new net.BlockList(),
  nxRewrite: [],
};

interface Row {
  what: string;
  scheme?: Scheme;
  local: Local;
  control?: Control;
  verdict: VerdictName;
  blocking: Blocking;
  accessible: boolean | null;
  reason?: RegExp;
}

const ROWS: Row[] = [
  // Without a control, or one the helper refused, nothing is decided by it.
  {
    what: 'no control',
    local: [resolved(), dialled('connection_refused')],
    verdict: 'reset',
    blocking: null,
    accessible: null,
  },
  {
    what: 'the helper refused the target',
    local: [resolved(), dialled('generic_timeout_error')],
    control: control({ refused: 'loopback address', tcp: [] }),
    verdict: 'timeout',
    blocking: null,
    accessible: null,
  },
  // Works here.
  {
    what: 'https works here',
    local: [resolved(), dialled(), handshake(undefined, REAL), page({ port: 443 })],
    control: control({ tls: tlsOk() }),
    verdict: 'reachable',
    blocking: false,
    accessible: true,
  },
  {
    what: "https: the server's own CAPTCHA for this vantage point, over valid TLS",
    local: [
      resolved(),
      dialled(),
      handshake(undefined, REAL),
      page({
        port: 443,
        status: 403,
        title: 'Just a moment...',
        body_bytes: 400,
        header_names: ['content-type'],
      }),
    ],
    control: control({ tls: tlsOk(), http: pageAbroad({ port: 443 }) }),
    verdict: 'reachable',
    blocking: false,
    accessible: true,
    reason:
      /the server answered this vantage point differently from the helper abroad \(status 403 here, 200/,
  },
  {
    what: 'https: the same page as the helper says nothing more',
    local: [resolved(), dialled(), handshake(undefined, REAL), page({ port: 443 })],
    control: control({ tls: tlsOk(), http: pageAbroad({ port: 443 }) }),
    verdict: 'reachable',
    blocking: false,
    accessible: true,
    reason: /^HTTP 200 from \S+ over TLS with a valid certificate$/,
  },
  {
    what: 'http: the same page (dynamic parts differ)',
    scheme: 'http',
    local: [resolved(), dialled(), page()],
    control: control({ http: pageAbroad() }),
    verdict: 'reachable',
    blocking: false,
    accessible: true,
  },
  {
    what: 'http: a blockpage with status 200',
    scheme: 'http',
    local: [
      resolved(),
      dialled(),
      page({ title: 'Access denied', body_bytes: 300, header_names: ['content-type'] }),
    ],
    control: control({ http: pageAbroad() }),
    verdict: 'http-diff',
    blocking: 'http-diff',
    accessible: false,
    reason: /title "Access denied" and 300 bytes here, "Site - news" and 5100 bytes abroad/,
  },
  {
    what: 'http: a redirect to a blockpage',
    scheme: 'http',
    local: [resolved(), dialled(), page({ status: 302, location: 'http://warning.rt.ru/', body_bytes: 0 })],
    control: control({ http: pageAbroad() }),
    verdict: 'http-diff',
    blocking: 'http-diff',
    accessible: false,
    reason: /status 302 here, 200 abroad/,
  },
  {
    what: 'http: the helper got no page',
    scheme: 'http',
    local: [resolved(), dialled(), page()],
    control: control({
      http: {
        address: THERE,
        port: 80,
        body_bytes: 0,
        body_truncated: false,
        failure: 'generic_timeout_error',
      },
    }),
    verdict: 'reachable',
    blocking: null,
    accessible: null,
    reason: /^HTTP 200 from \S+ over plain HTTP; the helper abroad got no page to compare it with$/,
  },
  // DNS.
  {
    what: 'NXDOMAIN on both sides is not censorship',
    local: [resolved([], 'dns_nxdomain_error')],
    control: control({ dns: { addresses: [], failure: 'dns_nxdomain_error' }, tcp: [] }),
    verdict: 'dns-nxdomain',
    blocking: false,
    accessible: false,
    reason: /could not resolve it either \(dns_nxdomain_error\): not censorship/,
  },
  {
    what: 'NXDOMAIN here, resolved abroad',
    local: [resolved([], 'dns_nxdomain_error')],
    control: control(),
    verdict: 'dns-nxdomain',
    blocking: 'dns',
    accessible: false,
    reason: new RegExp(`resolved it to ${THERE}`),
  },
  {
    what: 'resolver timeout here, resolved abroad',
    local: [resolved([], 'generic_timeout_error')],
    control: control(),
    verdict: 'dns-failure',
    blocking: 'dns',
    accessible: false,
  },
  {
    what: 'a resolver failure here, and the helper did not resolve (an IP literal): undecided',
    local: [resolved([], 'dns_servfail_error')],
    control: control({ dns: undefined, tcp: [] }),
    verdict: 'dns-failure',
    blocking: null,
    accessible: null,
  },
  {
    what: 'forged answers here, NXDOMAIN abroad: injection all the same',
    local: [resolved(['127.0.0.1'])],
    control: control({ dns: { addresses: [], failure: 'dns_nxdomain_error' }, tcp: [] }),
    verdict: 'dns-poisoned',
    blocking: 'dns',
    accessible: false,
  },
  {
    what: 'tcp://: connected here is accessible, no page to compare',
    scheme: 'tcp',
    local: [resolved(), dialled()],
    control: control(),
    verdict: 'connected',
    blocking: false,
    accessible: true,
  },
  // TCP.
  {
    what: 'RST to SYN here, the same address opens abroad',
    local: [resolved(), dialled('connection_refused')],
    control: control(),
    verdict: 'reset',
    blocking: 'tcp_ip',
    accessible: false,
  },
  {
    what: 'SYN dropped here, the same address opens abroad',
    local: [resolved(), dialled('generic_timeout_error')],
    control: control(),
    verdict: 'timeout',
    blocking: 'tcp_ip',
    accessible: false,
  },
  {
    what: 'refused everywhere: down, not blocked',
    local: [resolved(), dialled('connection_refused')],
    control: control({
      tcp: [
        { address: THERE, port: 443, failure: 'connection_refused' },
        { address: HERE, port: 443, failure: 'connection_refused' },
      ],
    }),
    verdict: 'down',
    blocking: false,
    accessible: false,
    reason: new RegExp(
      `fails from abroad too \\(the helper: ${THERE}:443 connection_refused, ${HERE}:443 connection_refused\\):` +
        ' not censorship$',
    ),
  },
  {
    what: 'refused here, and the helper cannot even resolve the name: down',
    local: [resolved(), dialled('connection_refused')],
    control: control({ dns: { addresses: [], failure: 'dns_servfail_error' }, tcp: [] }),
    verdict: 'down',
    blocking: false,
    accessible: false,
    reason: /\(the helper: resolving failed, dns_servfail_error\)/,
  },
  {
    what: "the local answer leads nowhere from anywhere, the helper's does",
    local: [resolved(), dialled('generic_timeout_error')],
    control: control({
      tcp: [
        { address: THERE, port: 443 },
        { address: HERE, port: 443, failure: 'generic_timeout_error' },
      ],
    }),
    verdict: 'timeout',
    blocking: 'dns',
    accessible: false,
  },
  // TLS.
  {
    what: 'RST after the ClientHello here, TLS fine abroad',
    local: [resolved(), dialled(), handshake('connection_reset')],
    control: control({ tls: tlsOk() }),
    verdict: 'reset',
    blocking: 'http-failure',
    accessible: false,
  },
  {
    what: 'a handshake that stalls everywhere',
    local: [resolved(), dialled(), handshake('generic_timeout_error')],
    control: control({
      tls: {
        address: THERE,
        port: 443,
        handshake: false,
        failure: 'generic_timeout_error',
        trusted: false,
        valid_for_name: false,
      },
    }),
    verdict: 'down',
    blocking: false,
    accessible: false,
    reason: /fails from abroad too \(the helper: TLS handshake generic_timeout_error\)/,
  },
  {
    what: 'interception: another issuer here, a valid certificate abroad',
    local: [resolved(), dialled(), handshake('ssl_unknown_authority', FAKE)],
    control: control({ tls: tlsOk() }),
    verdict: 'cert-invalid',
    blocking: 'http-failure',
    accessible: false,
    reason: new RegExp(
      /issued by CN=Security Certificate \(SHA-256 1122334455667788…\)/.source +
        /; abroad .* issued by CN=Let's Encrypt R11 .*: TLS interception/.source,
    ),
  },
  {
    what: 'a misconfigured server: the same bad certificate abroad',
    local: [resolved(), dialled(), handshake('ssl_invalid_hostname', REAL)],
    control: control({ tls: { ...tlsOk(), failure: 'ssl_invalid_hostname', valid_for_name: false } }),
    verdict: 'cert-invalid',
    blocking: false,
    accessible: false,
    reason: /same certificate .*misconfigured server, not censorship/,
  },
  {
    what: 'the same certificate, trusted abroad: this trust store',
    local: [resolved(), dialled(), handshake('ssl_unknown_authority', REAL)],
    control: control({ tls: tlsOk() }),
    verdict: 'cert-invalid',
    blocking: false,
    accessible: false,
    reason: /trust store or clock/,
  },
  {
    what: 'another certificate abroad, not valid either: undecided',
    local: [resolved(), dialled(), handshake('ssl_invalid_hostname', FAKE)],
    control: control({ tls: { ...tlsOk(), failure: 'ssl_invalid_hostname', valid_for_name: false } }),
    verdict: 'cert-invalid',
    blocking: null,
    accessible: null,
    reason: /; the helper abroad got another certificate, not valid either$/,
  },
  {
    what: 'interception, both certificates named by issuer and hash',
    local: [resolved(), dialled(), handshake('ssl_unknown_authority', FAKE)],
    control: control({ tls: tlsOk() }),
    verdict: 'cert-invalid',
    blocking: 'http-failure',
    accessible: false,
    reason: new RegExp(
      '^the certificate here is issued by CN=Security Certificate \\(SHA-256 1122334455667788…\\); abroad ' +
        "the helper got one issued by CN=Let's Encrypt R11 \\(SHA-256 aabbccddeeff0011…\\), valid for the " +
        'name: TLS interception$',
    ),
  },
  {
    what: 'interception, no certificate recorded here',
    local: [resolved(), dialled(), handshake('ssl_unknown_authority')],
    control: control({ tls: tlsOk() }),
    verdict: 'cert-invalid',
    blocking: 'http-failure',
    accessible: false,
    reason: /^the certificate here is not the one; abroad the helper got one issued by CN=Let's Encrypt R11 /,
  },
  {
    what: 'a misconfigured server, said with the failure abroad',
    local: [resolved(), dialled(), handshake('ssl_invalid_hostname', REAL)],
    control: control({ tls: { ...tlsOk(), failure: 'ssl_invalid_hostname', valid_for_name: false } }),
    verdict: 'cert-invalid',
    blocking: false,
    accessible: false,
    reason:
      /; the helper abroad got the same certificate \(ssl_invalid_hostname\): a misconfigured server, not censorship$/,
  },
  {
    what: 'the same certificate, not valid abroad, no failure named',
    local: [resolved(), dialled(), handshake('ssl_invalid_certificate', REAL)],
    control: control({ tls: { ...tlsOk(), valid_for_name: false } }),
    verdict: 'cert-invalid',
    blocking: false,
    accessible: false,
    reason: /the helper abroad got the same certificate \(not valid\): a misconfigured server/,
  },
  {
    what: 'a certificate here, none recorded abroad, not valid there: undecided',
    local: [resolved(), dialled(), handshake('ssl_invalid_hostname', REAL)],
    control: control({ tls: { ...tlsOk(), certificate: undefined, valid_for_name: false } }),
    verdict: 'cert-invalid',
    blocking: null,
    accessible: null,
  },
  {
    what: 'a certificate here, the helper could not complete its handshake: undecided',
    local: [resolved(), dialled(), handshake('ssl_invalid_hostname', FAKE)],
    control: control({
      tls: {
        address: THERE,
        port: 443,
        handshake: false,
        failure: 'generic_timeout_error',
        trusted: false,
        valid_for_name: false,
      },
    }),
    verdict: 'cert-invalid',
    blocking: null,
    accessible: null,
  },
  {
    what: 'a TLS stall here, the helper resolved nothing to dial and its handshake failed: down',
    local: [resolved(), dialled(), handshake('generic_timeout_error')],
    control: control({
      dns: undefined,
      tcp: [],
      tls: {
        address: THERE,
        port: 443,
        handshake: false,
        failure: 'connection_reset',
        trusted: false,
        valid_for_name: false,
      },
    }),
    verdict: 'down',
    blocking: false,
    accessible: false,
    reason: /\(the helper: TLS handshake connection_reset\): not censorship$/,
  },
  {
    what: 'a forged answer from raced replies, the same addresses abroad: injection all the same',
    local: [
      resolved(['10.10.34.36']),
      {
        check: 'dns_query',
        purpose: 'resolver',
        host: HOST,
        query_type: 'A',
        server: '9.9.9.9',
        window_ms: 150,
        replies: [
          { from: '9.9.9.9:53', after_ms: 2, rcode: 'NOERROR', answers: [], addresses: ['10.10.34.35'] },
          { from: '9.9.9.9:53', after_ms: 30, rcode: 'NOERROR', answers: [], addresses: ['10.10.34.36'] },
        ],
        ignored: [],
        ...t0,
      },
    ],
    control: control({ dns: { addresses: ['10.10.34.35', '10.10.34.36'] }, tcp: [] }),
    verdict: 'dns-poisoned',
    blocking: 'dns',
    accessible: false,
  },
  // Every failure verdict the helper can refine, and one it cannot.
  {
    what: 'closed during the handshake here, TLS fine abroad',
    local: [resolved(), dialled(), handshake('eof_error')],
    control: control({ tls: tlsOk() }),
    verdict: 'closed',
    blocking: 'http-failure',
    accessible: false,
  },
  {
    what: 'a TLS protocol failure here, TLS fine abroad',
    local: [resolved(), dialled(), handshake('ssl_failed_handshake')],
    control: control({ tls: tlsOk() }),
    verdict: 'tls-failure',
    blocking: 'http-failure',
    accessible: false,
  },
  {
    what: 'reset in one try of two here, TLS fine abroad',
    local: [
      resolved(),
      dialled(),
      { ...handshake('connection_reset'), try: 1 },
      { ...dialled(), try: 2 },
      { ...handshake(), try: 2 },
      { ...page({ port: 443 }), try: 2 },
    ],
    control: control({ tls: tlsOk() }),
    verdict: 'inconsistent',
    blocking: 'http-failure',
    accessible: false,
  },
  // A lookup that failed here without an answer (reset, timed out) is DNS's to compare, not the server's.
  {
    what: 'the lookup reset here, the name resolved abroad: DNS blocked, not down',
    local: [resolved(undefined, 'connection_reset')],
    control: control(),
    verdict: 'reset',
    blocking: 'dns',
    accessible: false,
    reason: /; the helper abroad resolved it to 151\.101\.65\.69$/,
  },
  {
    what: 'the lookup timed out here, the name resolved abroad: DNS blocked, not down',
    local: [resolved(undefined, 'generic_timeout_error')],
    control: control(),
    verdict: 'dns-failure',
    blocking: 'dns',
    accessible: false,
  },
  {
    what: 'the lookup reset here, and abroad the name does not resolve: not censorship',
    local: [resolved(undefined, 'connection_reset')],
    control: control({ dns: { addresses: [], failure: 'dns_nxdomain_error' }, tcp: [] }),
    verdict: 'reset',
    blocking: false,
    accessible: false,
    reason: /could not resolve it either \(dns_nxdomain_error\): not censorship$/,
  },
  {
    what: 'no route from here: nothing the helper can refine',
    local: [resolved(), dialled('network_unreachable')],
    control: control(),
    verdict: 'unreachable',
    blocking: null,
    accessible: null,
  },
  {
    what: 'http: the helper answered without an HTTP step',
    scheme: 'http',
    local: [resolved(), dialled(), page()],
    control: control({ http: undefined }),
    verdict: 'reachable',
    blocking: null,
    accessible: null,
    reason: /; the helper abroad got no page to compare it with$/,
  },
  {
    what: 'http: a blockpage, said word for word',
    scheme: 'http',
    local: [
      resolved(),
      dialled(),
      page({ status: 403, title: 'Access denied', body_bytes: 300, header_names: ['content-type'] }),
    ],
    control: control({ http: pageAbroad() }),
    verdict: 'http-diff',
    blocking: 'http-diff',
    accessible: false,
    reason: new RegExp(
      `^HTTP 403 from ${HERE}, but not the page the helper abroad got: status 403 here, 200 abroad; the ` +
        'title "Access denied" and 300 bytes here, "Site - news" and 5100 bytes abroad \\(a blockpage, or a ' +
        'transparent proxy\\)$',
    ),
  },
  {
    what: "https: the server's own page, word for word",
    local: [
      resolved(),
      dialled(),
      handshake(undefined, REAL),
      page({ port: 443, status: 403, title: 'Just a moment...', body_bytes: 400, header_names: [] }),
    ],
    control: control({ tls: tlsOk(), http: pageAbroad({ port: 443 }) }),
    verdict: 'reachable',
    blocking: false,
    accessible: true,
    reason: new RegExp(
      `^HTTP 403 from ${HERE} over TLS with a valid certificate; the server answered this vantage point ` +
        'differently from the helper abroad \\(status 403 here, 200 abroad; the title "Just a moment\\.\\.\\." ' +
        'and 400 bytes here, "Site - news" and 5100 bytes abroad\\): its own page, over valid TLS, not ' +
        'censorship$',
    ),
  },
  {
    what: 'NXDOMAIN here, two addresses abroad',
    local: [resolved([], 'dns_nxdomain_error')],
    control: control({ dns: { addresses: [THERE, HERE] } }),
    verdict: 'dns-nxdomain',
    blocking: 'dns',
    accessible: false,
    reason: new RegExp(`; the helper abroad resolved it to ${THERE} ${HERE}$`),
  },
  {
    what: 'a certificate error here, the helper made no TLS handshake: undecided',
    local: [resolved(), dialled(), handshake('ssl_invalid_hostname', FAKE)],
    control: control(),
    verdict: 'cert-invalid',
    blocking: null,
    accessible: null,
  },
  {
    what: 'the certificate seen in an earlier try is the one compared',
    local: [
      resolved(),
      dialled(),
      { ...handshake('ssl_unknown_authority', FAKE), try: 1 },
      { ...dialled(), try: 2 },
      { ...handshake('connection_reset'), try: 2 },
    ],
    control: control({ tls: tlsOk() }),
    verdict: 'cert-invalid',
    blocking: 'http-failure',
    accessible: false,
    reason: /^the certificate here is issued by CN=Security Certificate /,
  },
  {
    what: 'https: a RST after the request here, the helper got through TLS but no page: down',
    local: [resolved(), dialled(), handshake(), page({ port: 443 }, 'connection_reset')],
    control: control({
      tls: tlsOk(),
      http: { address: THERE, port: 443, body_bytes: 0, body_truncated: false, failure: 'connection_reset' },
    }),
    verdict: 'down',
    blocking: false,
    accessible: false,
    reason: /\(the helper: HTTP connection_reset\): not censorship$/,
  },
  {
    what: 'a RST after the ClientHello here, the helper measured no TLS nor HTTP: down, its verdict unknown',
    local: [resolved(), dialled(), handshake('connection_reset')],
    control: control({ tcp: [] }),
    verdict: 'down',
    blocking: false,
    accessible: false,
    reason: /\(the helper: its verdict unknown\): not censorship$/,
  },
  {
    what: 'a RST after the request here, the helper measured no HTTP: down',
    scheme: 'http',
    local: [resolved(), dialled(), page({}, 'connection_reset')],
    control: control({ tcp: [], verdict: 'reset' }),
    verdict: 'down',
    blocking: false,
    accessible: false,
    reason: /\(the helper: its verdict reset\): not censorship$/,
  },
  {
    what: 'a TLS stall here, one address of two failing abroad and its TLS too: the TLS failure speaks',
    local: [resolved(), dialled(), handshake('generic_timeout_error')],
    control: control({
      tcp: [
        { address: THERE, port: 443 },
        { address: HERE, port: 443, failure: 'generic_timeout_error' },
      ],
      tls: {
        address: THERE,
        port: 443,
        handshake: false,
        failure: 'generic_timeout_error',
        trusted: false,
        valid_for_name: false,
      },
    }),
    verdict: 'down',
    blocking: false,
    accessible: false,
    reason: /\(the helper: TLS handshake generic_timeout_error\): not censorship$/,
  },
  {
    what: 'the helper refused, though it resolves the same: a timeout here stays undecided',
    local: [resolved(), dialled('generic_timeout_error')],
    control: control({ dns: { addresses: [HERE] }, tcp: [], refused: 'a rate limit' }),
    verdict: 'timeout',
    blocking: null,
    accessible: null,
  },
  {
    what: 'loopback here, the helper refused without resolving: forged, undecided',
    local: [resolved(['127.0.0.1'])],
    control: control({ dns: undefined, tcp: [], refused: 'a rate limit' }),
    verdict: 'dns-poisoned',
    blocking: null,
    accessible: null,
  },
  {
    what: "private here, and the resolver's raw answer has one more the helper does not get: forged",
    local: [resolved(['10.10.34.35']), rawQuery('resolver', [['10.10.34.35', '10.10.34.99']])],
    control: control({ dns: { addresses: ['10.10.34.35'] }, tcp: [] }),
    verdict: 'dns-poisoned',
    blocking: 'dns',
    accessible: false,
  },
  {
    what: "private for everyone, the resolver's raw answer agreeing: down",
    local: [resolved(['10.10.34.35']), rawQuery('resolver', [['10.10.34.35']])],
    control: control({ dns: { addresses: ['10.10.34.35'] }, tcp: [] }),
    verdict: 'down',
    blocking: false,
    accessible: false,
  },
  {
    what: 'private for everyone; a sink (that answers canaries too) answered otherwise: still down',
    local: [resolved(['10.10.34.35']), rawQuery('sink', [['8.8.8.8']])],
    control: control({ dns: { addresses: ['10.10.34.35'] }, tcp: [] }),
    verdict: 'down',
    blocking: false,
    accessible: false,
  },
  {
    what: 'private for everyone; the DoH control disagrees (weak): still down, said word for word',
    local: [resolved(['10.10.34.35', '10.10.34.36']), doh(['10.10.34.99'])],
    control: control({ dns: { addresses: ['10.10.34.36', '10.10.34.35'] }, tcp: [] }),
    verdict: 'down',
    blocking: false,
    accessible: false,
    reason: new RegExp(
      "; the helper abroad resolves it to the same 10\\.10\\.34\\.36 10\\.10\\.34\\.35: the name's own records, " +
        'not an injection \\(not censorship\\)$',
    ),
  },
  // A name whose records are loopback or private: for everyone, the name's own; only here, forged.
  {
    what: 'loopback for everyone (the helper resolves the same, and dials nothing): down, not censorship',
    local: [resolved(['127.0.0.1'])],
    control: control({
      dns: { addresses: ['127.0.0.1'] },
      tcp: [],
      refused: 'resolves only to addresses the helper does not connect to (127.0.0.1)',
    }),
    verdict: 'down',
    blocking: false,
    accessible: false,
    reason: /the helper abroad resolves it to the same 127\.0\.0\.1: the name's own records/,
  },
  {
    what: 'private for everyone, and the helper says so over its resolver',
    local: [resolved(['10.10.34.35'])],
    control: control({ dns: { addresses: ['10.10.34.35'] }, tcp: [] }),
    verdict: 'down',
    blocking: false,
    accessible: false,
  },
  {
    what: 'loopback here only: a forged answer',
    local: [resolved(['127.0.0.1'])],
    control: control(),
    verdict: 'dns-poisoned',
    blocking: 'dns',
    accessible: false,
  },
  // HTTP.
  {
    what: 'RST after the request here, a page abroad',
    scheme: 'http',
    local: [resolved(), dialled(), page({}, 'connection_reset')],
    control: control({ http: pageAbroad() }),
    verdict: 'reset',
    blocking: 'http-failure',
    accessible: false,
  },
  {
    what: 'bytes that are not HTTP, everywhere',
    scheme: 'http',
    local: [resolved(), dialled(), page({}, 'http_protocol_error')],
    control: control({
      http: {
        address: THERE,
        port: 80,
        body_bytes: 0,
        body_truncated: false,
        failure: 'http_protocol_error',
      },
    }),
    verdict: 'down',
    blocking: false,
    accessible: false,
    reason: /\(the helper: HTTP http_protocol_error\): not censorship$/,
  },
];

describe('compareWithControl', () => {
  it.each(ROWS.map((r) => [r.what, r] as const))('%s', (_what, row) => {
    const t = target(row.scheme);
    const local = classifyTarget(t, row.local, NO_DNS_CONTEXT);
    const compared = compareWithControl(t, row.local, local, row.control);
    expect({
      verdict: compared.verdict.verdict,
      blocking: compared.blocking,
      accessible: compared.accessible,
    }).toEqual({
      verdict: row.verdict,
      blocking: row.blocking,
      accessible: row.accessible,
    });
    if (row.reason) expect(compared.verdict.reason).toMatch(row.reason);
    if (row.control) expect(compared.verdict.evidence.at(-1)).toMatch(/^control \(helper abroad\): /);
  });

  it('a server down everywhere is never "blocked by" anything, and keeps what was measured', () => {
    const t = target();
    const local = [resolved(), dialled('generic_timeout_error')];
    const verdict = classifyTarget(t, local, NO_DNS_CONTEXT);
    expect(verdict.blockedBy).toBe('ip');
    const compared = compareWithControl(
      t,
      local,
      verdict,
      control({ tcp: [{ address: HERE, port: 443, failure: 'generic_timeout_error' }] }),
    );
    expect(compared.verdict.blockedBy).toBeUndefined();
    expect(compared.verdict.measured).toBe('timeout');
  });

  it('a name private for everyone is down, keeping what was measured', () => {
    const t = target();
    const local = [resolved(['10.10.34.35'])];
    const verdict = classifyTarget(t, local, NO_DNS_CONTEXT);
    const compared = compareWithControl(t, local, verdict, control({ dns: { addresses: ['10.10.34.35'] } }));
    expect(compared.verdict).toMatchObject({ verdict: 'down', measured: 'dns-poisoned' });
  });

  it('a blockpage over plain HTTP is an http-diff at the HTTP step', () => {
    const t = target('http');
    const local = [
      resolved(),
      dialled(),
      page({ title: 'Access denied', body_bytes: 300, header_names: [] }),
    ];
    const compared = compareWithControl(
      t,
      local,
      classifyTarget(t, local, NO_DNS_CONTEXT),
      control({ http: pageAbroad() }),
    );
    expect([compared.verdict.verdict, compared.verdict.stage]).toEqual(['http-diff', 'http_round_trip']);
  });

  it('a redirect chain that reached its page is compared as the page is (accessible)', () => {
    const t = target();
    const local = [resolved(), dialled(), handshake(), page({ port: 443, status: 301 })];
    const v = {
      ...classifyTarget(t, local, NO_DNS_CONTEXT),
      redirects: [{ url: 'https://www.site.example/', verdict: 'reachable' as const, reason: 'HTTP 200' }],
    };
    const compared = compareWithControl(t, local, v, control({ tls: tlsOk() }));
    expect([compared.verdict.verdict, compared.blocking, compared.accessible]).toEqual([
      'reachable',
      false,
      true,
    ]);
  });

  it('a redirect chain: blocked here at a hop when the helper got through, down when it met the same end', () => {
    const t = target();
    const local = [resolved(), dialled(), handshake(), page({ port: 443, status: 302 })];
    const first = classifyTarget(t, local, NO_DNS_CONTEXT);
    const hopFailed = {
      ...first,
      verdict: 'reset' as const,
      stage: 'tls_handshake' as const,
      failure: 'connection_reset' as const,
      redirects: [{ url: 'https://blocked.example/', verdict: 'reset' as const, reason: 'reset' }],
    };
    const through = compareWithControl(t, local, hopFailed, control({ verdict: 'reachable' }));
    expect([through.blocking, through.accessible]).toEqual(['http-failure', false]);
    const same = compareWithControl(t, local, hopFailed, control({ verdict: 'reset' }));
    expect([same.verdict.verdict, same.blocking, same.accessible]).toEqual(['down', false, false]);
    expect(same.verdict.reason).toBe(
      `${first.reason}; fails from abroad too (the helper: its verdict reset): not censorship`,
    );
    expect(same.verdict.measured).toBe('reset');
    // The helper met another failure on the chain: nothing to say about the hop here.
    const other = compareWithControl(t, local, hopFailed, control({ verdict: 'timeout' }));
    expect([other.verdict.verdict, other.blocking, other.accessible]).toEqual(['reset', null, null]);
    const dns = compareWithControl(
      t,
      local,
      { ...hopFailed, verdict: 'dns-nxdomain', stage: 'resolve' },
      control({ verdict: 'reachable' }),
    );
    expect(dns.blocking).toBe('dns');
  });

  it('a RST to the SYN is blamed on the address only when the helper connects there', () => {
    const t = target();
    const local = [resolved(), dialled('connection_refused')];
    const verdict = classifyTarget(t, local, NO_DNS_CONTEXT);
    // A closed port refuses too: alone, this machine cannot tell.
    expect(verdict.blockedBy).toBeUndefined();
    expect(compareWithControl(t, local, verdict, undefined).verdict.blockedBy).toBeUndefined();
    const compared = compareWithControl(t, local, verdict, control());
    expect([compared.blocking, compared.verdict.blockedBy]).toEqual(['tcp_ip', 'ip']);
  });

  it('an inconsistent block that the helper cannot explain stays undecided', () => {
    const t = target();
    const local: Local = [
      resolved(),
      dialled(),
      { ...handshake('connection_reset'), try: 1 },
      { ...dialled(), try: 2 },
      { ...handshake(), try: 2 },
      { ...page({ port: 443 }), try: 2 },
    ];
    const v = classifyTarget(t, local, NO_DNS_CONTEXT);
    expect(v.verdict).toBe('inconsistent');
    const compared = compareWithControl(
      t,
      local,
      v,
      control({
        tls: {
          address: THERE,
          port: 443,
          handshake: false,
          failure: 'connection_reset',
          trusted: false,
          valid_for_name: false,
        },
      }),
    );
    expect([compared.verdict.verdict, compared.blocking]).toEqual(['inconsistent', null]);
  });
});

describe('describeControl: the evidence line of what the helper saw', () => {
  const V6 = '2606:4700::6812:2007';
  const failedTls: ControlTls = {
    address: THERE,
    port: 443,
    handshake: false,
    failure: 'generic_timeout_error',
    trusted: false,
    valid_for_name: false,
  };
  const noPage: ControlHttp = {
    address: THERE,
    port: 80,
    body_bytes: 0,
    body_truncated: false,
    failure: 'generic_timeout_error',
  };
  it.each<[string, Control, string]>([
    ['refused', control({ refused: 'loopback address', tcp: [] }), 'refused, loopback address'],
    [
      'everything worked',
      control({ dns: { addresses: [THERE, HERE] }, tls: tlsOk(), http: pageAbroad(), verdict: 'reachable' }),
      `resolve ${THERE} ${HERE}; connect ${THERE}:443 open; connect ${HERE}:443 open; tls TLSv1.3, certificate` +
        ` issued by CN=Let's Encrypt R11, valid for the name; http HTTP 200, 5100 bytes, title "Site - news";` +
        ' its verdict reachable',
    ],
    [
      'everything failed',
      control({
        dns: { addresses: [], failure: 'dns_nxdomain_error' },
        tcp: [{ address: V6, port: 443, failure: 'connection_refused' }],
        tls: failedTls,
        http: noPage,
        verdict: 'timeout',
      }),
      `resolve dns_nxdomain_error; connect [${V6}]:443 connection_refused; tls generic_timeout_error;` +
        ' http generic_timeout_error; its verdict timeout',
    ],
    [
      'the bare minimum',
      control({
        dns: { addresses: [] },
        tcp: [],
        tls: { ...tlsOk(), version: undefined, valid_for_name: false },
        http: pageAbroad({ status: undefined, title: undefined }),
      }),
      "resolve (nothing); tls ok, certificate issued by CN=Let's Encrypt R11; http 5100 bytes; its verdict none",
    ],
    [
      'IPv4 and IPv6 judged apart',
      control({
        dns: { addresses: [THERE, V6] },
        tcp: [],
        families: {
          ipv4: { addresses: [THERE], open: true },
          ipv6: { addresses: [V6], open: false, failure: 'generic_timeout_error' },
        },
      }),
      `resolve ${THERE} ${V6}; IPv4 open, IPv6 generic_timeout_error; its verdict none`,
    ],
    [
      'both families failed, one without a failure named',
      control({
        dns: undefined,
        tcp: [],
        families: {
          ipv4: { addresses: [THERE], open: false },
          ipv6: { addresses: [V6], open: false, failure: 'network_unreachable' },
        },
      }),
      'IPv4 failed, IPv6 network_unreachable; its verdict none',
    ],
    [
      'an IP literal: no resolve, no certificate',
      control({ dns: undefined, tcp: [], tls: { ...tlsOk(), certificate: undefined } }),
      'tls TLSv1.3; its verdict none',
    ],
  ])('%s', (_what, c, line) => {
    expect(describeControl(c)).toBe(`control (helper abroad): ${line}`);
  });
});

describe('the page comparison', () => {
  const here = page();
  it('the same body is the same page, whatever else', () => {
    expect(pageDifferences({ ...here, status: 500 }, pageAbroad({ body_sha256: here.body_sha256! }))).toEqual(
      [],
    );
  });
  it("a server error abroad says nothing about the page here (OONI's rule)", () => {
    expect(pageDifferences(here, pageAbroad({ status: 503 }))).toEqual([]);
  });
  it('a dynamic page: another length, the same title', () => {
    expect(pageDifferences(here, pageAbroad({ body_bytes: 20_000 }))).toEqual([]);
  });
  it('a geo-variant: another title, the same length and an uncommon header in common', () => {
    expect(pageDifferences(here, pageAbroad({ title: 'Seite - Nachrichten' }))).toEqual([]);
    expect(
      pageDifferences(here, pageAbroad({ title: 'Seite - Nachrichten', header_names: ['content-type'] })),
    ).toEqual([
      'the title "Site - news" and 5000 bytes here, "Seite - Nachrichten" and 5100 bytes abroad,' +
        ' and no uncommon header in common',
    ]);
  });
  it('body proportion is 0.7 at the edge, and two capped bodies are equal', () => {
    expect(
      bodyProportion({ body_bytes: 70, body_truncated: false }, { body_bytes: 100, body_truncated: false }),
    ).toBeCloseTo(0.7);
    expect(
      bodyProportion({ body_bytes: 10, body_truncated: true }, { body_bytes: 65536, body_truncated: true }),
    ).toBe(1);
    expect(
      bodyProportion({ body_bytes: 0, body_truncated: false }, { body_bytes: 0, body_truncated: false }),
    ).toBe(1);
  });
  it("another title: 70% of the length is the same page (OONI's threshold), less is a blockpage", () => {
    // An uncommon header in common, so the length decides; 5000 bytes here, and abroad:
    const other = (body_bytes: number) =>
      pageDifferences(here, pageAbroad({ title: 'Blocked', header_names: ['x-site-id'], body_bytes }));
    expect(other(3500)).toEqual([]);
    expect(other(3499)).toEqual([
      'the title "Site - news" and 5000 bytes here, "Blocked" and 3499 bytes abroad',
    ]);
    expect(other(3000)).toHaveLength(1);
  });
  it('redirects (300 to 399) compare by the host they lead to', () => {
    const redirect = (status: number, location: string) => ({ status, location, body_bytes: 0 });
    const to = (h: number, hl: string, a: number, al: string) =>
      pageDifferences(page(redirect(h, hl)), pageAbroad(redirect(a, al)));
    expect(to(302, 'http://warning.rt.ru/', 302, 'https://site.example/en/')).toEqual([
      'a redirect to http://warning.rt.ru/ here, to https://site.example/en/ abroad',
    ]);
    expect(to(300, 'http://warning.rt.ru/', 300, 'https://site.example/en/')).toHaveLength(1);
    expect(to(302, 'https://site.example/a', 302, 'https://site.example/b')).toEqual([]);
    expect(to(399, 'http://warning.rt.ru/', 399, 'https://site.example/')).toHaveLength(1);
    expect(to(400, 'http://warning.rt.ru/', 400, 'https://site.example/')).toEqual([]);
    expect(to(200, 'http://warning.rt.ru/', 200, 'https://site.example/')).toEqual([]);
  });
  it('a server error abroad starts at 500; without a body hash on either side, the pages are compared', () => {
    expect(pageDifferences(page({ status: 404 }), pageAbroad({ status: 500 }))).toEqual([]);
    expect(pageDifferences(page({ status: 404 }), pageAbroad({ status: 499 }))).toEqual([
      'status 404 here, 499 abroad',
    ]);
    const blockpage = page({ title: 'Access denied', body_bytes: 300, body_sha256: undefined });
    expect(pageDifferences(blockpage, pageAbroad({ body_sha256: undefined }))).toHaveLength(1);
  });
  it('a redirect without a Location, or to one that is no URL, still compares by where it leads', () => {
    const redirect = (location?: string) => ({
      status: 302,
      body_bytes: 0,
      ...(location ? { location } : {}),
    });
    expect(pageDifferences(page(redirect()), pageAbroad(redirect('/en/')))).toEqual([
      'a redirect to nowhere here, to /en/ abroad',
    ]);
    expect(pageDifferences(page(redirect('http://[a')), pageAbroad(redirect('http://[b')))).toEqual([
      'a redirect to http://[a here, to http://[b abroad',
    ]);
    expect(pageDifferences(page(redirect('http://[a')), pageAbroad(redirect('http://[a')))).toEqual([]);
  });
  it('a redirect here against a page abroad: the status differs, no redirect is compared', () => {
    const here302 = page({ status: 302, location: 'http://warning.rt.ru/', body_bytes: 5000 });
    expect(pageDifferences(here302, pageAbroad())).toEqual(['status 302 here, 200 abroad']);
  });
  it('no header names recorded on either side: another title at the same length is the same page', () => {
    const bare = { header_names: undefined, body_sha256: undefined };
    expect(pageDifferences(page({ ...bare, title: 'Seite' }), pageAbroad({ ...bare }))).toEqual([]);
  });
  it('a page without a title, against one with a title and another length: said as "(none)"', () => {
    const untitled = page({ title: undefined, body_bytes: 300, header_names: ['content-type'] });
    expect(pageDifferences(untitled, pageAbroad())).toEqual([
      'the title (none) and 300 bytes here, "Site - news" and 5100 bytes abroad',
    ]);
  });
  it('body proportion: the smaller over the larger, in either order; one capped body is not equal', () => {
    const body = (body_bytes: number, body_truncated = false) => ({ body_bytes, body_truncated });
    expect(bodyProportion(body(100), body(70))).toBeCloseTo(0.7);
    expect(bodyProportion(body(10, true), body(100))).toBeCloseTo(0.1);
    expect(bodyProportion(body(100), body(10, true))).toBeCloseTo(0.1);
  });
  it('titles match when equal or sharing a word of five letters', () => {
    expect(titleMatch('Google', 'google')).toBe(true);
    expect(titleMatch('BBC News - Home', 'BBC News | World')).toBe(false); // "news" has four letters
    expect(titleMatch('Wikipedia, the free encyclopedia', 'Wikipedia')).toBe(true);
    expect(titleMatch(undefined, undefined)).toBe(true);
    expect(titleMatch('Access denied', undefined)).toBe(false);
    expect(titleMatch(undefined, 'Access denied')).toBe(false);
    expect(titleMatch('News', 'news')).toBe(true); // equal, though no word has five letters
    expect(titleMatch('Hello there', 'hello world')).toBe(true); // "hello": five letters exactly
    expect(titleMatch('Новости: главное', 'Главное за день')).toBe(true); // words in any script
    expect(titleMatch('Mail.ru: почта', 'Почта России')).toBe(true);
    expect(titleMatch('Maße', 'MASSE')).toBe(false); // four letters, however "ß" is upper-cased
  });
  it('uncommon headers: none on either side, or one in common', () => {
    expect(uncommonHeadersMatch(['date', 'server'], ['content-type'])).toBe(true);
    expect(uncommonHeadersMatch(['x-cache-id'], ['x-cache-id', 'date'])).toBe(true);
    expect(uncommonHeadersMatch(['x-squid-error'], ['x-site-id'])).toBe(false);
    expect(uncommonHeadersMatch(['date'], ['x-site-id'])).toBe(false); // one side only
    expect(uncommonHeadersMatch(['x-site-id'], [])).toBe(false);
    expect(uncommonHeadersMatch(['x-site-id', 'x-squid-error'], ['x-site-id'])).toBe(true); // one in common
  });
});
