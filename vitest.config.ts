import { defineConfig } from 'vitest/config';
import { watchdogOptions } from './test/helpers/watchdog.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Two files at once: most tests wait on sockets and child processes, not the CPU, and one at a
    // time (the default on two cores) takes the suite past five minutes.
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // A file whose worker stops turning its event loop is never timed out by vitest: the watchdog
    // ends it, saying where it was.
    ...watchdogOptions(),
  },
});
