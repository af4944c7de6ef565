// The QUIC handshake check's result, as a report will hold it. Kept apart from observation.ts until
// the check is wired into `check` (the classifier and the report schema do not read it yet).
import type { Failure } from './failure.js';
import type { CertificateSummary, CheckPurpose, Timed } from './observation.js';

/** How far a QUIC handshake got: nothing heard, the server answered, or its Finished verified. */
export type QuicStage = 'initial' | 'handshake' | 'complete';

/**
 * A failure of the QUIC handshake, labelled with OONI's operation for it. The failure strings are
 * the one taxonomy's; the shared Operation type gets a QUIC step when the classifier reads QUIC.
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
