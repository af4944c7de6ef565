// Pure: a redirect chain's hops, each classified as a target is, into the target's one verdict.
// The first hop that fails speaks for the target, naming its host; a chain that cannot end is said so.
import type { Target } from '../model/target.js';
import type { RedirectHop, Verdict } from '../model/verdict.js';
import { isSuccess } from './run.js';

export interface ClassifiedHop {
  target: Target;
  verdict: Verdict;
}

export type ChainEnd = { loop: string } | { tooMany: number } | { badLocation: string };

const hopOf = (h: ClassifiedHop): RedirectHop => ({
  url: h.target.url,
  verdict: h.verdict.verdict,
  ...(h.verdict.stage ? { stage: h.verdict.stage } : {}),
  ...(h.verdict.failure ? { failure: h.verdict.failure } : {}),
  reason: h.verdict.reason,
});

function endReason(end: ChainEnd): string {
  if ('loop' in end) return `a redirect loop: the chain comes back to ${end.loop}`;
  if ('tooMany' in end) return `more than ${end.tooMany} redirects: stopped`;
  return `a redirect to "${end.badLocation}", which is no http(s) URL with a host`;
}

/**
 * The target's verdict over its chain: its own when it failed or nothing redirected; else the
 * first failing hop's, with that hop's host named; else the last page's, via the chain.
 */
export function classifyChain(
  target: Target,
  first: Verdict,
  hops: ClassifiedHop[],
  end: ChainEnd | undefined,
): Verdict {
  if (hops.length === 0 && !end) return first;
  const redirects = hops.map(hopOf);
  const path = [target.url, ...hops.map((h) => h.target.url)].join(' → ');
  const evidence = [
    ...first.evidence,
    ...hops.flatMap((h, i) => h.verdict.evidence.map((e) => `redirect ${i + 1} (${h.target.host}): ${e}`)),
  ];
  const failed = hops.find((h) => !isSuccess(h.verdict.verdict));
  if (failed) {
    const n = hops.indexOf(failed) + 1;
    return {
      ...failed.verdict,
      reason: `after ${n} redirect(s) (${path}), ${failed.target.host} failed: ${failed.verdict.reason}`,
      evidence,
      redirects,
    };
  }
  if (end) {
    return {
      verdict: 'http-failure',
      stage: 'http_round_trip',
      failure: 'unknown_failure',
      reason: `${endReason(end)} (${path})`,
      evidence,
      redirects,
    };
  }
  const last = hops.at(-1)!;
  return {
    ...last.verdict,
    reason: `after ${hops.length} redirect(s) (${path}): ${last.verdict.reason}`,
    evidence,
    redirects,
  };
}
