import type { RunSummary, TargetResult, Timings, Vantage } from '../../model/result.js';
import type { VantagePoint } from '../../model/vantage-point.js';
import { BLOCKING_VALUES } from '../../model/control.js';
import { QUIC_VERDICT_NAMES } from '../../model/quic.js';
import { SERVICE_STATES, type ServiceVerdict, type UnlistedServices } from '../../model/service.js';
import { VERDICT_NAMES } from '../../model/verdict.js';

// Metrics in Prometheus' text format, for node_exporter's textfile collector (--prom FILE, written
// atomically as the collector requires). Verdicts are state sets: every verdict has its series, 1
// for the one that holds, so a query need not guess which label values exist.

const escape = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

function sample(name: string, labels: Record<string, string>, value: number): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${escape(v)}"`);
  return `${name}${pairs.length > 0 ? `{${pairs.join(',')}}` : ''} ${value}`;
}

class Metrics {
  private readonly lines: string[] = [];

  gauge(name: string, help: string, samples: string[]): void {
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, ...samples);
  }

  text(): string {
    return `${this.lines.join('\n')}\n`;
  }
}

/** The steps of `timings`, as the `step` label. */
const STEPS: Array<[keyof Timings, string]> = [
  ['resolve_ms', 'resolve'],
  ['dns_query_ms', 'dns_query'],
  ['connect_ms', 'connect'],
  ['tls_ms', 'tls'],
  ['http_ms', 'http'],
  ['chain_ms', 'chain'],
  ['total_ms', 'total'],
];

const VANTAGES: Vantage[] = ['online', 'offline', 'unknown'];

/** OONI's blocking and accessible, for runs with a helper: `null` is the state of a target without a usable control. */
function controlMetrics(
  m: Metrics,
  results: TargetResult[],
  who: (r: TargetResult) => Record<string, string>,
): void {
  const states = [...BLOCKING_VALUES, 'null'];
  m.gauge(
    'reachprobe_target_blocking',
    "OONI's blocking as the helper's control decided it: 1 for the target's value in the last run, 0 " +
      'for the others (null: no usable control).',
    results.flatMap((r) =>
      states.map((b) =>
        sample(
          'reachprobe_target_blocking',
          { ...who(r), blocking: b },
          Number(String(r.blocking ?? null) === b),
        ),
      ),
    ),
  );
  m.gauge(
    'reachprobe_target_accessible',
    "OONI's accessible: 1 when the service works from here as the control tells it, 0 when not (no " +
      'sample without a control).',
    results.flatMap((r) =>
      typeof r.accessible === 'boolean'
        ? [sample('reachprobe_target_accessible', who(r), Number(r.accessible))]
        : [],
    ),
  );
}

function targetMetrics(m: Metrics, results: TargetResult[], withHelper: boolean): void {
  const who = (r: TargetResult) => ({ target: r.name, service: r.service });
  m.gauge(
    'reachprobe_target_verdict',
    "1 for the target's verdict in the last run, 0 for the others.",
    results.flatMap((r) =>
      VERDICT_NAMES.map((v) =>
        sample('reachprobe_target_verdict', { ...who(r), verdict: v }, Number(r.verdict === v)),
      ),
    ),
  );
  m.gauge(
    'reachprobe_target_expect_met',
    'Whether the verdict is the expected one (without an expectation: whether the target is reachable).',
    results.map((r) => sample('reachprobe_target_expect_met', who(r), Number(r.expect_met))),
  );
  const overQuic = results.filter((r) => r.quic);
  if (overQuic.length > 0) {
    m.gauge(
      'reachprobe_target_quic_verdict',
      "1 for the target's QUIC verdict in the last run, 0 for the others (targets measured over QUIC only).",
      overQuic.flatMap((r) =>
        QUIC_VERDICT_NAMES.map((v) =>
          sample('reachprobe_target_quic_verdict', { ...who(r), verdict: v }, Number(r.quic!.verdict === v)),
        ),
      ),
    );
  }
  if (withHelper) controlMetrics(m, results, who);
  const rated = results.filter((r) => r.throughput);
  if (rated.length > 0) {
    m.gauge(
      'reachprobe_target_rate_bytes_per_second',
      "The body's transfer rate here, bytes a second (targets whose transfer was measured: --transfer).",
      rated.map((r) =>
        sample('reachprobe_target_rate_bytes_per_second', who(r), r.throughput!.rate_bytes_per_second),
      ),
    );
  }
  m.gauge(
    'reachprobe_target_duration_seconds',
    'How long each step of the check took (chain: until the last connection step; total: with the DNS listen windows).',
    results.flatMap((r) =>
      STEPS.flatMap(([key, step]) => {
        const ms = r.timings[key];
        return ms === undefined
          ? []
          : [sample('reachprobe_target_duration_seconds', { ...who(r), step }, ms / 1000)];
      }),
    ),
  );
}

