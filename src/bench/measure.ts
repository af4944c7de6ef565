// Runs `reachprobe check ... --json` in this process and prints its figures as one JSON line: the
// benchmark spawns it, so that nothing else in the process is measured.
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../cli/main.js';
import type { RunSummary, TargetResult } from '../model/result.js';
import type { Measured } from './bench.js';

const STAGE_TIMING = { connect: 'connect_ms', tls_handshake: 'tls_ms', http_round_trip: 'http_ms' } as const;

// The JSON Lines go to a file, as with `reachprobe check --json > FILE`, and are read once the run's
// figures are taken: parsing them as they come would be measured as reachprobe's own work.
const folder = mkdtempSync(path.join(os.tmpdir(), 'reachprobe-measure-'));
const linesFile = path.join(folder, 'results.jsonl');
const fd = openSync(linesFile, 'w');
process.stdout.write = ((chunk: string | Uint8Array) => {
  writeSync(fd, typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return true;
}) as typeof process.stdout.write;

const started = performance.now();
try {
  await main([process.argv[0]!, 'reachprobe', ...process.argv.slice(2), '--json']);
} catch (err) {
  rmSync(folder, { recursive: true, force: true });
  throw err;
}
const wallMs = performance.now() - started;
const usage = process.resourceUsage();
closeSync(fd);

const deadlineMs = Number(process.argv[process.argv.indexOf('--timeout') + 1]) * 1000;
const quicAt = process.argv.lastIndexOf('--quic-timeout');
const quicDeadlineMs = quicAt < 0 ? 5000 : Number(process.argv[quicAt + 1]) * 1000;
const quicCounts: Record<string, number> = {};
/** How long the QUIC handshakes that timed out took, over their deadline. */
const quicTimeoutRatios: number[] = [];
const counts: Record<string, number> = {};
/** How long timed-out steps took, over their deadline. */
const timeoutRatios: number[] = [];
let runMs = Number.NaN;
for (const line of readFileSync(linesFile, 'utf8').split('\n')) {
  if (!line) continue;
  const r = JSON.parse(line) as (TargetResult & { type: 'result' }) | (RunSummary & { type: 'summary' });
  if (r.type === 'summary') runMs = r.duration_ms;
  if (r.type !== 'result') continue;
  counts[r.verdict] = (counts[r.verdict] ?? 0) + 1;
  if (r.quic) {
    quicCounts[r.quic.verdict] = (quicCounts[r.quic.verdict] ?? 0) + 1;
    if (r.quic.failure === 'generic_timeout_error')
      quicTimeoutRatios.push(r.quic.timings.total_ms / quicDeadlineMs);
  }
  if (r.failure === 'generic_timeout_error' && r.stage !== undefined && r.stage !== 'resolve') {
    timeoutRatios.push((r.timings[STAGE_TIMING[r.stage]] ?? 0) / deadlineMs);
  }
}
rmSync(folder, { recursive: true, force: true });
// No summary line: the run failed (main() said why on stderr). No figures, so the benchmark stops.
if (Number.isNaN(runMs)) process.exit(2);

const figures: Measured = {
  wallMs,
  runMs,
  cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000,
  maxRssMb: usage.maxRSS / 1024,
  counts,
  timeoutRatios,
  quicCounts,
  quicTimeoutRatios,
};
writeSync(1, `${JSON.stringify(figures)}\n`);
