// Pure: whether a slow transfer was throttled. A low rate alone is never censorship (a path can be
// slow, a server slow for everyone): only a control tells, and it must be 10x faster, OONI's
// "extreme" throttling. The same URL on the same address with an innocuous name is the control on
// the same path (fast there: the name is the key); the helper's transfer abroad is the control
// off it (fast there while the same path is slow with any name: the address is). A transfer that
// froze is throttled where a control went past the point it froze at.
import type { Control } from '../model/control.js';
import { find, own, type Observation } from '../model/observation.js';
import type { Target } from '../model/target.js';
import { rateText, type Throughput, type TransferFigures } from '../model/transfer.js';
import type { BlockedBy, Verdict } from '../model/verdict.js';
import type { Comparison } from './comparison.js';

/** Below 1 Mbit/s a page is slow enough for the controls to be worth their download. */
export const SLOW_BYTES_PER_SECOND = 125_000;
/** A complete body smaller than this came in a burst or two: its rate says nothing. */
export const MIN_RATE_BYTES = 32 * 1024;
/** How much faster a control must be: OONI's "extreme" throttling. */
export const RATIO = 10;

/** Low enough for the controls to be run: frozen, or a measurable rate under 1 Mbit/s. */
export function isSlow(t: TransferFigures): boolean {
  if (t.end === 'frozen') return true;
  if (t.end === 'failed') return false;
  const measurable = t.end === 'deadline' || t.bytes >= MIN_RATE_BYTES;
  // No rate: nothing came, so nothing slow to measure.
  return measurable && (t.rate_bytes_per_second ?? Infinity) < SLOW_BYTES_PER_SECOND;
}

type Compared = 'faster' | 'not-faster' | 'unusable';

/** A control against the target's own transfer: 10x faster (or past its freeze), not, or too small to say. */
export function compareTransfer(own: TransferFigures, control: TransferFigures | undefined): Compared {
  if (!control || control.end === 'failed') return 'unusable';
  if (own.end === 'frozen') {
    if (control.end === 'frozen') return 'not-faster';
    return control.bytes > (own.frozen_at_bytes ?? 0) ? 'faster' : 'unusable';
  }
  const rate = control.rate_bytes_per_second;
  const measurable =
    control.end === 'deadline' || control.end === 'frozen' || control.bytes >= MIN_RATE_BYTES;
  if (rate === undefined || !measurable) return 'unusable';
  return rate >= RATIO * (own.rate_bytes_per_second ?? 0) ? 'faster' : 'not-faster';
}

export interface ThrottleInput {
  scheme: 'http' | 'https' | 'tcp';
  own: TransferFigures;
  /** The same URL, same address, the innocuous name (as SNI; as Host for http). */
  samePath?: TransferFigures;
  /** The helper's transfer abroad. */
  abroad?: TransferFigures;
}

export interface ThrottleDecision {
  throughput: Throughput;
  /** Set when the rule finds throttling. */
  throttled?: { blockedBy: BlockedBy; reason: string };
}

function figures(i: ThrottleInput, slow: boolean): Throughput {
  const { own } = i;
  const t: Throughput = {
    rate_bytes_per_second: own.rate_bytes_per_second ?? 0,
    bytes: own.bytes,
    end: own.end,
    ttfb_ms: own.ttfb_ms,
    stalls: own.stalls,
    slow,
  };
  if (own.ceiling_bytes_per_second !== undefined) t.ceiling_bytes_per_second = own.ceiling_bytes_per_second;
  if (own.frozen_at_bytes !== undefined) t.frozen_at_bytes = own.frozen_at_bytes;
  const same = i.samePath?.rate_bytes_per_second;
  const abroad = i.abroad?.rate_bytes_per_second;
  if (same !== undefined) t.same_path_rate_bytes_per_second = same;
  if (abroad !== undefined) t.abroad_rate_bytes_per_second = abroad;
  const best = Math.max(same ?? 0, abroad ?? 0);
  if (slow && best > 0 && t.rate_bytes_per_second > 0)
    t.ratio = Math.round((best / t.rate_bytes_per_second) * 10) / 10;
  return t;
}

/** "the body came at 130 kbit/s (settling at 128 kbit/s)" or "the transfer froze after 16,140 bytes". */
export function ownText(t: Throughput): string {
  if (t.end === 'frozen') return `the transfer froze after ${t.frozen_at_bytes ?? t.bytes} bytes`;
  const ceiling =
    t.ceiling_bytes_per_second !== undefined ? ` (settling at ${rateText(t.ceiling_bytes_per_second)})` : '';
  return `the body came at ${rateText(t.rate_bytes_per_second)}${ceiling}`;
}

