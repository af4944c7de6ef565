import { servicesOf } from '../../classify/service.js';
import type { ServiceState } from '../../model/service.js';
import { VERDICT_NAMES, type VerdictName } from '../../model/verdict.js';
import { outcomeOf, refOf, type TargetOutcome, type ReportRef } from '../document/target-outcome.js';
import type { ReadReport } from '../document/read.js';

// Many reports as one timeline: a column per report (oldest first), a row per service (its state,
// src/classify/service.ts) and a row per target under it, an outcome per cell. The renderers
// (terminal, HTML) only lay this out.

/** What history keeps of a report: enough for its column, not the checks and evidence. */
export interface Digest {
  ref: ReportRef;
  /** The vantage point's label (`check --label`), when the report has one. */
  label?: string;
  results: Array<{ name: string; service: string; outcome: TargetOutcome }>;
  services: ServiceOutcome[];
}

/** A service's state in one report, and why. */
export interface ServiceOutcome {
  service: string;
  state: ServiceState;
  how: string[];
  reason: string;
}

export function digestOf(r: ReadReport): Digest {
  return {
    ref: refOf(r),
    ...(r.doc.vantage_point ? { label: r.doc.vantage_point.label } : {}),
    results: r.doc.results.map((t) => ({ name: t.name, service: t.service, outcome: outcomeOf(t) })),
    services: servicesOf(r.doc.results).map(({ service, state, how, reason }) => ({
      service,
      state,
      how,
      reason,
    })),
  };
}

export interface Column extends ReportRef {
  /** The vantage point's label, when the report has one. */
  label?: string;
  /** Targets per verdict in this report. */
  counts: Partial<Record<VerdictName, number>>;
  /** Time since the previous report started (absent for the first). */
  after_ms?: number;
  /** The interval before this report is over twice the median one: the time axis is irregular here. */
  long_gap: boolean;
}

export interface Row {
  name: string;
  /** The vantage point, when the reports come from more than one: a row per target and label. */
  label?: string;
  /** The service in the latest report that has the target. */
  service: string;
  /** One per column; undefined where the report has no such target. */
  cells: Array<TargetOutcome | undefined>;
}

/** A service's states over the reports, per vantage point when the reports come from more than one. */
export interface ServiceRow {
  service: string;
  label?: string;
  cells: Array<ServiceOutcome | undefined>;
}

export interface Timeline {
  columns: Column[];
  /** Grouped by service; services and targets in the order they first appear. */
  rows: Row[];
  /** In the order of `rows`' services; a service's vantage points in the order they first appear. */
  services: ServiceRow[];
}

const startOf = (d: Digest) => Date.parse(d.ref.started_at);

/** Oldest first; two reports of the same instant keep a fixed order (by file). */
function chronological(digests: Digest[]): Digest[] {
  return [...digests].sort((a, b) => startOf(a) - startOf(b) || a.ref.file.localeCompare(b.ref.file));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function columnsOf(digests: Digest[]): Column[] {
  const gaps = digests.slice(1).map((d, i) => startOf(d) - startOf(digests[i]!));
  const usual = median(gaps);
  return digests.map((d, i) => {
    const counts: Column['counts'] = {};
    for (const { outcome } of d.results) counts[outcome.verdict] = (counts[outcome.verdict] ?? 0) + 1;
    const after = i === 0 ? undefined : gaps[i - 1]!;
    return {
      ...d.ref,
      ...(d.label === undefined ? {} : { label: d.label }),
      counts,
      ...(after === undefined ? {} : { after_ms: after }),
      long_gap: after !== undefined && after > 2 * usual,
    };
  });
}

/** Two vantage points alternating in one row would read as flapping: each gets rows of its own. */
const apartOf = (digests: Digest[]) => new Set(digests.map((d) => d.label)).size > 1;

function serviceRowsOf(digests: Digest[], rows: Row[]): ServiceRow[] {
  const apart = apartOf(digests);
  const found = new Map<string, ServiceRow>();
  digests.forEach((d, column) => {
    const label = apart ? d.label : undefined;
    for (const outcome of d.services) {
      const key = JSON.stringify([outcome.service, label ?? null]);
      const row = found.get(key) ?? {
        service: outcome.service,
        ...(label === undefined ? {} : { label }),
        cells: new Array<ServiceOutcome | undefined>(digests.length).fill(undefined),
      };
      row.cells[column] = outcome;
      found.set(key, row);
    }
  });
  const order = [...new Set(rows.map((r) => r.service))];
  return [...found.values()].sort((a, b) => order.indexOf(a.service) - order.indexOf(b.service));
}

function rowsOf(digests: Digest[]): Row[] {
  const apart = apartOf(digests);
  const rows = new Map<string, Row>();
  digests.forEach((d, column) => {
    const label = apart ? d.label : undefined;
    for (const { name, service, outcome } of d.results) {
      const key = JSON.stringify([name, label ?? null]);
      const row = rows.get(key) ?? {
        name,
        ...(label === undefined ? {} : { label }),
        service,
        cells: new Array<TargetOutcome | undefined>(digests.length).fill(undefined),
      };
      row.service = service; // the latest wins: a target moved to another service shows under the new one
      row.cells[column] = outcome;
      rows.set(key, row);
    }
  });
  const services = [...new Set([...rows.values()].map((r) => r.service))];
  const names = [...new Set([...rows.values()].map((r) => r.name))];
  // A target's rows (one per vantage point) stay together, in the order the targets first appear.
  return [...rows.values()].sort(
    (a, b) =>
      services.indexOf(a.service) - services.indexOf(b.service) ||
      names.indexOf(a.name) - names.indexOf(b.name),
  );
}

/** The timeline of the reports, or of the `last` most recent ones. */
export function buildTimeline(digests: Digest[], last?: number): Timeline {
  const shown = chronological(digests).slice(last === undefined ? 0 : -last);
  const rows = rowsOf(shown);
  return { columns: columnsOf(shown), rows, services: serviceRowsOf(shown, rows) };
}

/** A row's name as shown: the target (or service), and its vantage point when the timeline has several. */
export const rowName = (row: Row | ServiceRow): string => {
  const name = 'name' in row ? row.name : row.service;
  return row.label === undefined ? name : `${name} @${row.label}`;
};

/** The verdicts the timeline shows, in the usual order (for a legend of only what is there). */
export function verdictsIn(timeline: Timeline): VerdictName[] {
  const seen = new Set(timeline.rows.flatMap((r) => r.cells.map((c) => c?.verdict)));
  return VERDICT_NAMES.filter((v) => seen.has(v));
}
