// Runs `reachprobe ARGS` in this process, its standard output thrown away, and prints its peak RSS
// and exit status as one JSON line on standard error once it ends: what the scale figures read.
import { closeSync, openSync, writeSync } from 'node:fs';
import { main } from '../cli/main.js';

const sink = openSync('/dev/null', 'w');
process.stdout.write = ((chunk: string | Uint8Array) => {
  writeSync(sink, typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return true;
}) as typeof process.stdout.write;

const started = performance.now();
await main([process.argv[0]!, 'reachprobe', ...process.argv.slice(2)]);
closeSync(sink);
const figures = {
  wallMs: performance.now() - started,
  maxRssMb: process.resourceUsage().maxRSS / 1024,
  status: process.exitCode ?? 0,
};
process.stderr.write(`\n${JSON.stringify(figures)}\n`);
