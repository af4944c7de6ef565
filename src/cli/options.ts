import {
  cidr,
  collect,
  countryCode,
  dnsServer,
  domainName,
  endpoint,
  helperUrl,
  httpsUrl,
  isoTime,
  labelPair,
  labels,
  list,
  listenAddress,
  networkText,
  pin,
  nonNegativeInteger,
  positiveInteger,
  seconds,
  secondsUpTo,
  serviceFrom,
  vantageLabel,
} from './flags.js';
import { optionTable, type FlagsOf } from './option-table.js';
import { MAX_HELPER_TRANSFER } from '../helper/budget.js';

// Every command's options, one entry each (option-table.ts says how an entry reads). A new option
// is a new entry here; its command's flags type has it at once, and so, for check's, do doctor,
// config and the config file.

/** The same colour switches, in the same words, on every command that prints for people. */
const colorSwitch = (what: string) => ({
  help: `colour the ${what} even when stdout is not a terminal`,
  no: `never colour the ${what} (NO_COLOR=1 does the same)`,
});

/** The options that pick targets, the same for `check` and `targets`. */
export const SELECTION = optionTable({
  only: { value: 'names', help: 'only these targets (comma-separated names)', parse: list },
  service: {
    value: 'name',
    help: 'only targets of this service (repeatable, or comma-separated)',
    parse: list,
  },
  category: {
    value: 'codes',
    help: 'only targets of these Citizen Lab categories (category_code: NEWS,HUMR...)',
    parse: list,
  },
  serviceFrom: {
    value: 'what',
    help: 'the service of a Citizen Lab row: host (default) or category',
    parse: serviceFrom,
  },
});

