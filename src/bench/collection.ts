import { randomUUID } from 'node:crypto';
import type { FailureString, Operation } from '../model/failure.js';
import type { TargetResult } from '../model/result.js';
import type { VerdictName } from '../model/verdict.js';
import { SCHEMA_VERSION, type ReportDocument } from '../report/document/document.js';

// Made-up reports for the store's benchmark and tests: valid by the report schema, a resolve and a
// connect check per target (what a real report has most of), but no TLS certificate or DNS replies,
// so that a year of them fits on the disk. Every address is a loopback string: nothing is sent.

/** How each verdict failed, so that stage and failure are as a real report has them. */
const HOW: Partial<Record<VerdictName, [Operation, FailureString]>> = {
  reset: ['tls_handshake', 'connection_reset'],
  timeout: ['connect', 'generic_timeout_error'],
  'dns-poisoned': ['resolve', 'dns_server_misbehaving'],
  'dns-failure': ['resolve', 'dns_servfail_error'],
};

function resultOf(name: string, service: string, verdict: VerdictName, at: Date, n: number): TargetResult {
  const how = HOW[verdict];
  const ok = verdict === 'reachable';
  const address = `127.0.${n % 250}.1`;
  return {
    name,
    service,
    url: `https://${name}.example/`,
    tags: [],
    verdict,
    ...(how ? { stage: how[0], failure: how[1] } : {}),
    ...(how?.[0] === 'tls_handshake' ? { 'blocked-by': 'sni' as const } : {}),
    reason: ok ? 'HTTP 200 over TLS' : `${verdict} at ${how?.[0] ?? 'connect'}`,
    evidence: [`connect ${address}:443: ${ok ? 'open' : verdict}`],
    blocking: null,
    accessible: null,
    addresses: [address],
    timings: { resolve_ms: 12.5, connect_ms: 31.2, chain_ms: 180.4, total_ms: 1001.7 },
    expect_met: ok,
    started_at: at.toISOString(),
    checks: [
      {
        check: 'resolve',
        started_ms: 0.4,
        duration_ms: 12.5,
        host: `${name}.example`,
        resolver: 'system',
        addresses: [address],
      },
      { check: 'connect', started_ms: 13.1, duration_ms: 31.2, address, port: 443 },
    ],
  };
}

/** The options of a plain `check` of the bundled targets. */
const OPTIONS = {
  targets_files: [],
  mock: null,
  timeouts_ms: { dns: 4000, connect: 10000, tls: 10000, http: 10000 },
  dns_window_ms: 1000,
  concurrency: 32,
  max_body_bytes: 65536,
  resolver: 'system',
  dns_server: '127.0.0.53:53',
  pins: {},
  extra_ca_files: 0,
  sink: null,
  sink_timeout_ms: 2000,
  sink_canaries: ['www.example.com', 'www.iana.org'],
  control_doh: [],
  allow_answers: [],
  forged_pool: null,
  nx_probe_domain: 'example.com',
  decoy_name: 'www.example.org',
  decoy_reuse_ms: 10000,
  tries: 3,
  sni_probe: null,
  residual_check_ms: 0,
};

export interface Plan {
  label?: string;
  at: Date;
  /** Target names, in order; each in service `svc-N` by its index. */
  targets: string[];
  verdictOf: (target: string, i: number) => VerdictName;
}

/** One report of the plan, as `check -o` writes it (without the indentation, to save disk). */
export function makeReport({ label, at, targets, verdictOf }: Plan): ReportDocument {
  const results = targets.map((name, i) => resultOf(name, `svc-${i % 10}`, verdictOf(name, i), at, i));
  const counts: Partial<Record<VerdictName, number>> = {};
  for (const r of results) counts[r.verdict] = (counts[r.verdict] ?? 0) + 1;
  return {
    schema_version: SCHEMA_VERSION,
    report_id: randomUUID(),
    tool: { name: 'reachprobe', version: '0.1.0' },
    ...(label ? { vantage_point: { label } } : {}),
    partial: false,
    options: OPTIONS,
    summary: {
      started_at: at.toISOString(),
      ended_at: new Date(at.getTime() + 20_000).toISOString(),
      duration_ms: 20_000,
      targets: results.length,
      counts,
      vantage: 'online',
      unmet: results.filter((r) => !r.expect_met).length,
      dns_preflight: {},
      notes: [],
    },
    results,
  };
}
