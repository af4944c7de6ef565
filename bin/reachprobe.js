#!/usr/bin/env node
// Runs the compiled CLI (npm ci or npm run build writes dist/).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('reachprobe: not built yet: run `npm ci` (or `npm run build`) first\n');
  process.exitCode = 3;
} else {
  const { main } = await import(entry.href);
  await main(process.argv);
}
