// Reads a big target list in this process and prints its figures as one JSON line: the benchmark
// spawns it, so that the peak RSS is the reading's alone. `load FILE`: the loader, as check reads
// its targets; `targets FILE`: the whole `reachprobe targets FILE --json` command, output included;
// `check FILE ARGS...`: `reachprobe check FILE --json ARGS...`, every target measured.
import { writeSync } from 'node:fs';
import { main } from '../cli/main.js';
import { loadTargets } from '../targets/load.js';

export interface ListFigures {
  targets: number;
  wallMs: number;
  maxRssMb: number;
}

const [mode, file, ...extra] = process.argv.slice(2) as ['load' | 'targets' | 'check', string, ...string[]];
const started = performance.now();
let count = 0;
if (mode === 'load') {
  count = (await loadTargets([file])).length;
} else {
  // The JSON Lines are counted and dropped, as `> /dev/null` would (check's summary line too).
  process.stdout.write = ((chunk: string | Uint8Array) => {
    count += String(chunk).split('\n').length - 1;
    return true;
  }) as typeof process.stdout.write;
  await main([process.argv[0]!, 'reachprobe', mode, file, '--json', ...extra]);
}
const figures: ListFigures = {
  targets: count,
  wallMs: performance.now() - started,
  maxRssMb: process.resourceUsage().maxRSS / 1024,
};
writeSync(1, `${JSON.stringify(figures)}\n`);
