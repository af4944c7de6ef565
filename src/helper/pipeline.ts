import net from 'node:net';
import os from 'node:os';
import { blockListOf, inList, type DnsServer } from '../model/addresses.js';
import { dialerFrom } from '../net/tcp.js';
import { realEnv } from '../run/env.js';
import { DEFAULT_OPTIONS, type ProbeEnv, type ProbeOptions } from '../run/options.js';
import { MAX_HELPER_TRANSFER } from './budget.js';
import { helperOptions } from './measure.js';

// What a helper measures with on the real network: check's pipeline as helperOptions trims it,
// the helper's resolver and source address, and never the machine's own addresses.

export interface PipelineSettings {
  /** Ranges a lab opens though private or loopback (--allow-answers). */
  allowAnswers?: string[];
  /** One deadline for every stage, in ms (--timeout). */
  timeoutMs?: number;
  concurrency?: number;
  /** Body bytes downloaded at most per target, the rate measured (--transfer; 0: not measured). */
  transferBytes?: number;
  resolver?: DnsServer;
  sourceAddress?: string;
  /** Extra trusted CAs (PEM). */
  ca: string[];
}

/** The machine's own addresses: a target must not make the helper connect to itself (unless allowed). */
export function ownAddresses(allowed: net.BlockList): net.BlockList {
  const own = new net.BlockList();
  for (const info of Object.values(os.networkInterfaces()).flat()) {
    if (info && !inList(allowed, info.address))
      own.addAddress(info.address, info.family === 'IPv6' ? 'ipv6' : 'ipv4');
  }
  return own;
}

/** check's pipeline as a helper runs it, and the real network without the raw queries that look for injection. */
export function helperPipeline(s: PipelineSettings): { options: ProbeOptions; env: ProbeEnv } {
  const allowedAnswers = blockListOf(s.allowAnswers ?? []);
  const d = DEFAULT_OPTIONS;
  const all = s.timeoutMs;
  const options = helperOptions({
    ...d,
    timeouts: all ? { dns: all, connect: all, tls: all, http: all } : d.timeouts,
    concurrency: s.concurrency ?? d.concurrency,
    transferBytes: Math.min(s.transferBytes ?? d.transferBytes, MAX_HELPER_TRANSFER),
    allowedAnswers,
    neverDial: ownAddresses(allowedAnswers),
  });
  const {
    dnsServer: _raw,
    sink: _sink,
    ...real
  } = realEnv({
    ...(s.resolver ? { resolver: s.resolver } : {}),
    controls: [],
    ca: s.ca,
    dnsTimeoutMs: options.timeouts.dns,
    concurrency: options.concurrency,
  });
  return {
    options,
    env: { ...real, ...(s.sourceAddress ? { dial: dialerFrom(s.sourceAddress) } : {}) },
  };
}
