// history --events: when a service changed state, per vantage point, with flapping folded.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { foldPeriods } from '../src/report/history/events.js';
import type { ServiceState } from '../src/model/service.js';
import { run } from './helpers/cli.js';

const T0 = Date.parse('2026-07-02T00:00:00Z');
const at = (i: number) => new Date(T0 + i * 600_000).toISOString();
const points = (plan: string) =>
  [...plan].map((c, i) => ({
    at: at(i),
    state: (c === 'U' ? 'usable' : c === 'B' ? 'blocked' : 'partly blocked') as ServiceState,
    how: c === 'U' ? [] : ['reset by SNI'],
  }));
const shape = (plan: string, hold: number) => {
  const { periods, flaps } = foldPeriods(points(plan), hold);
  return {
    periods: periods.map((p) => [p.state[0]!.toUpperCase(), p.reports, p.until ? 'closed' : 'open']),
    flaps,
  };
};

describe('folding a vantage point’s states into periods', () => {
  it.each([
    ['UUUU', 2, [['U', 4, 'open']], 0],
    [
      'UUBB',
      2,
      [
        ['U', 2, 'closed'],
        ['B', 2, 'open'],
      ],
      0,
    ],
    // one report of a block is a flap at hold 2, a period at hold 1
    ['UUBUU', 2, [['U', 4, 'open']], 1],
    [
      'UUBUU',
      1,
      [
        ['U', 2, 'closed'],
        ['B', 1, 'closed'],
        ['U', 2, 'open'],
      ],
      0,
    ],
    // a block that starts, flaps and ends
    [
      'UUUBUBBBUU',
      2,
      [
        ['U', 4, 'closed'],
        ['B', 3, 'closed'],
        ['U', 2, 'open'],
      ],
      1,
    ],
    // two different excursions in a row are each a flap
    ['UUBPUU', 2, [['U', 4, 'open']], 2],
    // a change not yet held: the current period still holds
    ['UUUB', 2, [['U', 3, 'open']], 0],
  ] as const)('%s at hold %d', (plan, hold, periods, flaps) => {
    expect(shape(plan, hold)).toEqual({ periods, flaps });
  });

  it('a period runs from its first report to its last', () => {
    const { periods } = foldPeriods(points('UUBBBUU'), 2);
    expect(periods.map((p) => [p.from, p.until])).toEqual([
      [at(0), at(1)],
      [at(2), at(4)],
      [at(5), undefined],
    ]);
  });
});

describe('history --events on a folder of labelled reports', () => {
  const folder = 'test/fixtures/events/';

  it('says when the block began and ended at each vantage point, and how many agree', async () => {
    const r = await run(['history', '--events', folder]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      'Flickr, bj-mock-1: usable until 2026-07-02 23:20:00Z, blocked (reset by SNI) from ' +
        '2026-07-02 23:30:00Z until 2026-07-02 23:50:00Z, usable since 2026-07-03 00:00:00Z, ' +
        '1 of 2 vantage points agree (1 flap(s) shorter than the hold folded)',
    );
    expect(r.stdout).toContain(
      'Flickr, sh-mock-1: usable until 2026-07-02 23:20:00Z, blocked (reset by SNI) since 2026-07-02 23:30:00Z',
    );
  });

  it('writes JSON for alerting scripts, with --hold', async () => {
    const r = await run(['history', '--events', '--hold', '1', '--json', folder]);
    expect(r.status, r.stderr).toBe(0);
    const { hold, events } = JSON.parse(r.stdout);
    expect(hold).toBe(1);
    const bj = events.find(
      (e: { service: string; label: string }) => e.service === 'Flickr' && e.label === 'bj-mock-1',
    );
    expect(bj.periods.map((p: { state: string }) => p.state)).toEqual([
      'usable',
      'blocked',
      'usable',
      'blocked',
      'usable',
    ]);
    expect(bj.flaps).toBe(0);
  });

  it('answers the same from the store (--db)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'reachprobe-events-'));
    const db = path.join(dir, 'store.duckdb');
    expect((await run(['ingest', folder, '--db', db])).status).toBe(0);
    const [files, store] = await Promise.all([
      run(['history', '--events', '--json', folder]),
      run(['history', '--events', '--json', '--db', db]),
    ]);
    expect(store.status, store.stderr).toBe(0);
    expect(JSON.parse(store.stdout)).toEqual(JSON.parse(files.stdout));
    await rm(dir, { recursive: true });
  });

  it('refuses --hold without --events, and --events with --html', async () => {
    expect((await run(['history', '--hold', '2', folder])).status).toBe(2);
    expect((await run(['history', '--events', '--html', '/tmp/x.html', folder])).status).toBe(2);
  });
});
