import type { Clock } from '../model/clock.js';
import type { DnsServer } from '../net/dns-udp.js';
import type { Resolver } from '../net/resolve.js';
import type { Dialer } from '../net/tcp.js';

/** Per-stage deadlines, in milliseconds. */
export interface StageTimeouts {
  dns: number;
  connect: number;
  tls: number;
  http: number;
}

/** What shapes the measurement; it goes into the report so results can be compared. */
export interface ProbeOptions {
  timeouts: StageTimeouts;
  /** How long the raw DNS query keeps listening after the first reply. */
  dnsWindowMs: number;
  concurrency: number;
  maxBodyBytes: number;
  /** At most this many of a name's addresses are dialled. */
  maxAddresses: number;
  /** --resolve HOST:PORT:ADDR pins, keyed "host:port". */
  pins: Map<string, string[]>;
  userAgent: string;
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
}

export const DEFAULT_TIMEOUTS: StageTimeouts = { dns: 4000, connect: 10_000, tls: 10_000, http: 10_000 };

export const DEFAULT_OPTIONS: ProbeOptions = {
  timeouts: DEFAULT_TIMEOUTS,
  dnsWindowMs: 1000,
  concurrency: 32,
  maxBodyBytes: 64 * 1024,
  maxAddresses: 8,
  pins: new Map(),
  userAgent: 'Mozilla/5.0 (compatible; reachprobe)',
};
