// Redirects followed as a browser (and OONI) follows them: each hop's URL measured with the same
// checks as the target (DNS, connect, TLS, HTTP), so a failure at a later hop is that hop's host's.
import { InputError } from '../model/input-error.js';
import { own } from '../model/observation.js';
import type { ChainEnd } from '../classify/redirects.js';
import type { Target } from '../model/target.js';
import { targetFromUrl } from '../targets/parse.js';
import type { ProbeContext } from './context.js';
import { probeTarget, type ProbeRun } from './probe.js';

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export interface Hop {
  target: Target;
  run: ProbeRun;
}

export interface Chain {
  hops: Hop[];
  end?: ChainEnd;
}

/** Where the run's last page redirects to, as an absolute URL text; undefined when it does not. */
function locationOf(run: ProbeRun): string | undefined {
  const page = own(run.observations, 'http_round_trip').findLast((h) => h.status !== undefined);
  if (!page?.status || !REDIRECTS.has(page.status) || page.location === undefined) return undefined;
  return page.location;
}

/** The hop's target: the URL resolved against the page that sent it, under the target's own name. */
function hopTarget(target: Target, from: Target, location: string): Target | undefined {
  let url: string;
  try {
    url = new URL(location, from.url).href;
  } catch {
    return undefined;
  }
  try {
    const hop = targetFromUrl(target.name, url, target.source);
    return hop.scheme === 'tcp' ? undefined : { ...hop, service: target.service };
  } catch (err) {
    if (err instanceof InputError) return undefined;
    throw err;
  }
}

const urlKey = (t: Target) => `${t.scheme}://${t.host}:${t.port}${t.path}`;

/**
 * The hops after the target's own answer, at most `max`. A hop is measured without the helper (it
 * follows the same chain itself) and without QUIC; a loop, more hops than `max` and a Location
 * that is no http(s) URL end the chain, said as such.
 */
export async function followRedirects(
  target: Target,
  first: ProbeRun,
  ctx: ProbeContext,
  max: number,
): Promise<Chain> {
  const hops: Hop[] = [];
  if (max <= 0) return { hops };
  // The helper's extra addresses (keyed by the target's name) are the first host's, not a hop's.
  const { helper: _helper, ...env } = ctx.env;
  const { alsoDial: _also, ...options } = ctx.options;
  const hopCtx: ProbeContext = { ...ctx, env, options: { ...options, quic: 'off' } };
  const seen = [urlKey(target)];
  let from = target;
  let run = first;
  for (;;) {
    const location = locationOf(run);
    if (location === undefined) return { hops };
    const next = hopTarget(target, from, location);
    if (!next) return { hops, end: { badLocation: location } };
    if (seen.includes(urlKey(next))) return { hops, end: { loop: next.url } };
    if (hops.length >= max) return { hops, end: { tooMany: max } };
    seen.push(urlKey(next));
    run = await probeTarget(next, hopCtx);
    hops.push({ target: next, run });
    from = next;
  }
}
