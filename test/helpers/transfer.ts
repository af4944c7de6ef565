// Targets pinned to loopback servers (no DNS: --resolve pins), measured with small transfers and
// short deadlines, so a throttled transfer shows within a second or two.
import { MOCK_CA } from '../../src/mock/certs.js';
import { blockListOf } from '../../src/model/addresses.js';
import { systemClock } from '../../src/model/clock.js';
import type { TargetResult } from '../../src/model/result.js';
import type { Target } from '../../src/model/target.js';
import { serverResolver } from '../../src/net/resolve.js';
import { dialTcp } from '../../src/net/tcp.js';
import type { Control, HelperSummary } from '../../src/model/control.js';
import { dialerFrom } from '../../src/net/tcp.js';
import { helperOptions, measureControls } from '../../src/helper/measure.js';
import { DEFAULT_OPTIONS, type Controls, type ProbeEnv, type ProbeOptions } from '../../src/run/options.js';
import { runProbe } from '../../src/run/run.js';
import { targetAt } from './targets.js';
import { ABROAD, HOST, startServer, type Listening, type ServerOptions } from '../../src/mock/tcp-servers.js';

export const SMALL: ProbeOptions = {
  ...DEFAULT_OPTIONS,
  timeouts: { dns: 400, connect: 400, tls: 400, http: 1200 },
  dnsWindowMs: 0,
  transferBytes: 64 * 1024,
  allowedAnswers: blockListOf(['127.0.0.0/8']),
};

export const ENV: ProbeEnv = {
  clock: systemClock,
  // Never asked: every target is pinned.
  resolver: serverResolver({ address: HOST, port: 9 }),
  dial: dialTcp,
  ca: [MOCK_CA],
  controls: [],
};

export class Servers {
  private readonly open: Listening[] = [];

  async start(opts: ServerOptions): Promise<number> {
    const s = await startServer(opts);
    this.open.push(s);
    return s.port;
  }

  close = () => Promise.all(this.open.map((s) => s.close()));
}

export function pinned(name: string, scheme: 'http' | 'https', port: number): Target {
  return targetAt(name, `${name}.reachprobe.test`, port, scheme);
}

/** Measures the targets, each pinned to loopback. */
export async function measure(
  targets: Target[],
  options: Partial<ProbeOptions> = {},
  env: Partial<ProbeEnv> = {},
): Promise<Map<string, TargetResult>> {
  const pins = new Map(targets.map((t) => [`${t.host}:${t.port}`, [HOST]]));
  const { results } = await runProbe(targets, { ...SMALL, ...options, pins }, { ...ENV, ...env });
  return new Map(results.map((r) => [r.name, r]));
}

/**
 * The helper abroad, measuring for real: the same pipeline `reachprobe helper` runs, from ABROAD
 * (where the mock censor's filters do not apply), each target pinned to loopback as here.
 */
export class AbroadControls implements Controls {
  private readonly got = new Map<string, Promise<Control | undefined>>();
  constructor(private readonly options: Partial<ProbeOptions> = {}) {}

  request(target: Target, addresses: string[]): void {
    const pins = new Map([[`${target.host}:${target.port}`, [HOST]]]);
    const options = helperOptions({ ...SMALL, ...this.options, pins });
    const env: ProbeEnv = { ...ENV, dial: dialerFrom(ABROAD) };
    const request = [{ name: target.name, url: target.url, addresses }];
    let control: Control | undefined;
    const measured = measureControls(request, options, env, (c) => (control = c));
    this.got.set(
      target.name,
      measured.then(() => control),
    );
  }

  get(target: Target): Promise<Control | undefined> {
    return this.got.get(target.name) ?? Promise.resolve(undefined);
  }

  summary(): HelperSummary {
    const n = this.got.size;
    return { url: 'https://abroad.invalid', reachable: true, sent: n, controls: n, refused: 0 };
  }

  close = async () => {};
}