export const CHECK = optionTable({
  ...SELECTION,
  resolver: {
    value: 'addr[:port]',
    help: 'DNS server for lookups and the raw UDP query (default: the system resolver)',
    parse: dnsServer,
  },
  resolve: {
    value: 'host:port:addr',
    help: 'pin a name to an address, as curl does (repeatable)',
    parse: collect(pin),
  },
  ca: {
    value: 'file',
    help: 'also trust the CA certificates in this PEM file (repeatable)',
    parse: collect(String),
  },
  timeout: {
    value: 'seconds',
    help: 'deadline of every stage (default: dns 4, connect 10, tls 10, http 10)',
    parse: seconds,
  },
  dnsTimeout: { value: 'seconds', help: 'deadline of a DNS lookup', parse: seconds },
  connectTimeout: { value: 'seconds', help: 'deadline of a TCP connect', parse: seconds },
  tlsTimeout: { value: 'seconds', help: 'deadline of a TLS handshake', parse: seconds },
  httpTimeout: { value: 'seconds', help: 'deadline of an HTTP round trip, body included', parse: seconds },
  dnsWindow: {
    value: 'seconds',
    help: 'how long the raw DNS query listens after its first reply (default 1); nothing is dialled before',
    parse: seconds,
  },
  concurrency: {
    value: 'n',
    help: 'targets connecting at once (default 32); the next ones look up their names meanwhile',
    parse: positiveInteger(1024),
  },
  maxBody: {
    value: 'bytes',
    help: 'bytes of an HTTP body read at most with --transfer 0 (default 65536)',
    parse: positiveInteger(1 << 30),
  },
  transfer: {
    value: 'bytes',
    help: 'bytes of an HTTP body downloaded at most, its rate measured (default 524288; 0: not measured)',
    parse: nonNegativeInteger(1 << 30),
  },
  sink: {
    value: 'addr[:port]',
    help: 'an address across the border that runs no DNS server: any answer from it is forged',
    parse: dnsServer,
  },
  sinkTimeout: {
    value: 'seconds',
    help: 'how long a sink query waits for a forged answer (default 2)',
    parse: seconds,
  },
  sinkCanary: {
    value: 'names',
    help: 'innocuous names the sink must not answer (default www.example.com,www.iana.org)',
    parse: list,
  },
  controlDoh: {
    value: 'url',
    help: 'a control resolver over DNS-over-HTTPS, e.g. https://1.1.1.1/dns-query (repeatable)',
    parse: collect(httpsUrl),
  },
  forgedPool: {
    value: 'file',
    help: 'addresses and CIDR ranges the censor answers with, one a line (weak evidence)',
  },
  allowAnswers: {
    value: 'cidr',
    help: 'accept DNS answers in this range as genuine though private or loopback (repeatable)',
    parse: collect(cidr),
  },
  nxDomain: {
    value: 'domain',
    help: 'a real domain without wildcard, for the NXDOMAIN-rewriting check (default example.com)',
    parse: domainName,
  },
  decoySni: {
    value: 'name',
    help:
      'the innocuous name checked first on each IP:port, as SNI or Host ' +
      "(default: a foreign control's, or www.example.org)",
  },
  decoy: { no: 'no innocuous check first: faster, but no SNI/IP/Host attribution' },
  // At most a minute: the older a pass, the likelier the IP:port has changed since.
  decoyReuse: {
    value: 'seconds',
    help:
      'a decoy that passed stands for the next targets on the same IP:port, over TCP and QUIC, ' +
      'for this long (default 10, at most 60; 0: a decoy for every target)',
    parse: secondsUpTo(60),
  },
  tries: {
    value: 'n',
    help: "tries of a target's own check on fresh connections while it is reset (default 3)",
    parse: positiveInteger(10),
  },
  maxRedirects: {
    value: 'n',
    help: 'redirects followed, each hop measured as the target is (default 10; 0: recorded, not followed)',
    parse: nonNegativeInteger(50),
  },
  sniProbeAddr: {
    value: 'addr[:port]',
    help: "a known-clean server to send a blocked target's SNI to as well (port 443 by default)",
    parse: (v: string) => endpoint(v, 443),
  },
  residualCheck: {
    value: 'seconds',
    help: 'after a block, re-check the IP:port with the decoy (1 s later, then every 5 s) for this long',
    parse: seconds,
  },
  quic: {
    help:
      'measure every https target over QUIC too (default: only targets marked quic: true); ' +
      'its verdict, in "quic", adds not-offered: nothing answers QUIC there and nothing says the service speaks it',
    no: 'no QUIC handshake at all, whatever the targets file says',
  },
  quicTimeout: { value: 'seconds', help: 'deadline of a QUIC handshake (default 5)', parse: seconds },
  json: { help: 'write JSON Lines to stdout: one object per target, then a summary' },
  output: {
    short: '-o',
    value: 'file',
    help:
      'write the whole report as one JSON document to FILE, atomically; ' +
      '%Y %m %d %H %M %S (UTC start time) in FILE are filled in',
  },
  prom: {
    value: 'file',
    help: "write Prometheus metrics to FILE for node_exporter's textfile collector (same % fields)",
  },
  label: {
    value: 'name',
    help:
      'your name for this vantage point (e.g. bj-unicom-1), recorded in the report, JSON Lines and metrics; ' +
      'never detected',
    parse: vantageLabel,
  },
  network: {
    value: 'text',
    help: 'the network of this vantage point, as you state it (e.g. "China Unicom"); needs --label',
    parse: networkText,
  },
  country: {
    value: 'cc',
    help: 'the country of this vantage point, two letters (e.g. CN); needs --label',
    parse: countryCode,
  },
  color: colorSwitch('table'),
  wide: { help: 'print every column and whole reasons even on a terminal (piped output always has them)' },
  helper: {
    value: 'url',
    help:
      'a reachprobe helper abroad (https://host[:port][/prefix]): every target is measured there too, ' +
      'and its verdict decided against that control',
    parse: helperUrl,
  },
  helperTokenFile: { value: 'file', help: "the file holding the helper's bearer token (its first token)" },
  helperResolve: {
    value: 'host:port:addr',
    help: "pin the helper's name to an address, as --resolve does (repeatable)",
    parse: collect(pin),
  },
  helperTimeout: {
    value: 'seconds',
    help: 'how long a target waits for its control after it was sent (default 30)',
    parse: seconds,
  },
  mock: {
    value: 'scenario',
    help:
      'start a mock network (gfw, clean, or a scenario file) and measure its targets, all on loopback ' +
      '(with a helper abroad, unless --helper says otherwise)',
  },
  verbose: {
    help:
      'print each step to stderr as it happens (DNS, connect, TLS, HTTP, QUIC, decoy, control), ' +
      'with its failure: why a target failed',
  },
  config: {
    value: 'file',
    help: 'read options from this YAML file (default: $XDG_CONFIG_HOME/reachprobe/config.yaml when it exists)',
  },
});

export const TARGETS = optionTable({ json: { help: 'one JSON object per target, a line each' } });

