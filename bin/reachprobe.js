#!/usr/bin/env node
// Runs the compiled CLI (npm ci or npm run build writes dist/). This file is CommonJS (see
// bin/package.json) so that the line below runs before anything touches libuv's thread pool: the ESM
// loader would start the pool first. System lookups (getaddrinfo) run on that pool, 4 threads by
// default, and a few names whose servers never answer would hold them all. The start-up code is one
// CommonJS file (scripts/startup-bundle.mjs), required without the ESM loader's file reads.
'use strict';
process.env.UV_THREADPOOL_SIZE ??= '24';

const { existsSync } = require('node:fs');
const path = require('node:path');

const entry = path.join(__dirname, '..', 'dist', 'cli', 'startup.cjs');
if (!existsSync(entry)) {
  process.stderr.write('reachprobe: not built yet: run `npm ci` (or `npm run build`) first\n');
  process.exitCode = 3;
} else {
  require(entry).main(process.argv);
}
