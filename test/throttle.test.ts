// Throttling told from a slow path, end to end on loopback: a policer on the SNI, a path slow for
// every name, a server slow for everyone, a freeze after 16 KB. Rates and sizes are small and the
// deadline short (1.2 s), so each transfer is over in about a second.
import { afterAll, describe, expect, it } from 'vitest';
import type { TargetResult } from '../src/model/result.js';
import { AbroadControls, measure, pinned, Servers } from './helpers/transfer.js';

const servers = new Servers();
afterAll(servers.close);

/** 200 kB bodies; the censor's policer at 20 kB/s (far under the 1 Mbit/s that calls for controls). */
const BODY = 200_000;
const SLOW = 20_000;

const withHelper = async (name: string, scheme: 'http' | 'https', port: number): Promise<TargetResult> =>
  (await measure([pinned(name, scheme, port)], {}, { helper: new AbroadControls() })).get(name)!;

const transferControls = (r: TargetResult) =>
  r.checks.filter((c) => c.check !== 'resolve' && 'purpose' in c && c.purpose === 'transfer_control');

describe('throttled, or just slow', () => {
  it('a policer on the SNI: throttled, blocked by sni, the same path with the innocuous name fast', async () => {
    const port = await servers.start({
      behaviour: 'ok',
      cert: 'good',
      bodyBytes: BODY,
      police: ['twitter.reachprobe.test'],
      policeBytesPerSecond: SLOW,
    });
    const r = await withHelper('twitter', 'https', port);
    expect(r).toMatchObject({
      verdict: 'throttled',
      'blocked-by': 'sni',
      stage: 'http_round_trip',
      blocking: 'http-failure',
      accessible: false,
    });
    expect(r.failure).toBeUndefined();
    const t = r.throughput!;
    expect(t.slow).toBe(true);
    expect(t.end).toBe('deadline');
    expect(t.rate_bytes_per_second).toBeLessThan(2 * SLOW);
    expect(t.same_path_rate_bytes_per_second).toBeGreaterThan(10 * t.rate_bytes_per_second);
    expect(t.abroad_rate_bytes_per_second).toBeGreaterThan(10 * t.rate_bytes_per_second);
    expect(t.ratio).toBeGreaterThanOrEqual(10);
    // The control kept the Host (the URL is the target's) and sent the innocuous name as SNI.
    const [, tls, http] = transferControls(r);
    expect(tls).toMatchObject({ check: 'tls_handshake', sni: 'www.example.org' });
    expect(http).toMatchObject({ check: 'http_round_trip', url: r.url.replace(/\/$/, '') + '/' });
    expect(r.reason).toMatch(/throttled by SNI/);
  });

  it('slow for every name on the path, fast abroad: throttled, blocked by ip', async () => {
    const port = await servers.start({
      behaviour: 'ok',
      cert: 'good',
      bodyBytes: BODY,
      police: ['*'],
      policeBytesPerSecond: SLOW,
    });
    const r = await withHelper('hosting', 'https', port);
    expect(r).toMatchObject({ verdict: 'throttled', 'blocked-by': 'ip', blocking: 'http-failure' });
    expect(r.throughput!.same_path_rate_bytes_per_second).toBeLessThan(2 * SLOW);
    expect(r.throughput!.abroad_rate_bytes_per_second).toBeGreaterThan(
      10 * r.throughput!.rate_bytes_per_second,
    );
  });

  it('a server slow for everyone is reachable, with its rate, never throttled', async () => {
    const port = await servers.start({
      behaviour: 'ok',
      cert: 'good',
      bodyBytes: BODY,
      bytesPerSecond: SLOW,
    });
    const r = await withHelper('slowpoke', 'https', port);
    expect(r).toMatchObject({ verdict: 'reachable', blocking: false, accessible: true });
    expect(r['blocked-by']).toBeUndefined();
    expect(r.throughput).toMatchObject({ slow: true, end: 'deadline' });
    expect(r.throughput!.abroad_rate_bytes_per_second).toBeLessThan(2 * SLOW);
    expect(r.reason).toMatch(/slow from abroad too/);
  });

  it('a freeze after 16 KB on the address: caught, throttled by ip where the helper went on', async () => {
    const port = await servers.start({ behaviour: 'ok', bodyBytes: BODY, freezeAfterBytes: 16_384 });
    const r = await withHelper('frozen', 'http', port);
    expect(r).toMatchObject({
      verdict: 'throttled',
      'blocked-by': 'ip',
      failure: 'generic_timeout_error',
      blocking: 'http-failure',
      accessible: false,
    });
    expect(r.throughput).toMatchObject({ end: 'frozen' });
    expect(r.throughput!.frozen_at_bytes).toBeLessThanOrEqual(16_384);
    expect(r.reason).toMatch(/froze after \d+ bytes/);
  });

  it('slow without any control says so and claims nothing', async () => {
    const port = await servers.start({ behaviour: 'ok', bodyBytes: BODY, bytesPerSecond: SLOW });
    const r = (await measure([pinned('alone', 'http', port)], { decoyName: undefined })).get('alone')!;
    expect(r.verdict).toBe('reachable');
    expect(r.blocking).toBeNull();
    expect(transferControls(r)).toEqual([]);
    expect(r.throughput?.note).toMatch(/no control to compare it with: nothing claimed/);
  });

  it('a fast transfer costs no control', async () => {
    const port = await servers.start({ behaviour: 'ok', cert: 'good', bodyBytes: BODY });
    const r = (await measure([pinned('fast', 'https', port)])).get('fast')!;
    expect(r.verdict).toBe('reachable');
    expect(r.throughput).toMatchObject({ slow: false, end: 'cut' });
    expect(transferControls(r)).toEqual([]);
  });
});
