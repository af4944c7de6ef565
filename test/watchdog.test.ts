// The watchdog reporter (test/helpers/watchdog.ts) against a file that never lets its worker's event
// loop turn again: vitest alone would wait for it until CI's time ran out.
import path from 'node:path';
import { expect, it } from 'vitest';
import { exec, ROOT } from './helpers/cli.js';

it('ends a run stuck in a busy loop in time, naming the file, where it spins and what it waits on', async () => {
  const fixture = path.join(ROOT, 'test/fixtures/watchdog');
  const vitest = path.join(ROOT, 'node_modules/vitest/vitest.mjs');
  const began = performance.now();
  const r = await exec(
    process.execPath,
    [vitest, 'run', '--config', 'vitest.config.ts'],
    { WATCHDOG_STUCK_MS: '2000' },
    30_000,
    fixture,
  );
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(/^watchdog: .*\/stuck\.ts stuck in /m);
  expect(r.stderr).toMatch(/^ {2}at spinForever file:\/\/.*\/stuck\.ts:\d+$/m);
  expect(r.stderr).toMatch(/^ {2}waiting on: \S/m);
  expect(performance.now() - began).toBeLessThan(20_000);
}, 40_000);
