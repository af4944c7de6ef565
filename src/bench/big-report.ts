import { randomUUID } from 'node:crypto';
import type { TargetResult } from '../model/result.js';
import { SCHEMA_VERSION } from '../report/document/document.js';
import { DocumentStream } from '../report/document/stream.js';

// A report of many results written by the -o writer itself (DocumentStream), as the scale bench's
// `check` on closed loopback ports writes it, but in seconds: for the tests and figures of `ingest`
// on large reports. Nothing is sent anywhere: the addresses are loopback strings.

const AT = '2026-12-06T00:00:00.000Z';

/** The result of `tcp://ADDRESS:9` on a closed loopback port, as `check` writes it. */
function closedPort(i: number): TargetResult {
  const address = `127.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  const failure = { failure: 'connection_refused', operation: 'connect', code: 'ECONNREFUSED' };
  return {
    name: `tcp:${address}:9#${i}`,
    service: address,
    url: `tcp://${address}:9`,
    tags: [],
    verdict: 'reset',
    stage: 'connect',
    failure: 'connection_refused',
    reason: `a RST answered the SYN to ${address}:9 (connection refused, as a closed port answers too)`,
    evidence: [`connect ${address}:9: connection_refused (connect ECONNREFUSED ${address}:9) in 1 ms`],
    blocking: null,
    accessible: null,
    addresses: [address],
    timings: { chain_ms: 1.2, total_ms: 1.3, connect_ms: 0.9 },
    expect_met: false,
    started_at: AT,
    checks: [
      {
        check: 'connect',
        address,
        port: 9,
        started_ms: 0.2,
        duration_ms: 0.9,
        failure: { ...failure, message: `connect ECONNREFUSED ${address}:9` },
        transaction_id: i + 1,
      },
    ],
  } as TargetResult;
}

/** Writes a report of `count` closed-port results to `file`; returns its report_id. */
export async function writeBigReport(file: string, count: number): Promise<string> {
  const id = randomUUID();
  const out = new DocumentStream(file, {
    schema_version: SCHEMA_VERSION,
    report_id: id,
    tool: { name: 'reachprobe', version: '0.1.0' },
    vantage_point: { label: 'scale' },
    options: { concurrency: 64 },
  });
  for (let i = 0; i < count; i++) {
    out.add(closedPort(i), i);
    await out.behind();
  }
  await out.finish({
    partial: false,
    summary: {
      started_at: AT,
      ended_at: AT,
      duration_ms: 1,
      targets: count,
      counts: { reset: count },
      vantage: 'unknown',
      unmet: count,
      dns_preflight: {},
      notes: [],
    },
  });
  return id;
}
