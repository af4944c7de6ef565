// Runs `reachprobe check ... --json` in this process and prints its figures as one JSON line: the
// benchmark spawns it, so that nothing else in the process is measured.
import { writeSync } from 'node:fs';
import { main } from '../cli/main.js';
import type { TargetResult } from '../model/result.js';
import type { Measured } from './bench.js';

const STAGE_TIMING = { connect: 'connect_ms', tls_handshake: 'tls_ms', http_round_trip: 'http_ms' } as const;

const counts: Record<string, number> = {};
const timeoutRatios: number[] = [];
let partial = '';
// The CLI writes JSON Lines to stdout: read them here instead.
process.stdout.write = ((chunk: string | Uint8Array) => {
  partial += chunk.toString();
  const lines = partial.split('\n');
  partial = lines.pop()!;
  for (const line of lines) {
    const parsed = JSON.parse(line) as TargetResult & { type: string };
    if (parsed.type === 'result') count(parsed);
  }
  return true;
}) as typeof process.stdout.write;

const deadlineMs = Number(process.argv[process.argv.indexOf('--timeout') + 1]) * 1000;

/** Only figures are kept, not the results: the process's memory is reachprobe's. */
function count(r: TargetResult) {
  counts[r.verdict] = (counts[r.verdict] ?? 0) + 1;
  if (r.failure === 'generic_timeout_error' && r.stage !== undefined && r.stage !== 'resolve') {
    timeoutRatios.push((r.timings[STAGE_TIMING[r.stage]] ?? 0) / deadlineMs);
  }
}
const started = performance.now();
await main([process.argv[0]!, 'reachprobe', ...process.argv.slice(2), '--json']);
const wallMs = performance.now() - started;
const usage = process.resourceUsage();
const figures: Measured = {
  wallMs,
  cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000,
  maxRssMb: usage.maxRSS / 1024,
  counts,
  timeoutRatios,
};
writeSync(1, `${JSON.stringify(figures)}\n`);
