import type { Transfer, TransferEnd } from '../model/transfer.js';

// The body's progress over time, kept in bounded memory whatever its size: cumulative bytes sampled
// at an interval that doubles whenever the samples fill up (as OONI's bytes_received_cumulative,
// thinned rather than cut), the silences between bytes, and where progress stopped.

const MAX_SAMPLES = 64;
const FIRST_INTERVAL_MS = 50;

export interface MeterOptions {
  limitBytes: number;
  /** A silence this long or longer between body bytes is a stall. */
  stallMs: number;
  /** From the request to the headers. */
  ttfbMs: number;
  now?: () => number;
}

export class TransferMeter {
  bytes = 0;
  private readonly now: () => number;
  private readonly began: number;
  private lastAt = 0;
  private stalls = 0;
  private longest = 0;
  private samples: Array<[number, number]> = [];
  private interval = FIRST_INTERVAL_MS;
  private nextSampleAt = 0;

  constructor(private readonly opts: MeterOptions) {
    this.now = opts.now ?? (() => performance.now());
    this.began = this.now();
  }

  /** Milliseconds since the headers. */
  private elapsed(): number {
    return this.now() - this.began;
  }

  add(length: number): void {
    const at = this.elapsed();
    this.silence(at - this.lastAt);
    this.lastAt = at;
    this.bytes += length;
    if (at < this.nextSampleAt) return;
    this.samples.push([Math.round(at), this.bytes]);
    this.nextSampleAt = at + this.interval;
    if (this.samples.length < MAX_SAMPLES) return;
    // Full: every other sample goes, and they come half as often from now on.
    this.samples = this.samples.filter((_, i) => i % 2 === 1);
    this.interval *= 2;
  }

  private silence(ms: number): void {
    if (ms >= this.opts.stallMs) this.stalls++;
    this.longest = Math.max(this.longest, ms);
  }

  /**
   * The transfer as it ended. A deadline that came after a silence of a stall or more, and of at
   * least half the transfer, found progress stopped: `frozen` at the bytes read so far (a freeze
   * after 16 KB is silent for nearly all of it; a policer's drops, or a busy machine's pauses, leave
   * shorter gaps between longer runs of bytes). Otherwise the duration runs to the last byte (the
   * whole body, or the limit) or to the deadline (bytes still coming).
   */
  finish(how: Exclude<TransferEnd, 'frozen'>): Transfer {
    const now = this.elapsed();
    let end: TransferEnd = how;
    const silent = now - this.lastAt;
    if (how === 'deadline') {
      this.silence(silent); // the silence the deadline cut short counts as much as any other
      if (silent >= this.opts.stallMs && silent >= now / 2) end = 'frozen';
    }
    const duration = end === 'complete' || end === 'cut' ? this.lastAt : now;
    const samples: Array<[number, number]> = [...this.samples];
    if (samples.at(-1)?.[1] !== this.bytes || end === 'frozen' || end === 'deadline')
      samples.push([Math.round(duration), this.bytes]);
    const transfer: Transfer = {
      limit_bytes: this.opts.limitBytes,
      bytes: this.bytes,
      end,
      ttfb_ms: round1(this.opts.ttfbMs),
      duration_ms: round1(duration),
      stalls: this.stalls,
      longest_stall_ms: Math.round(this.longest),
      stall_ms: this.opts.stallMs,
      samples,
    };
    if (this.bytes > 0) {
      transfer.rate_bytes_per_second = rateOf(this.bytes, duration);
      const ceiling = ceilingOf(samples, duration);
      if (ceiling !== undefined) transfer.ceiling_bytes_per_second = ceiling;
    }
    if (end === 'frozen') transfer.frozen_at_bytes = this.bytes;
    return transfer;
  }
}

const round1 = (ms: number) => Math.round(ms * 10) / 10;

/** Bytes a second; a body that came whole in one read counts as taking a millisecond. */
const rateOf = (bytes: number, ms: number) => Math.round((bytes * 1000) / Math.max(ms, 1));

/** The rate from the first sample at or past half the duration to the end. */
function ceilingOf(samples: Array<[number, number]>, duration: number): number | undefined {
  const last = samples.at(-1);
  const half = samples.find(([t]) => t >= duration / 2);
  if (!last || !half || half === last || last[0] - half[0] <= 0) return undefined;
  return rateOf(last[1] - half[1], last[0] - half[0]);
}
