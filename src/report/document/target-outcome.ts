import type { Blocking } from '../../model/control.js';
import type { FailureString, Operation } from '../../model/failure.js';
import type { QuicVerdictName } from '../../model/quic.js';
import type { TargetResult } from '../../model/result.js';
import type { BlockedBy, VerdictName } from '../../model/verdict.js';
import type { ReadReport } from './read.js';

// What diff and history show of a target in one report, and of the report itself: the verdict and
// where and why it failed, without the checks and evidence that make a report large.

export interface TargetOutcome {
  verdict: VerdictName;
  measured_verdict?: VerdictName;
  stage?: Operation;
  failure?: FailureString;
  'blocked-by'?: BlockedBy;
  /** The QUIC verdict, when the target was measured over QUIC. */
  quic_verdict?: QuicVerdictName;
  /** OONI's blocking, when a helper's control decided it. */
  blocking?: Exclude<Blocking, null>;
  /** The transfer's rate (body bytes a second), when it was measured. */
  rate_bytes_per_second?: number;
  reason: string;
}

export function outcomeOf(r: TargetResult): TargetOutcome {
  return {
    verdict: r.verdict,
    ...(r.measured_verdict ? { measured_verdict: r.measured_verdict } : {}),
    ...(r.stage ? { stage: r.stage } : {}),
    ...(r.failure ? { failure: r.failure } : {}),
    ...(r['blocked-by'] ? { 'blocked-by': r['blocked-by'] } : {}),
    ...(r.quic ? { quic_verdict: r.quic.verdict } : {}),
    // Reports from before the helper have no blocking at all.
    ...(r.blocking !== null && r.blocking !== undefined ? { blocking: r.blocking } : {}),
    ...(r.throughput ? { rate_bytes_per_second: r.throughput.rate_bytes_per_second } : {}),
    reason: r.reason,
  };
}

/** Which report: the file, when its run started, whether it was interrupted. */
export interface ReportRef {
  file: string;
  started_at: string;
  partial: boolean;
  targets: number;
}

export function refOf(r: ReadReport): ReportRef {
  return {
    file: r.file,
    started_at: r.doc.summary.started_at,
    partial: r.partial,
    targets: r.doc.results.length,
  };
}
