import type { Blocking, Control, HelperSummary } from './control.js';
import type { FailureString, Operation } from './failure.js';
import type { DnsQueryObservation, Observation } from './observation.js';
import type { QuicResult, QuicVerdictName } from './quic.js';
import type { ServiceVerdict, UnlistedServices } from './service.js';
import type { ExpectedBlocking, Role } from './target.js';
import type { Throughput } from './transfer.js';
import type { BlockedBy, Families, Heuristic, Lingering, RedirectHop, VerdictName } from './verdict.js';

export interface Timings {
  resolve_ms?: number;
  dns_query_ms?: number;
  connect_ms?: number;
  tls_ms?: number;
  http_ms?: number;
  /** From the start to the last connection step: how long an application would have waited. */
  chain_ms: number;
  /** Including the DNS queries that kept listening for late (injected) replies. */
  total_ms: number;
}

/** One target's line of the report. */
export interface TargetResult {
  name: string;
  service: string;
  url: string;
  role?: Role;
  /** The targets file's `essential: true`: the service needs this endpoint. */
  essential?: boolean;
  tags: string[];
  verdict: VerdictName;
  /** What was measured, when the run's context replaced the verdict (vantage offline). */
  measured_verdict?: VerdictName;
  stage?: Operation;
  failure?: FailureString;
  /** What the block is keyed on: the server's address, the TLS name, the HTTP Host, or not known. */
  'blocked-by'?: BlockedBy;
  /** Per address family, when the name has addresses of both: the verdict is what happy eyeballs gets. */
  families?: Families;
  /** The redirects followed (--max-redirects), each hop measured as the target is. */
  redirects?: RedirectHop[];
  /** `possibly-residual`: another target was blocked on the same IP:port shortly before. */
  flags?: string[];
  /** What --residual-check saw: how long innocuous checks on the same IP:port stayed blocked. */
  residual_check?: Lingering;
  /** The earlier block this result may only echo. */
  residual_of?: { target: string; endpoint: string; ago_ms: number };
  reason: string;
  evidence: string[];
  /** DNS-poisoning heuristics that fired, strong and weak. */
  dns_heuristics?: Heuristic[];
  /** OONI's: what is blocked where the helper abroad succeeded; false: nothing; null: no control, or it cannot say. */
  blocking: Blocking;
  /** OONI's: whether the service works from here, as the control tells it; null without one. */
  accessible: boolean | null;
  /** What the helper abroad saw (absent without a helper). */
  control?: Omit<Control, 'type' | 'name' | 'url'>;
  /** The QUIC handshake's verdict (absent when the target was not measured over QUIC). */
  quic?: QuicResult;
  /** The transfer's rate here and the controls' (with --transfer, on http(s) targets that got a body). */
  throughput?: Throughput;
  addresses: string[];
  timings: Timings;
  expect?: VerdictName;
  expect_blocking?: ExpectedBlocking;
  expect_accessible?: boolean;
  expect_quic?: QuicVerdictName;
  expect_met: boolean;
  started_at: string;
  checks: Observation[];
}

/** What the run learnt about its DNS path before measuring the targets (nothing, when no target needs DNS). */
export interface DnsPreflight {
  sink?: {
    server: string;
    usable: boolean;
    /** Why the sink cannot be trusted, when it cannot. */
    why?: string;
    canaries: DnsQueryObservation[];
  };
  /** Absent when no target needed DNS. */
  nxdomain?: {
    /** A random name that cannot exist. */
    name: string;
    /** Addresses the resolver gave for it anyway (empty when it said NXDOMAIN, as it should). */
    rewritten_to: string[];
    /** The failure string the lookup ended with, normally dns_nxdomain_error. */
    answer?: string;
  };
}

export type Vantage = 'online' | 'offline' | 'unknown';

export interface RunSummary {
  started_at: string;
  ended_at: string;
  duration_ms: number;
  targets: number;
  counts: Partial<Record<VerdictName, number>>;
  /** Whether the domestic controls were reachable. */
  vantage: Vantage;
  /** Targets that missed their `expect` (or, without one, are not reachable). */
  unmet: number;
  dns_preflight: DnsPreflight;
  /** --helper: whether it answered, and how many controls came. */
  helper?: HelperSummary;
  /** A verdict per service, from its targets' verdicts (absent in reports written before services were judged). */
  services?: ServiceVerdict[];
  /** The services not in `services` (single-target ones past a limit), counted by state. */
  unlisted_services?: UnlistedServices;
  notes: string[];
}
