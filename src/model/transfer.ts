// What a body transfer looked like over time: the raw facts of one HTTP GET's download, recorded as
// the body streams past (never held), and the figures a throttling verdict is decided on.

/**
 * How the transfer ended: `complete` (the whole body), `cut` (at the --transfer limit), `deadline`
 * (the HTTP deadline came while bytes were still arriving), `frozen` (the deadline came after a
 * silence of a stall or more: progress had stopped), `failed` (reset, closed or garbled).
 */
export type TransferEnd = 'complete' | 'cut' | 'deadline' | 'frozen' | 'failed';

export interface Transfer {
  /** The most body bytes read (--transfer). */
  limit_bytes: number;
  bytes: number;
  end: TransferEnd;
  /** From the request to the response's headers. */
  ttfb_ms: number;
  /** From the headers to the transfer's end (the deadline, for `deadline` and `frozen`). */
  duration_ms: number;
  /** Body bytes a second over `duration_ms`; absent when nothing came. */
  rate_bytes_per_second?: number;
  /** The rate over the transfer's second half: where a policer's rate settles, after its burst. */
  ceiling_bytes_per_second?: number;
  /** Silences of a stall threshold or more between body bytes (the final one of a freeze included). */
  stalls: number;
  longest_stall_ms: number;
  /** The stall threshold this transfer was measured with. */
  stall_ms: number;
  /** For `frozen`: how many body bytes had come when progress stopped. */
  frozen_at_bytes?: number;
  /** [milliseconds since the headers, cumulative body bytes], thinned out as it grows (64 at most). */
  samples: Array<[number, number]>;
}

/** A transfer's figures without its samples: what the helper sends back, and what results carry. */
export type TransferFigures = Omit<Transfer, 'samples'>;

/** What the throttling rule found, beside the verdict: the figures it was decided on. */
export interface Throughput {
  /** The target's rate here (body bytes a second). */
  rate_bytes_per_second: number;
  bytes: number;
  end: TransferEnd;
  ttfb_ms: number;
  ceiling_bytes_per_second?: number;
  stalls: number;
  frozen_at_bytes?: number;
  /** Low enough for the controls to be run (or frozen). */
  slow: boolean;
  /** The same URL on the same address with the innocuous name (as SNI, or as Host for http). */
  same_path_rate_bytes_per_second?: number;
  /** The helper's transfer of the same URL abroad. */
  abroad_rate_bytes_per_second?: number;
  /** The fastest control's rate over the rate here. */
  ratio?: number;
  /** What the rule concluded, in words. */
  note?: string;
}

/** Throttling's own scale: a rate ten times lower (or higher) than before is news, whatever the verdict. */
export const RATE_CHANGE = 10;

/** A rate as people quote throttling: kbit/s, or Mbit/s from 10 Mbit/s. */
export function rateText(bytesPerSecond: number): string {
  const kbit = (bytesPerSecond * 8) / 1000;
  if (kbit >= 10_000) return `${Math.round(kbit / 1000)} Mbit/s`;
  return kbit >= 100 ? `${Math.round(kbit)} kbit/s` : `${Number(kbit.toPrecision(2))} kbit/s`;
}
