import { randomBytes } from 'node:crypto';
import { checkDnsQuery } from '../checks/dns.js';
import { formatServer } from '../model/addresses.js';
import type { Stopwatch } from '../checks/stopwatch.js';
import type { DnsPreflight } from '../model/result.js';
import type { ProbeEnv, ProbeOptions } from './options.js';

// Checks of the DNS path itself, made once before the targets: without them, a sink or resolver
// that answers everything would be misread as injection or as existing names.

/**
 * The sink must stay silent for innocuous names. If it answers them, it runs a DNS server after all,
 * or a transparent DNS middlebox answers for it, and its answers for targets prove nothing.
 */
export async function checkSink(
  env: ProbeEnv,
  options: ProbeOptions,
  watch: Stopwatch,
): Promise<DnsPreflight['sink']> {
  const sink = env.sink;
  if (!sink) return undefined;
  const canaries = await Promise.all(
    options.sinkCanaries.map((name) =>
      checkDnsQuery(
        name,
        { server: sink, type: 'A', purpose: 'sink', timeoutMs: options.sinkTimeoutMs, windowMs: 0 },
        watch,
      ),
    ),
  );
  const answered = canaries.filter((c) => c.replies.length > 0).map((c) => c.host);
  const unsent = canaries.find((c) => c.failure && c.failure.failure !== 'generic_timeout_error');
  const why =
    answered.length > 0
      ? `it answered ${answered.join(', ')}`
      : unsent
        ? `queries to it fail: ${unsent.failure!.failure}`
        : undefined;
  return { server: formatServer(sink), usable: why === undefined, ...(why ? { why } : {}), canaries };
}

/** A random label under a real domain cannot exist: a resolver that answers it rewrites NXDOMAIN. */
async function checkNxdomain(env: ProbeEnv, options: ProbeOptions): Promise<DnsPreflight['nxdomain']> {
  const name = `rp-${randomBytes(6).toString('hex')}.${options.nxProbeDomain}`;
  const outcome = await env.resolver.lookup(name, options.timeouts.dns);
  if (outcome.ok) return { name, rewritten_to: outcome.value };
  return { name, rewritten_to: [], answer: outcome.failure.failure };
}

/** Nothing is asked when no target's addresses come from DNS. */
export async function dnsPreflight(
  env: ProbeEnv,
  options: ProbeOptions,
  watch: Stopwatch,
  needed: boolean,
): Promise<DnsPreflight> {
  if (!needed) return {};
  const [sink, nxdomain] = await Promise.all([checkSink(env, options, watch), checkNxdomain(env, options)]);
  return { ...(sink ? { sink } : {}), nxdomain };
}
