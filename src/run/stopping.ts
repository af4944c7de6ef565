import type { Clock } from '../model/clock.js';

export const ABANDONED = Symbol('abandoned');

/**
 * An interruption: once the signal is aborted, nothing new starts, and work still running when the
 * grace has passed is abandoned (its promise is no longer waited for).
 */
export class Stopping {
  at?: Date;
  private readonly abandon: Promise<typeof ABANDONED>;

  constructor(signal: AbortSignal | undefined, graceMs: number, clock: Clock) {
    this.abandon = new Promise((resolve) => {
      const stop = () => {
        this.at = clock.date();
        // Unreferenced: a run whose work all finished within the grace need not wait for it.
        setTimeout(() => resolve(ABANDONED), graceMs).unref();
      };
      if (signal?.aborted) stop();
      else signal?.addEventListener('abort', stop, { once: true });
    });
  }

  get stopped(): boolean {
    return this.at !== undefined;
  }

  /** `work`'s value, or ABANDONED when the grace after an interruption ran out first. */
  settle<T>(work: Promise<T>): Promise<T | typeof ABANDONED> {
    return Promise.race([work, this.abandon]);
  }
}
