// What a run's summary says of its services when a URL list makes each host a service: every
// service of two targets or more, the first single-target ones that are not usable, and a count of
// the rest (docs/verdicts.md#services). Real connections on loopback: closed ports and listeners.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LISTED_SINGLES } from '../src/classify/service.js';
import type { RunSummary } from '../src/model/result.js';
import { FULL_TABLE_TARGETS } from '../src/report/terminal/run-table.js';
import { BIN, exec } from './helpers/cli.js';
import { expectValidReport } from './helpers/schema.js';

const CLOSED = 5;
let dir: string;
const servers: net.Server[] = [];

async function listener(host: string): Promise<string> {
  const server = net.createServer((socket) => socket.destroy());
  servers.push(server);
  server.listen(0, host);
  await once(server, 'listening');
  return `tcp://${host}:${(server.address() as net.AddressInfo).port}`;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'reachprobe-services-'));
});
afterAll(async () => {
  for (const s of servers) s.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the services of a URL list past the limit', () => {
  it('are all listed in a run small enough for a table line per target (its service lines need them)', () => {
    expect(LISTED_SINGLES).toBeGreaterThanOrEqual(FULL_TABLE_TARGETS);
  });

  it('lists the grouped service and the first blocked hosts, and counts the others by state', async () => {
    const usable = await Promise.all(['127.9.0.1', '127.9.0.2', '127.9.0.3'].map(listener));
    // A closed port on a loopback address of its own: a RST each, a host (a service) each.
    const closed = Array.from(
      { length: LISTED_SINGLES + CLOSED },
      (_, i) => `tcp://127.8.${i >> 8}.${i & 255}:9`,
    );
    const grouped = ['tcp://127.7.0.1:9', 'tcp://127.7.0.1:10'];
    const list = path.join(dir, 'list.txt');
    await writeFile(list, [...usable, ...grouped, ...closed, ''].join('\n'));
    const out = path.join(dir, 'report.json');
    const args = ['check', list, '-o', out, '--no-decoy', '--tries', '1', '--concurrency', '64'];
    // 2,000 targets and more: longer than a CLI test's usual 15 s on a busy machine.
    const r = await exec(process.execPath, [BIN, ...args], {}, 50_000);
    expect(r.status).toBe(1);
    const doc = JSON.parse(await readFile(out, 'utf8')) as { summary: RunSummary };
    expectValidReport(doc);
    const { summary } = doc;
    expect(summary.targets).toBe(3 + 2 + LISTED_SINGLES + CLOSED);
    const services = summary.services!;
    expect(services).toHaveLength(1 + LISTED_SINGLES);
    expect(services.find((s) => s.service === '127.7.0.1')).toMatchObject({ state: 'blocked', endpoints: 2 });
    expect(services.filter((s) => s.endpoints === 1).every((s) => s.state === 'blocked')).toBe(true);
    expect(summary.unlisted_services).toEqual({
      services: 3 + CLOSED,
      states: { usable: 3, blocked: CLOSED },
    });
  }, 60_000);
});
