import type { Failure } from '../../model/failure.js';
import type { Outcome } from '../../model/outcome.js';
import type { Target } from '../../model/target.js';
import type { ProbeEnv, ProbeOptions } from '../options.js';

// The preflight of a new vantage point (`reachprobe doctor`): one answer per question, in plain words.

/** ok: works; attention: something to fix before trusting a run; note: a fact, or not tested. */
export type Status = 'ok' | 'attention' | 'note';

export interface Answer {
  topic: string;
  status: Status;
  says: string;
}

export interface HelperSettings {
  url: string;
  /** The first non-empty line of --helper-token-file, or why there is none. */
  token: { value: string } | { problem: string };
  timeoutMs: number;
}

export interface DoctorInput {
  /** The configured targets: their controls are what doctor asks. */
  targets: Target[];
  options: ProbeOptions;
  env: ProbeEnv;
  /** --helper-resolve and --resolve pins, by "host:port". */
  pins: Map<string, string[]>;
  helper?: HelperSettings;
}

/** What worked, for the recommended command line. */
export interface Works {
  rawDns: boolean;
  sink: boolean;
  controls: string[];
  helper: boolean;
}

export interface Finding {
  answers: Answer[];
  works?: Partial<Works>;
  /** Date headers seen, with when they were received, for the clock question. */
  dates?: Array<{ from: string; date: string; receivedAt: number }>;
}

export const say = (topic: string, status: Status, says: string): Answer => ({ topic, status, says });

/** "connection_refused (connect ECONNREFUSED 127.0.0.1:9)". */
export const why = (f: Failure): string =>
  `${f.failure}${f.message && f.message !== f.failure ? ` (${f.message})` : ''}`;

/** The addresses of host:port: a --resolve or --helper-resolve pin, else the run's resolver. */
export function lookupFor(input: DoctorInput, port: number): (host: string) => Promise<Outcome<string[]>> {
  return (host) => {
    const pinned = input.pins.get(`${host}:${port}`);
    return pinned
      ? Promise.resolve({ ok: true, value: pinned })
      : input.env.resolver.lookup(host, input.options.timeouts.dns);
  };
}
