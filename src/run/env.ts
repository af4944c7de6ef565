import dns from 'node:dns';
import { parseServer, type DnsServer } from '../model/addresses.js';
import { systemClock } from '../model/clock.js';
import { dohDispatcher } from '../net/doh.js';
import { serverResolver, systemResolver } from '../net/resolve.js';
import { dialTcp } from '../net/tcp.js';
import type { ProbeEnv } from './options.js';

export interface EnvSettings {
  /** --resolver: the one DNS server to ask; without it, getaddrinfo and the system's first nameserver. */
  resolver?: DnsServer;
  sink?: DnsServer;
  /** --control-doh URLs. */
  controls: string[];
  /** Extra trusted CAs (PEM). */
  ca: string[];
  /** The DoH pool's connect deadline. */
  dnsTimeoutMs: number;
  /** Targets measured at once: the DoH pool is sized for their queries. */
  concurrency: number;
}

/**
 * An A and an AAAA query per target in a slot, each on a connection of its own: with fewer, the
 * queries wait in the pool's queue, and a control's answer times our queue, not the resolver (16
 * connections at concurrency 32: a median 1.6 s per DoH answer on loopback; 64: 29-35 ms). At most
 * 128 however high the concurrency: a public resolver is not to be met with hundreds from one client.
 */
const dohConnections = (concurrency: number) => Math.min(2 * concurrency, 128);

/** The real network, as the probe uses it: the CLI's (and anyone's) way to build a ProbeEnv. */
export function realEnv(s: EnvSettings): ProbeEnv {
  const common = {
    clock: systemClock,
    dial: dialTcp,
    ca: s.ca,
    controls: s.controls,
    ...(s.controls.length > 0
      ? { doh: dohDispatcher(s.ca, s.dnsTimeoutMs, dohConnections(s.concurrency)) }
      : {}),
    ...(s.sink ? { sink: s.sink } : {}),
  };
  if (s.resolver) return { ...common, resolver: serverResolver(s.resolver), dnsServer: s.resolver };
  const first = dns.getServers()[0];
  const dnsServer = first === undefined ? undefined : parseServer(first);
  return { ...common, resolver: systemResolver(), ...(dnsServer ? { dnsServer } : {}) };
}
