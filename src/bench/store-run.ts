// Runs one reachprobe command in this process (`node dist/bench/store-run.js ingest ...`) and, when
// it ends, writes its wall time, exit status and peak RSS (DuckDB's native memory included) as one
// JSON line to the file named by REACHPROBE_BENCH_FIGURES: the store benchmark spawns it, so that
// only the command is measured.
import { writeFileSync } from 'node:fs';
import { main } from '../cli/main.js';

const started = performance.now();
await main([process.argv[0]!, 'reachprobe', ...process.argv.slice(2)]);
const figures = {
  wallMs: performance.now() - started,
  status: Number(process.exitCode ?? 0),
  maxRssMb: process.resourceUsage().maxRSS / 1024,
};
writeFileSync(process.env.REACHPROBE_BENCH_FIGURES!, `${JSON.stringify(figures)}\n`);
