import type { Failure } from './failure.js';
import type { Transfer } from './transfer.js';

// The raw facts each check records. They go into the JSON report unchanged (field names are the
// report's), and `classify` reads nothing else.

/** Milliseconds since the start of the run, and how long the step took. */
export interface Timed {
  started_ms: number;
  duration_ms: number;
}

export interface DnsAnswer {
  type: string;
  data: string;
  ttl: number;
}

/** One UDP reply to our query, in the order it arrived. */
export interface DnsReply {
  from: string;
  /** Milliseconds after the query was first sent. */
  after_ms: number;
  rcode: string;
  answers: DnsAnswer[];
  /** The A/AAAA addresses among the answers. */
  addresses: string[];
  /** The TC bit: the server cut the answer to fit UDP (only what came is recorded). */
  truncated?: boolean;
  /** The send it answers, when a later one (2 or 3): a query unanswered is sent again, with a new ID. */
  send?: number;
}

/** The system (or configured) resolver: what an application on this machine would get. */
export interface ResolveObservation extends Timed {
  check: 'resolve';
  host: string;
  resolver: string;
  addresses: string[];
  failure?: Failure;
}

/**
 * What a raw query is for: `resolver` asks the resolver for A or AAAA; `wrong_type` asks it for TXT,
 * which an injector answers with an A record; `sink` asks an address that runs no DNS server, so any
 * reply is forged.
 */
export type DnsQueryPurpose = 'resolver' | 'wrong_type' | 'sink';

/** A raw UDP query that listens for every reply to its ID during a window after the first one. */
export interface DnsQueryObservation extends Timed {
  check: 'dns_query';
  purpose: DnsQueryPurpose;
  host: string;
  query_type: string;
  server: string;
  window_ms: number;
  replies: DnsReply[];
  /** Packets that arrived but were not replies to this query (wrong ID, source, or malformed). */
  ignored: string[];
  /** How many times the query went out, when more than once: sent again while unanswered, with a new ID. */
  sent?: number;
  failure?: Failure;
}

/** A lookup through a control resolver over DNS-over-HTTPS (RFC 8484). */
export interface DohObservation extends Timed {
  check: 'doh_query';
  host: string;
  query_type: string;
  url: string;
  rcode?: string;
  addresses: string[];
  failure?: Failure;
}

/**
 * Why a connection-level check was made, when it is not the target's own: `decoy` is the innocuous
 * check made first on the same IP:port (another SNI or Host), `sni_probe` the target's SNI sent to a
 * known-clean address, `residual_check` an innocuous check repeated after a block to see it last,
 * `transfer_control` the same URL fetched on the same IP:port with the innocuous name, after a slow
 * transfer (to tell a throttler keyed on the name from a slow path).
 */
export type CheckPurpose = 'decoy' | 'sni_probe' | 'residual_check' | 'transfer_control';

/** Fields of every connect, TLS and HTTP check. */
interface Attempt {
  purpose?: CheckPurpose;
  /** Which try of the target's own check (1 when absent). */
  try?: number;
  /** A decoy reused from another target measured on the same IP:port shortly before: that target's name. */
  shared_from?: string;
  /**
   * The connection it was made on, numbered in the run: the connect, TLS and HTTP checks of one
   * connection share it (a reused decoy keeps the one it was made on, for the other target).
   */
  transaction_id?: number;
}

export interface ConnectObservation extends Timed, Attempt {
  check: 'connect';
  address: string;
  port: number;
  failure?: Failure;
}

export interface CertificateSummary {
  subject: string;
  issuer: string;
  valid_from: string;
  valid_to: string;
  subject_alt_names: string;
  fingerprint256: string;
}

export interface TlsObservation extends Timed, Attempt {
  check: 'tls_handshake';
  address: string;
  port: number;
  /** The name sent in the ClientHello (absent for an IP literal). */
  sni?: string;
  version?: string;
  cipher?: string;
  alpn?: string;
  /**
   * The server's certificate, checked against the name. A decoy's is neither recorded nor checked
   * (it is for another name by design): its failure is only ever the handshake's own.
   */
  certificate?: CertificateSummary;
  failure?: Failure;
}

export interface HttpObservation extends Timed, Attempt {
  check: 'http_round_trip';
  address: string;
  port: number;
  url: string;
  /** The Host header sent, when it is not the URL's (a decoy). */
  host_header?: string;
  status?: number;
  /** Where a redirect points (recorded, not followed). */
  location?: string;
  server_header?: string;
  /** Selected response headers (server, location, alt-svc, content-type, via), as sent. */
  headers?: Record<string, string>;
  /** The names of every response header, lower case and sorted: what a blockpage comparison reads. */
  header_names?: string[];
  body_bytes: number;
  body_truncated: boolean;
  /** The page's <title>, from the body read. */
  title?: string;
  /** SHA-256 (hex) of the body bytes read (up to the cap). */
  body_sha256?: string;
  /** The body's transfer over time (with --transfer). */
  transfer?: Transfer;
  failure?: Failure;
}

export type Observation =
  | ResolveObservation
  | DnsQueryObservation
  | DohObservation
  | ConnectObservation
  | TlsObservation
  | HttpObservation;

/** The observations of one kind, typed as such. */
export const find = <K extends Observation['check']>(checks: Observation[], kind: K) =>
  checks.filter((c): c is Extract<Observation, { check: K }> => c.check === kind);

/** The target's own checks of a kind, without decoys and probes. */
export const own = <K extends 'connect' | 'tls_handshake' | 'http_round_trip'>(
  checks: Observation[],
  kind: K,
) => find(checks, kind).filter((c) => (c as Attempt).purpose === undefined);

/** The probe's own first dials (not a try's fresh connection): one per address it measured. */
export const ownDials = (checks: Observation[]) => own(checks, 'connect').filter((c) => c.try === undefined);

/** The decoy (innocuous) check of a kind, if one was made. */
export const decoyOf = <K extends 'tls_handshake' | 'http_round_trip'>(checks: Observation[], kind: K) =>
  find(checks, kind).find((c) => (c as Attempt).purpose === 'decoy');
