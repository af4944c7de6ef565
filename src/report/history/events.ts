import { servicesOf } from '../../classify/service.js';
import type { ServiceState } from '../../model/service.js';
import type { ReadReport } from '../document/read.js';

// `history --events`: when a service's state changed, per service and vantage point, from a run of
// reports. A new state counts once it held for `hold` reports in a row; a shorter excursion is a
// flap, folded into the state around it and counted.

/** What events keep of a report: its time, its vantage point, and each service's state. */
export interface ServiceSample {
  at: string;
  label: string;
  services: Array<{ service: string; state: ServiceState; how: string[] }>;
}

/** Reports without a vantage point's label are grouped under this name. */
export const UNLABELLED = '(unlabelled)';

export function sampleOf(r: ReadReport): ServiceSample {
  return {
    at: r.doc.summary.started_at,
    label: r.doc.vantage_point?.label ?? UNLABELLED,
    services: servicesOf(r.doc.results).map(({ service, state, how }) => ({ service, state, how })),
  };
}

/** One state that held, from its first report to its last. */
export interface Period {
  state: ServiceState;
  how: string[];
  from: string;
  /** The last report in this state (absent: it still holds in the newest report). */
  until?: string;
  reports: number;
}

export interface ServiceEvents {
  service: string;
  label: string;
  periods: Period[];
  /** Excursions shorter than `hold` reports, folded into the state around them. */
  flaps: number;
  /** Vantage points whose current state of this service is this one's (this one included). */
  agree: number;
  /** Vantage points that measured this service. */
  vantage_points: number;
}

interface Point {
  at: string;
  state: ServiceState;
  how: string[];
}

/** Folds one vantage point's points (oldest first) into periods, counting the flaps. */
export function foldPeriods(points: Point[], hold: number): { periods: Period[]; flaps: number } {
  const periods: Period[] = [];
  let flaps = 0;
  let pending: Point[] = [];
  const current = () => periods.at(-1);
  const extend = (p: Point) => {
    const last = current()!;
    last.until = p.at;
    last.reports++;
  };
  for (const p of points) {
    const last = current();
    if (!last) {
      periods.push({ state: p.state, how: p.how, from: p.at, until: p.at, reports: 1 });
    } else if (p.state === last.state) {
      if (pending.length > 0) flaps++;
      pending = [];
      extend(p);
    } else {
      if (pending.length > 0 && pending[0]!.state !== p.state) {
        flaps++;
        pending = [];
      }
      pending.push(p);
      if (pending.length >= hold) {
        const [first] = pending;
        periods.push({ state: first!.state, how: first!.how, from: first!.at, until: p.at, reports: 0 });
        for (const q of pending) extend(q);
        pending = [];
      }
    }
  }
  // The newest state may still be pending: the current period holds until the reports say otherwise.
  delete current()?.until;
  return { periods, flaps };
}

/** Every service and vantage point, in the order they first appear, with its periods. */
export function buildEvents(samples: ServiceSample[], hold: number): ServiceEvents[] {
  const sorted = [...samples].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const points = new Map<string, { service: string; label: string; points: Point[] }>();
  for (const s of sorted) {
    for (const { service, state, how } of s.services) {
      const key = JSON.stringify([service, s.label]);
      const entry = points.get(key) ?? { service, label: s.label, points: [] };
      entry.points.push({ at: s.at, state, how });
      points.set(key, entry);
    }
  }
  const folded = [...points.values()].map((e) => ({ ...e, ...foldPeriods(e.points, hold) }));
  return folded.map(({ service, label, periods, flaps }) => {
    const peers = folded.filter((f) => f.service === service);
    const now = periods.at(-1)!.state;
    return {
      service,
      label,
      periods,
      flaps,
      agree: peers.filter((f) => f.periods.at(-1)!.state === now).length,
      vantage_points: peers.length,
    };
  });
}
