// Small report documents for the unit tests of diff and history: only what they read is filled in.
import type { TargetResult } from '../../src/model/result.js';
import type { VerdictName } from '../../src/model/verdict.js';
import { legacyId, type ReadReport } from '../../src/report/document/read.js';

export type Line = [name: string, verdict: VerdictName, extra?: Partial<TargetResult>];

export function resultOf([name, verdict, extra]: Line): TargetResult {
  return { name, service: `S-${name}`, verdict, reason: `${name} is ${verdict}`, ...extra } as TargetResult;
}

export function reportOf(
  lines: Line[],
  started_at = '2026-11-23T12:00:00.000Z',
  file = `${started_at}.json`,
  partial = false,
): ReadReport {
  const doc = {
    schema_version: 1,
    tool: { name: 'reachprobe', version: 'test' },
    options: {},
    summary: { started_at },
    results: lines.map(resultOf),
  };
  return { file, doc: doc as unknown as ReadReport['doc'], partial, id: legacyId(file) };
}

/** Timings for results whose duration no assertion reads. */
export const TIMINGS = { chain_ms: 1, total_ms: 1 };

/** The summary of a run that was online, for the renderers' tests; `more` adds or overrides fields. */
export const summaryOf = <T extends object = object>(more?: T) => ({
  ...reportOf([]).doc.summary,
  counts: {},
  unmet: 0,
  vantage: 'online' as const,
  duration_ms: 1,
  ...more,
});
