/** Time as the probe sees it; passed in so tests and benchmarks can supply their own. */
export interface Clock {
  /** Monotonic milliseconds, for durations. */
  now(): number;
  /** Wall-clock time, for report timestamps. */
  date(): Date;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  date: () => new Date(),
};

/** Milliseconds as reports give them: to a tenth. */
export const tenths = (ms: number): number => Math.round(ms * 10) / 10;
