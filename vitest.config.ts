import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Two files at once: most tests wait on sockets and child processes, not the CPU, and one at a
    // time (the default on two cores) takes the suite past five minutes.
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // A file whose worker stops turning its event loop is never timed out by vitest: the watchdog
    // ends it, with its stack (SIGUSR1 opens a worker's inspector on a free port).
    reporters: ['default', './test/helpers/watchdog.ts'],
    execArgv: ['--inspect-port=0'],
  },
});