export const HELPER = optionTable({
  listen: {
    value: 'addr:port',
    help: 'the address and port to listen on, e.g. 0.0.0.0:8443 or [::]:8443',
    parse: listenAddress,
    required: true,
  },
  cert: { value: 'file', help: "the server's certificate (PEM, chain included)", required: true },
  key: { value: 'file', help: "the server's private key (PEM)", required: true },
  tokenFile: {
    value: 'file',
    help:
      'bearer tokens, one a line (# comments): each probe holds one; ' +
      'rotate by adding the new one, then removing the old',
    required: true,
  },
  ca: {
    value: 'file',
    help: 'also trust the CA certificates in this PEM file when measuring (repeatable)',
    parse: collect(String),
  },
  allowAnswers: {
    value: 'cidr',
    help: 'allow connections to this range though private or loopback: labs and tests only (repeatable)',
    parse: collect(cidr),
  },
  basePath: { value: 'prefix', help: 'serve under this path, behind a reverse proxy (e.g. /reachprobe)' },
  resolver: {
    value: 'addr[:port]',
    help: 'the DNS server the helper resolves targets with (default: the system resolver)',
    parse: dnsServer,
  },
  sourceAddress: { value: 'addr', help: 'make connections to targets from this local address' },
  timeout: {
    value: 'seconds',
    help: 'deadline of every stage of a measurement (default: dns 4, connect 10, tls 10, http 10)',
    parse: seconds,
  },
  concurrency: {
    value: 'n',
    help: 'targets of one request measured at once (default 32)',
    parse: positiveInteger(1024),
  },
  transfer: {
    value: 'bytes',
    help:
      'bytes of a body downloaded at most per target, its rate sent to the probe ' +
      `(default 524288, at most ${MAX_HELPER_TRANSFER}; 0: not measured)`,
    parse: nonNegativeInteger(MAX_HELPER_TRANSFER),
  },
  maxTargets: {
    value: 'n',
    help: 'targets in one request at most, 429 beyond (default 1000)',
    parse: positiveInteger(100_000),
  },
  maxMeasurements: {
    value: 'n',
    help:
      'targets under way for one token, all its requests together, 429 beyond; ' +
      'at least --max-targets (default 2000)',
    parse: positiveInteger(1_000_000),
  },
  maxRunning: {
    value: 'n',
    help:
      'targets measured at once, all tokens together (a request measures --concurrency at once), ' +
      '503 beyond (default 256)',
    parse: positiveInteger(100_000),
  },
  rateLimit: {
    value: 'n',
    help: 'requests a minute for one token, 429 beyond (default 6000)',
    parse: positiveInteger(1_000_000),
  },
  maxRequestBytes: {
    value: 'n',
    help: 'bytes of a request body at most, 413 beyond (default 1048576)',
    parse: positiveInteger(1 << 30),
  },
  maxConnections: {
    value: 'n',
    help: 'connections open at once, all clients together; beyond, closed at once (default 1024)',
    parse: positiveInteger(1_000_000),
  },
  maxConnectionsPerAddress: {
    value: 'n',
    help: 'connections open at once from one client address (IPv6: its /64); beyond, closed at once (default 32)',
    parse: positiveInteger(1_000_000),
  },
  verbose: { help: 'print each step of every measurement to stderr as it happens, beside the request lines' },
});

export const MOCK = optionTable({
  scenario: { value: 'name', help: 'gfw (default), clean, or a scenario file' },
  writeTargets: { value: 'file', help: 'write the targets file there (stdout gets the check command)' },
  for: { value: 'seconds', help: 'stop after this long (default: run until interrupted)', parse: seconds },
});

export const DIFF = optionTable({
  json: { help: 'write the changes as one JSON object' },
  color: colorSwitch('table'),
});

export const HISTORY = optionTable({
  html: {
    value: 'file',
    help: 'write a self-contained HTML page (a heatmap) to FILE instead of the terminal timeline',
  },
  last: { value: 'n', help: 'only the last N reports, by start time', parse: positiveInteger(1_000_000) },
  db: {
    value: 'file',
    help: 'answer from the store that `reachprobe ingest` fills: per target and time bucket, the share of each verdict',
  },
  by: {
    value: 'bucket',
    help: 'with --db: the time bucket, in UTC (default day)',
    choices: ['hour', 'day', 'week'],
  },
  since: {
    value: 'time',
    help: 'with --db: only reports started at or after this time (ISO, UTC)',
    parse: isoTime,
  },
  until: {
    value: 'time',
    help: 'with --db: only reports started before this time (ISO, UTC)',
    parse: isoTime,
  },
  label: {
    value: 'names',
    help: 'only these vantage points (repeatable, or comma-separated): reports of other labels are left out',
    parse: labels,
  },
  compare: {
    value: 'a,b',
    help: 'with --db: two vantage points side by side, and where they differ',
    parse: labelPair,
  },
  events: {
    help: 'list when each service changed state, per vantage point (flapping folded: see --hold)',
  },
  hold: {
    value: 'n',
    help: 'with --events: a new state counts once it held for N reports in a row (default 2)',
    parse: positiveInteger(1000),
  },
  services: {
    help: 'with --db: a line per vantage point and service, its state in each bucket (not per target)',
  },
  json: { help: 'with --db or --events: write one JSON object' },
  color: colorSwitch('timeline'),
});

export const INGEST = optionTable({
  db: { value: 'file', help: 'the store (a DuckDB file), made when missing', required: true },
});

export const EXPORT = optionTable({
  format: {
    value: 'format',
    help: 'jsonl, csv, or parquet (needs -o)',
    choices: ['jsonl', 'csv', 'parquet'],
    default: 'jsonl',
  },
  output: { short: '-o', value: 'file', help: 'write to FILE, atomically, instead of stdout' },
});

export type SelectionFlags = FlagsOf<typeof SELECTION>;
export type CheckFlags = FlagsOf<typeof CHECK>;
export type TargetsFlags = FlagsOf<typeof TARGETS> & SelectionFlags;
export type HelperFlags = FlagsOf<typeof HELPER>;
export type MockFlags = FlagsOf<typeof MOCK>;
export type DiffFlags = FlagsOf<typeof DIFF>;
export type HistoryFlags = FlagsOf<typeof HISTORY>;
export type IngestFlags = FlagsOf<typeof INGEST>;
export type ExportFlags = FlagsOf<typeof EXPORT>;
