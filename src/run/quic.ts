// The QUIC step of a target: an innocuous decoy (the decoy name as SNI) to the same address and UDP
// port first, then the target's own handshake, under that (address, port, udp) lock. Beside the
// TCP chain: the two filters are separate, and waiting for one would double a blocked target's time.
import dgram from 'node:dgram';
import { checkQuic } from '../checks/quic.js';
import { hostPort } from '../model/addresses.js';
import { own, type Observation } from '../model/observation.js';
import type { QuicEvidence, QuicObservation } from '../model/quic.js';
import type { Target } from '../model/target.js';
import { http3Alternative, parseAltSvc } from '../net/alt-svc.js';
import type { ProbeOptions } from './options.js';
import type { ProbeContext, Residual } from './probe.js';

export interface QuicRun {
  observations: QuicObservation[];
  /** The same server's UDP port was blocked for another target less than 180 s before. */
  residual?: Residual;
}

/** --quic measures every https target, `quic:` in the file decides per target, --no-quic none. */
export function wantsQuic(target: Target, options: ProbeOptions): boolean {
  if (target.scheme !== 'https' || options.quic === 'off') return false;
  return target.quic ?? options.quic === 'all';
}

// As over TCP (probe.ts): a healthy server answers an Initial in a round trip; a decoy still
// silent after a twentieth of the deadline is being dropped, and the own handshake starts beside it.
const DECOY_GRACE_SHARE = 1 / 20;

const udpKey = (endpoint: string) => `udp ${endpoint}`;

export async function probeQuic(target: Target, address: string, ctx: ProbeContext): Promise<QuicRun> {
  const { options, env, watch } = ctx;
  const endpoint = hostPort(address, target.port);
  const release = await ctx.locks.acquire(udpKey(endpoint));
  try {
    const recent = ctx.blocks.recent(udpKey(endpoint), target.name, env.clock.now());
    const source = env.udpSource;
    const createSocket = source ? (type: 'udp4' | 'udp6') => dgram.createSocket(type).bind({ address: source, port: 0 }) : undefined;
    const base = { host: target.host, address, port: target.port, ca: env.ca, verify: true, timeoutMs: options.quicTimeoutMs, ...(createSocket ? { createSocket } : {}) };
    // Right after a block there, a decoy would only meet the lingering blackhole: none is made.
    const decoyName = recent ? undefined : options.decoyName;
    const decoy = decoyName ? checkQuic({ ...base, sni: decoyName, verify: false, purpose: 'decoy' }, watch) : undefined;
    if (decoy) await waitAtMost(decoy, options.quicTimeoutMs * DECOY_GRACE_SHARE);
    const own = await checkQuic(base, watch);
    const made = decoy ? [await decoy] : [];
    if (own.failure?.failure === 'generic_timeout_error') ctx.blocks.record(udpKey(endpoint), target.name, env.clock.now());
    return { observations: [...made, own], ...(recent ? { residual: { ...recent, endpoint } } : {}) };
  } finally {
    release();
  }
}

/** Waits for `work` at most `ms`; it goes on either way. */
export async function waitAtMost(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

/** What says the target speaks QUIC: its own HTTP answer's Alt-Svc offering h3, and `quic: true`. */
export function offeredBy(target: Target, checks: Observation[], helperSaw: boolean): QuicEvidence[] {
  const headers = own(checks, 'http_round_trip').map((h) => h.headers?.['alt-svc']);
  const h3 = headers.some((value) => value !== undefined && http3Alternative(parseAltSvc(value)) !== undefined);
  return [...(h3 ? ['alt-svc' as const] : []), ...(target.quic ? ['target' as const] : []), ...(helperSaw ? ['helper' as const] : [])];
}