function runMetrics(m: Metrics, summary: RunSummary, partial: boolean): void {
  m.gauge(
    'reachprobe_run_targets',
    'Targets of the last run with each verdict.',
    VERDICT_NAMES.map((v) => sample('reachprobe_run_targets', { verdict: v }, summary.counts[v] ?? 0)),
  );
  m.gauge('reachprobe_run_unmet', 'Targets that missed their expectation.', [
    sample('reachprobe_run_unmet', {}, summary.unmet),
  ]);
  m.gauge(
    'reachprobe_run_vantage',
    'Whether the domestic controls were reachable: 1 for the state of the last run.',
    VANTAGES.map((v) => sample('reachprobe_run_vantage', { state: v }, Number(summary.vantage === v))),
  );
  m.gauge(
    'reachprobe_run_partial',
    '1 when the last run was interrupted and reports only the targets that finished.',
    [sample('reachprobe_run_partial', {}, Number(partial))],
  );
  m.gauge('reachprobe_run_duration_seconds', 'How long the last run took.', [
    sample('reachprobe_run_duration_seconds', {}, summary.duration_ms / 1000),
  ]);
  m.gauge('reachprobe_run_start_timestamp_seconds', 'When the last run started (Unix time).', [
    sample('reachprobe_run_start_timestamp_seconds', {}, Date.parse(summary.started_at) / 1000),
  ]);
}

/** A state set per service: every state has its series, 1 for the one that holds. */
function serviceMetrics(m: Metrics, services: ServiceVerdict[]): void {
  m.gauge(
    'reachprobe_service_state',
    "1 for the service's state in the last run (usable, partly blocked, blocked, throttled, down, " +
      'unknown), 0 for the others.',
    services.flatMap((s) =>
      SERVICE_STATES.map((state) =>
        sample('reachprobe_service_state', { service: s.service, state }, Number(s.state === state)),
      ),
    ),
  );
}

/** The services the summary does not list (single-target ones past a limit), counted per state. */
function unlistedMetric(m: Metrics, unlisted: UnlistedServices): void {
  m.gauge(
    'reachprobe_services_unlisted',
    'Services of one target each that the last run counted without a reachprobe_service_state of their own, ' +
      'per state.',
    SERVICE_STATES.map((state) =>
      sample('reachprobe_services_unlisted', { state }, unlisted.states[state] ?? 0),
    ),
  );
}

/** An info metric, as node_exporter's are: the labels carry the facts, the value is always 1. */
function vantageMetric(m: Metrics, vantage: VantagePoint): void {
  const labels = { label: vantage.label, network: vantage.network ?? '', country: vantage.country ?? '' };
  m.gauge(
    'reachprobe_vantage_point_info',
    'The vantage point as the user named it (--label, --network, --country); always 1.',
    [sample('reachprobe_vantage_point_info', labels, 1)],
  );
}

export function renderPrometheus(
  results: TargetResult[],
  summary: RunSummary,
  partial: boolean,
  vantage?: VantagePoint,
): string {
  const m = new Metrics();
  targetMetrics(m, results, summary.helper !== undefined);
  runMetrics(m, summary, partial);
  if (summary.services) serviceMetrics(m, summary.services);
  if (summary.unlisted_services) unlistedMetric(m, summary.unlisted_services);
  if (vantage) vantageMetric(m, vantage);
  return m.text();
}
