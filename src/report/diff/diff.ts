import type { TargetResult } from '../../model/result.js';
import { RATE_CHANGE } from '../../model/transfer.js';
import { outcomeOf, refOf, type TargetOutcome, type ReportRef } from '../document/target-outcome.js';
import type { ReadReport } from '../document/read.js';
import { servicesOf } from '../../classify/service.js';
import type { ServiceVerdict } from '../../model/service.js';

// What changed between two reports, target by target (keyed by name): a verdict that changed, a
// target that appeared or vanished. Only the verdict counts as a change (and the QUIC verdict and
// OONI's blocking where both reports have them, and a transfer rate that fell or rose tenfold);
// a reset that moved from one stage to another is the same verdict, and the detail is still shown
// beside a real change. Above the targets, the services whose state changed: what a reader asks first.

export type ChangeKind = 'changed' | 'appeared' | 'vanished';

export interface Change {
  change: ChangeKind;
  name: string;
  /** The service in the newer report, or in the older one for a target that vanished. */
  service: string;
  old?: TargetOutcome;
  new?: TargetOutcome;
}

/** A service whose state changed (absent on one side: the service appeared or vanished). */
export interface ServiceChange {
  service: string;
  old?: ServiceVerdict;
  new?: ServiceVerdict;
}

export interface ReportDiff {
  old: ReportRef;
  new: ReportRef;
  /** Services whose state changed, in the newer report's order, then those that vanished. */
  services: ServiceChange[];
  counts: Record<ChangeKind | 'unchanged', number>;
  /** Changed, then appeared (both in the newer report's order), then vanished (in the older's). */
  changes: Change[];
}

function changeOf(
  name: string,
  before: TargetResult | undefined,
  after: TargetResult | undefined,
): Change | undefined {
  if (before && after) {
    const [old, now] = [outcomeOf(before), outcomeOf(after)];
    // A QUIC verdict, or blocking, counts when both runs had it (a run without --quic or --helper is no change of it).
    const changed = (key: 'quic_verdict' | 'blocking') =>
      old[key] !== undefined && now[key] !== undefined && old[key] !== now[key];
    const same = !changed('quic_verdict') && !changed('blocking') && !rateMoved(old, now);
    if (before.verdict === after.verdict && same) return undefined;
    return { change: 'changed', name, service: after.service, old, new: now };
  }
  if (after) return { change: 'appeared', name, service: after.service, new: outcomeOf(after) };
  return { change: 'vanished', name, service: before!.service, old: outcomeOf(before!) };
}

function rateMoved(old: TargetOutcome, now: TargetOutcome): boolean {
  const [a, b] = [old.rate_bytes_per_second, now.rate_bytes_per_second];
  if (a === undefined || b === undefined || a <= 0 || b <= 0) return false;
  return a / b >= RATE_CHANGE || b / a >= RATE_CHANGE;
}

/** Judged from the results, so that reports written before services were judged compare too. */
function serviceChanges(older: ReadReport, newer: ReadReport): ServiceChange[] {
  const before = new Map(servicesOf(older.doc.results).map((s) => [s.service, s]));
  const after = new Map(servicesOf(newer.doc.results).map((s) => [s.service, s]));
  const names = [...after.keys(), ...[...before.keys()].filter((n) => !after.has(n))];
  return names.flatMap((service) => {
    const [old, now] = [before.get(service), after.get(service)];
    return old?.state === now?.state ? [] : [{ service, ...(old && { old }), ...(now && { new: now }) }];
  });
}

const ORDER: ChangeKind[] = ['changed', 'appeared', 'vanished'];

export function diffReports(older: ReadReport, newer: ReadReport): ReportDiff {
  const before = new Map(older.doc.results.map((r) => [r.name, r]));
  const after = new Map(newer.doc.results.map((r) => [r.name, r]));
  const names = [...after.keys(), ...[...before.keys()].filter((n) => !after.has(n))];
  const found = names.flatMap((n) => changeOf(n, before.get(n), after.get(n)) ?? []);
  // A stable sort: within a kind, the report order stays.
  const changes = found.sort((a, b) => ORDER.indexOf(a.change) - ORDER.indexOf(b.change));
  const count = (kind: ChangeKind) => changes.filter((c) => c.change === kind).length;
  return {
    old: refOf(older),
    new: refOf(newer),
    services: serviceChanges(older, newer),
    counts: {
      changed: count('changed'),
      appeared: count('appeared'),
      vanished: count('vanished'),
      unchanged: names.length - changes.length,
    },
    changes,
  };
}