const controlText = (name: string, t: TransferFigures) =>
  t.end === 'frozen' ? `${name} (frozen too)` : `${name} (${rateText(t.rate_bytes_per_second ?? 0)})`;

/** The figures of a transfer and, when it was slow, what the controls say of it. */
export function assessThrottle(i: ThrottleInput): ThrottleDecision {
  const slow = isSlow(i.own);
  const throughput = figures(i, slow);
  if (!slow) return { throughput };
  const here = ownText(throughput);
  const same = compareTransfer(i.own, i.samePath);
  const abroad = compareTransfer(i.own, i.abroad);
  const pace = i.own.end === 'frozen' ? 'went on' : `was ${RATIO}x faster or more`;
  if (same === 'faster') {
    const key = i.scheme === 'https' ? 'sni' : 'host';
    const name = i.scheme === 'https' ? 'SNI' : 'Host';
    const reason =
      `${here}; the same URL on the same address with an ` +
      `innocuous ${name} ${pace}: ${controlText('same path', i.samePath!)}, throttled by ${name}`;
    return { throughput, throttled: { blockedBy: key, reason } };
  }
  if (abroad === 'faster') {
    const path =
      same === 'not-faster' ? ', as slow with an innocuous name on the same path: throttled by address' : '';
    const reason = `${here}; the helper abroad ${pace}: ${controlText('abroad', i.abroad!)}${path}`;
    return { throughput, throttled: { blockedBy: same === 'not-faster' ? 'ip' : 'unknown', reason } };
  }
  throughput.note = noteOf(here, same, abroad);
  return { throughput };
}

function noteOf(here: string, same: Compared, abroad: Compared): string {
  if (abroad === 'not-faster') return `${here}, slow from abroad too: the server or its path, not censorship`;
  if (same === 'not-faster')
    return (
      `${here}, as slow with an innocuous name on the same path and no control abroad: a slow path ` +
      `cannot be told from a throttled address, nothing claimed`
    );
  return `${here}, and no control to compare it with: nothing claimed`;
}

/** The local and control verdicts a transfer can turn into `throttled`: a page that came, or one that froze. */
function mayBeThrottled(v: Verdict, own: TransferFigures): boolean {
  if (v.verdict === 'reachable') return true;
  const frozenHere = own.end === 'frozen' && v.stage === 'http_round_trip';
  return frozenHere && (v.verdict === 'timeout' || v.verdict === 'down');
}

/**
 * The comparison with the controls, with the transfer's figures added: `throttled` where the rule
 * finds it, with OONI's keys as its QA scenarios expect them (`http-failure`, not accessible) when
 * a helper's control was compared; the rule's note in the reason where a slow page stays as it was.
 */
export function withThroughput(
  target: Target,
  checks: Observation[],
  compared: Comparison,
  control: Control | undefined,
): Comparison {
  const own = ownTransfer(checks);
  if (!own) return compared;
  const samePath = find(checks, 'http_round_trip').find((h) => h.purpose === 'transfer_control')?.transfer;
  const usable = control !== undefined && control.refused === undefined;
  const abroad = usable ? control.http?.transfer : undefined;
  const decided = assessThrottle({
    scheme: target.scheme,
    own,
    ...(samePath ? { samePath } : {}),
    ...(abroad ? { abroad } : {}),
  });
  const v: Verdict = { ...compared.verdict, throughput: decided.throughput };
  if (!mayBeThrottled(v, own)) return { ...compared, verdict: v };
  if (!decided.throttled) {
    const note = decided.throughput.note;
    return { ...compared, verdict: note ? { ...v, reason: `${v.reason}; ${note}` } : v };
  }
  const { measured: _measured, failure: _failure, ...rest } = v;
  const throttled: Verdict = {
    ...rest,
    verdict: 'throttled',
    stage: 'http_round_trip',
    ...(own.end === 'frozen' ? { failure: 'generic_timeout_error' as const } : {}),
    blockedBy: decided.throttled.blockedBy,
    reason: decided.throttled.reason,
  };
  return usable
    ? { verdict: throttled, blocking: 'http-failure', accessible: false }
    : { verdict: throttled, blocking: null, accessible: null };
}

/** The target's own transfer: its last try's. */
const ownTransfer = (checks: Observation[]) => own(checks, 'http_round_trip').at(-1)?.transfer;
