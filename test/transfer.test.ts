// The transfer measurement, from real loopback servers: the whole body, one cut at --transfer, a
// slow one cut by the deadline, a freeze, and a meter with its clock in hand.
import { afterAll, describe, expect, it } from 'vitest';
import { own, type HttpObservation } from '../src/model/observation.js';
import type { TargetResult } from '../src/model/result.js';
import { TransferMeter } from '../src/net/transfer.js';
import { measure, pinned, Servers } from './helpers/transfer.js';

const servers = new Servers();
afterAll(servers.close);

const ownHttp = (r: TargetResult): HttpObservation => own(r.checks, 'http_round_trip').at(-1)!;

describe('the transfer of a body', () => {
  it('a body larger than --transfer is cut there, fast, and the page is reachable', async () => {
    const port = await servers.start({ behaviour: 'ok', cert: 'good', bodyBytes: 300_000 });
    const r = (await measure([pinned('big', 'https', port)])).get('big')!;
    const http = ownHttp(r);
    expect(http).toMatchObject({ body_bytes: 65_536, body_truncated: true });
    expect(http.transfer).toMatchObject({ end: 'cut', bytes: 65_536, limit_bytes: 65_536, stalls: 0 });
    expect(http.transfer!.rate_bytes_per_second).toBeGreaterThan(1_000_000);
    expect(http.transfer!.samples.at(-1)![1]).toBe(65_536);
    expect(r.verdict).toBe('reachable');
  });

  it('a slow body the deadline cuts while bytes still come is data, not a failure', async () => {
    const port = await servers.start({
      behaviour: 'ok',
      bodyBytes: 200_000,
      bytesPerSecond: 40_000,
    });
    const r = (await measure([pinned('slow', 'http', port)])).get('slow')!;
    const http = ownHttp(r);
    expect(http.failure).toBeUndefined();
    expect(http.transfer).toMatchObject({ end: 'deadline', stalls: 0 });
    // 40 kB/s over about 1.2 s, give or take a loaded machine's timers.
    expect(http.transfer!.rate_bytes_per_second).toBeGreaterThan(20_000);
    expect(http.transfer!.rate_bytes_per_second).toBeLessThan(60_000);
    expect(http.transfer!.ceiling_bytes_per_second).toBeGreaterThan(20_000);
    expect(http.transfer!.samples.length).toBeGreaterThan(5);
    expect(r.verdict).toBe('reachable');
  });

  it('a transfer that stops after 16 KB is frozen there: a timeout, with where it froze', async () => {
    const port = await servers.start({
      behaviour: 'ok',
      cert: 'good',
      bodyBytes: 200_000,
      freezeAfterBytes: 16_384,
    });
    const r = (await measure([pinned('frozen', 'https', port)])).get('frozen')!;
    const http = ownHttp(r);
    expect(http.failure?.failure).toBe('generic_timeout_error');
    expect(http.transfer?.end).toBe('frozen');
    // The freeze counts the response's bytes, its head included.
    expect(http.transfer!.frozen_at_bytes).toBeGreaterThan(16_000);
    expect(http.transfer!.frozen_at_bytes).toBeLessThan(16_384);
    expect(http.transfer!.stalls).toBe(1);
    expect(r.verdict).toBe('timeout');
  });

  it('--transfer 0 keeps the old reading: at most --max-body, no transfer recorded', async () => {
    const port = await servers.start({ behaviour: 'ok', bodyBytes: 300_000 });
    const r = (await measure([pinned('off', 'http', port)], { transferBytes: 0 })).get('off')!;
    const http = ownHttp(r);
    expect(http.transfer).toBeUndefined();
    expect(http.body_truncated).toBe(true);
    expect(http.body_bytes).toBeGreaterThanOrEqual(65_536);
  });
});

describe('the meter', () => {
  function meter(stallMs = 1000) {
    let now = 0;
    const m = new TransferMeter({ limitBytes: 1 << 20, stallMs, ttfbMs: 12, now: () => now });
    return { m, at: (ms: number) => (now = ms) };
  }

  it('counts stalls, the longest silence, and thins its samples to stay bounded', () => {
    const { m, at } = meter();
    for (let t = 10; t <= 20_000; t += 10) {
      at(t === 5000 ? 6500 : t < 6500 && t > 5000 ? 6500 : t);
      m.add(100);
    }
    at(20_000);
    const t = m.finish('complete');
    expect(t.stalls).toBe(1);
    expect(t.longest_stall_ms).toBe(1510);
    expect(t.samples.length).toBeLessThanOrEqual(65);
    expect(t.samples.at(-1)).toEqual([20_000, 200_000]);
    expect(t.ttfb_ms).toBe(12);
  });

  it('a deadline after a silence is a freeze; one while bytes arrive is not', () => {
    const a = meter(250);
    a.at(100);
    a.m.add(1000);
    a.at(500);
    expect(a.m.finish('deadline')).toMatchObject({ end: 'frozen', frozen_at_bytes: 1000, stalls: 1 });
    const b = meter(250);
    b.at(100);
    b.m.add(1000);
    b.at(300);
    const t = b.m.finish('deadline');
    expect(t).toMatchObject({ end: 'deadline', duration_ms: 300, rate_bytes_per_second: 3333 });
    expect(t.frozen_at_bytes).toBeUndefined();
    // A pause at the end of a transfer that ran most of the time is a stall, not a freeze.
    const c = meter(250);
    for (let ms = 10; ms <= 2000; ms += 10) {
      c.at(ms);
      c.m.add(100);
    }
    c.at(2800);
    expect(c.m.finish('deadline')).toMatchObject({ end: 'deadline', stalls: 1, longest_stall_ms: 800 });
  });
});
