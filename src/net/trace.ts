import diagnostics_channel from 'node:diagnostics_channel';

// The steps of a measurement as they happen, for `--verbose` (or any other subscriber): one
// diagnostics channel per step. Nothing is built unless someone listens, so a run without
// --verbose pays one property read per step.

export const STEPS = ['dns', 'connect', 'tls', 'http', 'quic', 'decoy', 'control'] as const;
export type Step = (typeof STEPS)[number];

export interface TraceEvent {
  step: Step;
  /** What is done to what, e.g. "TLS handshake, SNI example.org, 1.2.3.4:443". */
  what: string;
  /** Absent when the step starts; "ok" or the failure when it ends. */
  outcome?: string;
  durationMs?: number;
}

/** The channel's name: stable, for subscribers outside reachprobe too. */
export const channelName = (step: Step): string => `reachprobe:${step}`;

const CHANNELS = new Map(STEPS.map((s) => [s, diagnostics_channel.channel(channelName(s))]));

/** Publishes an event built only when the step's channel has subscribers. */
export function trace(step: Step, event: () => Omit<TraceEvent, 'step'>): void {
  const channel = CHANNELS.get(step)!;
  if (channel.hasSubscribers) channel.publish({ step, ...event() });
}

/** A failure of the taxonomy (model/failure.ts), of TCP, TLS, HTTP or QUIC. */
interface Failed {
  failure: string;
  code?: string;
}

interface Ended {
  failure?: Failed;
  duration_ms: number;
}

/** "connection_reset (ECONNRESET)": the taxonomy's string, and the code for people who debug. */
const failed = (f: Failed) => (f.code === undefined ? f.failure : `${f.failure} (${f.code})`);

/**
 * Traces a step's start; the function returned traces its end from the observation it made (and
 * returns that observation). `detail` says what came of a step that did not fail.
 */
export function traceStep<O extends Ended>(
  step: Step,
  what: () => string,
  detail?: (observation: O) => string,
): (observation: O) => O {
  trace(step, () => ({ what: what() }));
  return (observation) => {
    trace(step, () => ({
      what: what(),
      outcome: observation.failure ? failed(observation.failure) : (detail?.(observation) ?? 'ok'),
      durationMs: observation.duration_ms,
    }));
    return observation;
  };
}
