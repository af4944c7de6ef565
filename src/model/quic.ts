// The QUIC handshake check's observation, and the QUIC part of a target's result. Kept apart from
// observation.ts: QUIC has its own verdict (`quic` in a result), beside the one over TCP.
import type { Failure } from './failure.js';
import type { CertificateSummary, CheckPurpose, Timed } from './observation.js';
import { VERDICT_NAMES, type BlockedBy, type VerdictName } from './verdict.js';

/** The verdicts over TCP, and `not-offered`: nothing answers QUIC there, and nothing says the service speaks it. */
export type QuicVerdictName = VerdictName | 'not-offered';
export const QUIC_VERDICT_NAMES: readonly QuicVerdictName[] = [...VERDICT_NAMES, 'not-offered'];

/**
 * What says the service speaks QUIC: the Alt-Svc header over TCP, the target's `quic: true`, the helper's
 * handshake.
 */
export type QuicEvidence = 'alt-svc' | 'target' | 'helper';

/** A target's QUIC measurement, classified: `quic` in its result. */
export interface QuicResult {
  verdict: QuicVerdictName;
  /** How far the target's own handshake got. */
  stage: QuicStage;
  failure?: Failure['failure'];
  'blocked-by'?: BlockedBy;
  /** Whether the service offers QUIC: true with evidence, false when refused without any, null when nothing tells. */
  offered: boolean | null;
  /** What says it is offered (empty when nothing does). */
  offered_by: QuicEvidence[];
  address: string;
  port: number;
  local_port?: number;
  alpn?: string;
  /** `possibly-residual`: the same server's UDP port was blocked less than 180 s before. */
  flags?: string[];
  residual_of?: { target: string; endpoint: string; ago_ms: number };
  reason: string;
  evidence: string[];
  timings: { handshake_ms?: number; first_response_ms?: number; total_ms: number };
  /** Each address and port tried, decoy then own: those that did not decide first, the deciding pair last. */
  checks: QuicObservation[];
}

/** How far a QUIC handshake got: nothing heard, the server answered, or its Finished verified. */
export type QuicStage = 'initial' | 'handshake' | 'complete';

/**
 * A failure of the QUIC handshake, labelled with OONI's operation for it by QUIC's own classifier
 * (src/net/errors). The failure strings are the one taxonomy's.
 */
export type QuicFailure = Omit<Failure, 'operation'> & { operation: 'quic_handshake' };

/** Why received packets were not used, by kind (the first reason of each kind kept as given). */
export interface IgnoredReason {
  reason: string;
  count: number;
}

export interface QuicObservation extends Timed {
  check: 'quic_handshake';
  /** `decoy` for the innocuous handshake (another SNI) made first to the same address and port. */
  purpose?: CheckPurpose;
  /**
   * A decoy reused from another target measured on the same address and UDP port shortly before: that
   * target's name.
   */
  shared_from?: string;
  /** The handshake's own connection, numbered in the run as TCP's are (each handshake has one of its own). */
  transaction_id?: number;
  address: string;
  port: number;
  /** The UDP source port: the GFW inspects only flows whose source port is above the destination's. */
  local_port?: number;
  /** The SNI of the ClientHello (absent for an IP literal). */
  sni?: string;
  stage: QuicStage;
  cipher?: string;
  alpn?: string;
  signature_scheme?: string;
  /** As over TCP: the server's certificate, checked against the name; a decoy's is not recorded. */
  certificate?: CertificateSummary;
  /** The server asked for address validation with a Retry, and it was followed. */
  retry: boolean;
  /** The versions a Version Negotiation offered instead of v1, in hex. */
  server_versions?: string[];
  initials_sent: number;
  datagrams_sent: number;
  datagrams_received: number;
  /** Datagrams beyond what a handshake may take, dropped unread (a flood). */
  datagrams_unread: number;
  bytes_received: number;
  ignored: IgnoredReason[];
  ignored_total: number;
  /** From the first Initial sent. */
  first_response_ms?: number;
  handshake_ms?: number;
  failure?: QuicFailure;
}
