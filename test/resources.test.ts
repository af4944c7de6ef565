// Sockets and descriptors are always released: thousands of failing targets leave the process with
// the open files it had before.
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, HOST, startServer, type Listening } from '../src/mock/tcp-servers.js';
import { systemClock } from '../src/model/clock.js';
import type { Target } from '../src/model/target.js';
import { serverResolver } from '../src/net/resolve.js';
import { dialTcp } from '../src/net/tcp.js';
import { DEFAULT_OPTIONS } from '../src/run/options.js';
import { runProbe } from '../src/run/run.js';

const openFiles = () => readdirSync('/proc/self/fd').length;

let resetting: Listening;
beforeAll(async () => {
  resetting = await startServer({ behaviour: 'reset-on-hello' });
});
afterAll(() => resetting.close());

describe('resources', () => {
  it(
    '5,000 failing targets (refused, and reset after decoy and 3 tries) release every socket',
    { timeout: 60_000 },
    async () => {
      const refused = await closedPort();
      const targets: Target[] = Array.from({ length: 5000 }, (_, i) => {
        const port = i % 5 === 0 ? resetting.port : refused;
        const host = `t${i}.reachprobe.test`;
        const url = `https://${host}:${port}/`;
        return {
          name: `t${i}`,
          service: 'S',
          url,
          scheme: 'https',
          host,
          port,
          path: '/',
          tags: [],
          source: { file: 'test', line: i + 1 },
        };
      });
      // Pinned, so no DNS is asked: the test is about connections.
      const pins = new Map(targets.map((t) => [`${t.host}:${t.port}`, [HOST]]));
      const env = {
        clock: systemClock,
        resolver: serverResolver({ address: HOST, port: 9 }),
        dial: dialTcp,
        ca: [],
        controls: [],
      };
      const before = openFiles();
      const { summary } = await runProbe(targets, { ...DEFAULT_OPTIONS, pins, concurrency: 64 }, env, {
        keepResults: false,
      });
      expect(summary.counts).toEqual({ reset: 5000 });
      await new Promise((resolve) => setTimeout(resolve, 200)); // let the last closes land
      expect(openFiles()).toBeLessThanOrEqual(before + 2);
    },
  );
});
