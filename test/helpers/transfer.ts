// Targets pinned to loopback servers (no DNS: --resolve pins), measured with small transfers and
// short deadlines, so a throttled transfer shows within a second or two.
import { MOCK_CA } from '../../src/mock/certs.js';
import { blockListOf } from '../../src/model/addresses.js';
import { systemClock } from '../../src/model/clock.js';
import type { TargetResult } from '../../src/model/result.js';
import type { Target } from '../../src/model/target.js';
import { serverResolver } from '../../src/net/resolve.js';
import { dialTcp } from '../../src/net/tcp.js';
import { DEFAULT_OPTIONS, type ProbeEnv, type ProbeOptions } from '../../src/run/options.js';
import { runProbe } from '../../src/run/run.js';
import { HOST, startServer, type Listening, type ServerOptions } from '../../src/mock/tcp-servers.js';

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
  const host = `${name}.reachprobe.test`;
  return {
    name,
    service: 'Test',
    url: `${scheme}://${host}:${port}/`,
    scheme,
    host,
    port,
    path: '/',
    tags: [],
    source: { file: 'test', line: 1 },
  };
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
