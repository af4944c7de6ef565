import net from 'node:net';
import type { Dispatcher } from 'undici';
import type { Clock } from '../model/clock.js';
import type { DnsServer } from '../model/addresses.js';
import type { Control, HelperSummary } from '../model/control.js';
import type { Target } from '../model/target.js';
import type { Resolver } from '../net/resolve.js';
import type { Dialer } from '../net/tcp.js';

/** Per-stage deadlines, in milliseconds. */
export interface StageTimeouts {
  dns: number;
  connect: number;
  tls: number;
  http: number;
}

/** What shapes the measurement (the main settings go into the report's `options`, so results can be compared). */
export interface ProbeOptions {
  timeouts: StageTimeouts;
  /** How long the raw DNS query keeps listening after the first reply. */
  dnsWindowMs: number;
  concurrency: number;
  /** Body bytes read at most when the transfer is not measured (--max-body). */
  maxBodyBytes: number;
  /** --transfer: body bytes read at most, their transfer measured (0: not measured; --max-body holds). */
  transferBytes: number;
  /** At most this many of a name's addresses are dialled. */
  maxAddresses: number;
  /** --resolve HOST:PORT:ADDR pins, keyed "host:port". */
  pins: Map<string, string[]>;
  userAgent: string;
  /** How long a sink query waits for the (forged) answer that should never come. */
  sinkTimeoutMs: number;
  /** Innocuous names that must get no answer from the sink, or the sink test is unusable. */
  sinkCanaries: string[];
  /** A real domain without a wildcard: a random label under it must not exist. */
  nxProbeDomain: string;
  /** --forged-pool: addresses the censor answers with (weak evidence). */
  forgedPool: net.BlockList;
  /** --allow-answers: ranges accepted as genuine answers although private or loopback. */
  allowedAnswers: net.BlockList;
  /** The innocuous name checked first on each IP:port (as SNI, or as Host); none: no decoy check. */
  decoyName?: string;
  /** How long a decoy that passed stands for the next targets on the same IP:port (0: a decoy for each). */
  decoyReuseMs: number;
  /** How many times the target's own check is tried, on fresh connections, while it is reset. */
  tries: number;
  /** Redirects followed, each hop measured as the target is (0: the redirect is recorded, not followed). */
  maxRedirects: number;
  /** --sni-probe-addr: a known-clean server the target's SNI is also sent to, after a block. */
  sniProbe?: DnsServer;
  /** --residual-check: how long to keep re-checking a blocked IP:port with the decoy (0: not at all). */
  residualCheckMs: number;
  /** QUIC: `all` https targets (--quic), only those marked `quic: true` (default), or `off` (--no-quic). */
  quic: 'all' | 'marked' | 'off';
  /** The deadline of a QUIC handshake (--quic-timeout). */
  quicTimeoutMs: number;
  /** The helper's: addresses dialled besides the resolved ones, by target name (the probe's answers). */
  alsoDial?: Map<string, string[]>;
  /** The helper's: addresses never dialled, whatever DNS answers (its own). */
  neverDial?: net.BlockList;
}

/** Control measurements from a helper abroad, asked for as targets' addresses become known. */
export interface Controls {
  /** The target's addresses are known (none when its name did not resolve): ask for its control. */
  request(target: Target, addresses: string[], quic: boolean): void;
  /** The control of a requested target, or undefined when none came in time. */
  get(target: Target): Promise<Control | undefined>;
  summary(): HelperSummary;
  close(): Promise<void>;
}

/** The world the probe acts on: passed in, so tests run the same code against loopback servers. */
export interface ProbeEnv {
  clock: Clock;
  resolver: Resolver;
  /** The server for the raw UDP query; none when no resolver is configured or known. */
  dnsServer?: DnsServer;
  dial: Dialer;
  /** Extra trusted CAs (PEM). */
  ca: string[];
  /** --sink: an address across the border that runs no DNS server. */
  sink?: DnsServer;
  /** --control-doh: control resolvers over DNS-over-HTTPS, and the pool that reaches them. */
  controls: string[];
  doh?: Dispatcher;
  /** Where QUIC handshakes go out from (the mock network's helper, abroad at 127.0.0.2); default: any. */
  udpSource?: string;
  /** --helper: the control measurements from abroad. */
  helper?: Controls;
}

// A stall is a silence of a second between body bytes (the gaps a policer's drops leave), or a
// quarter of the HTTP deadline when that is shorter, so a freeze can be told within short deadlines.
const STALL_MS = 1000;

/** What an HTTP check reads of a body: the limit, and the stall threshold when the transfer is measured. */
export function bodyLimits(options: ProbeOptions): { maxBodyBytes: number; transferStallMs?: number } {
  if (options.transferBytes === 0) return { maxBodyBytes: options.maxBodyBytes };
  return {
    maxBodyBytes: options.transferBytes,
    transferStallMs: Math.min(STALL_MS, options.timeouts.http / 4),
  };
}

export const DEFAULT_TIMEOUTS: StageTimeouts = { dns: 4000, connect: 10_000, tls: 10_000, http: 10_000 };

export const DEFAULT_OPTIONS: ProbeOptions = {
  timeouts: DEFAULT_TIMEOUTS,
  dnsWindowMs: 1000,
  concurrency: 32,
  maxBodyBytes: 64 * 1024,
  transferBytes: 512 * 1024,
  maxAddresses: 8,
  pins: new Map(),
  userAgent: 'Mozilla/5.0 (compatible; reachprobe)',
  sinkTimeoutMs: 2000,
  sinkCanaries: ['www.example.com', 'www.iana.org'],
  nxProbeDomain: 'example.com',
  forgedPool: new net.BlockList(),
  allowedAnswers: new net.BlockList(),
  decoyName: 'www.example.org',
  decoyReuseMs: 10_000,
  tries: 3,
  maxRedirects: 10,
  residualCheckMs: 0,
  quic: 'marked',
  quicTimeoutMs: 5000,
};
