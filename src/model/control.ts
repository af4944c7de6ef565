import type { FailureString } from './failure.js';
import type { CertificateSummary, HttpObservation } from './observation.js';
import type { QuicStage, QuicVerdictName } from './quic.js';
import type { TransferFigures } from './transfer.js';
import type { Families, VerdictName } from './verdict.js';

// The conversation with a helper abroad (`reachprobe helper`, OONI's test helper's role): what the
// probe asks for, and the control measurement that comes back for each target. control.schema.json
// describes both; within a schema_version fields are only ever added.

export const CONTROL_SCHEMA_VERSION = 1;

/** One target to measure from abroad, with the addresses the probe resolved for it (also dialled). */
export interface ControlTarget {
  name: string;
  url: string;
  addresses: string[];
  /** Measure it over QUIC too (the probe does). */
  quic?: boolean;
}

export interface ControlRequest {
  schema_version: typeof CONTROL_SCHEMA_VERSION;
  targets: ControlTarget[];
}

export interface ControlTcp {
  address: string;
  port: number;
  failure?: FailureString;
}

export interface ControlTls {
  address: string;
  port: number;
  /** The handshake completed (whatever the certificate). */
  handshake: boolean;
  failure?: FailureString;
  version?: string;
  certificate?: CertificateSummary;
  /** The chain leads to a CA the helper trusts, and the certificate is in its validity period. */
  trusted: boolean;
  /** Trusted and valid for the target's name. */
  valid_for_name: boolean;
}

/** The helper's HTTP round trip: the same fields as the probe's own (redirects recorded, not followed). */
export type ControlHttp = Pick<
  HttpObservation,
  | 'address'
  | 'port'
  | 'status'
  | 'location'
  | 'headers'
  | 'header_names'
  | 'body_bytes'
  | 'body_truncated'
  | 'title'
  | 'body_sha256'
> & {
  failure?: FailureString;
  /** The helper's transfer of the body, without its samples (when the helper measures transfers). */
  transfer?: TransferFigures;
};

export interface ControlQuic {
  verdict: QuicVerdictName;
  stage: QuicStage;
  failure?: FailureString;
  address: string;
  port: number;
  alpn?: string;
}

/** What the helper saw of one target: a line of its answer. */
export interface Control {
  type: 'control';
  name: string;
  url: string;
  /** Why the helper would not measure this target (an address no public name can have...): nothing was sent. */
  refused?: string;
  /** The helper's own resolver (absent for an IP literal). */
  dns?: { addresses: string[]; failure?: FailureString };
  /** A connect to each of the helper's addresses and each of the probe's. */
  tcp: ControlTcp[];
  /** Per address family, when the helper dialled addresses of both: each judged apart, as the probe does. */
  families?: Families;
  /** The probe's addresses the helper would not dial, and why ("10.0.0.1 (private (RFC 1918) address)"). */
  not_dialled?: string[];
  tls?: ControlTls;
  http?: ControlHttp;
  /** The helper's QUIC handshake, when asked for: its verdict, how far it got, to where. */
  quic?: ControlQuic;
  /** The helper's verdict on its own measurement. */
  verdict?: VerdictName;
  duration_ms: number;
}

/** The last line of the helper's answer: what it did with the request. */
export interface ControlEnd {
  type: 'end';
  targets: number;
  measured: number;
  refused: number;
  duration_ms: number;
}

export type ControlLine = Control | ControlEnd;

/**
 * OONI's `blocking`: what failed where the helper succeeded; false when nothing is blocked; null when the
 * control cannot say.
 */
export type Blocking = false | 'dns' | 'tcp_ip' | 'http-failure' | 'http-diff' | null;

/** The values a control can decide, as words (`false` is the string here): targets files and metrics spell them so. */
export const BLOCKING_VALUES = ['false', 'dns', 'tcp_ip', 'http-failure', 'http-diff'] as const;

/** The run's dealings with its helper, in the summary. */
export interface HelperSummary {
  url: string;
  /** Whether any answer came from the helper. */
  reachable: boolean;
  /** Why controls are missing (the first problem met), when some are. */
  why?: string;
  /** Targets sent, and controls that came back for them (refused ones included). */
  sent: number;
  controls: number;
  refused: number;
}
