import { setMaxListeners } from 'node:events';
import type { Clock } from '../model/clock.js';

export const ABANDONED = Symbol('abandoned');

/**
 * An interruption: once the signal is aborted, nothing new starts, and work still running when the
 * grace has passed is abandoned (its promise is no longer waited for).
 */
export class Stopping {
  at?: Date;
  /** How to abandon each piece of work still waited for. A set, not one shared promise raced with
   * each piece: such a promise would keep every finished piece's value alive until the run ends. */
  private readonly waiting = new Set<() => void>();
  private readonly cancelling = new AbortController();
  private readonly onStop: Array<() => void> = [];
  /** Aborted when the grace has passed: what is abandoned is cancelled too (its sockets closed). */
  readonly cancel: AbortSignal = this.cancelling.signal;

  constructor(signal: AbortSignal | undefined, graceMs: number, clock: Clock) {
    // Every dial and handshake of the run under way listens to it: hundreds, not a leak.
    setMaxListeners(0, this.cancel);
    const stop = () => {
      this.at = clock.date();
      for (const then of this.onStop.splice(0)) then();
      // Unreferenced: a run whose work all finished within the grace need not wait for it.
      setTimeout(() => {
        for (const abandon of this.waiting) abandon();
        this.cancelling.abort();
      }, graceMs).unref();
    };
    if (signal?.aborted) stop();
    else signal?.addEventListener('abort', stop, { once: true });
  }

  get stopped(): boolean {
    return this.at !== undefined;
  }

  /** Calls `then` as the interruption comes (at once if it came already). */
  whenStopped(then: () => void): void {
    if (this.stopped) then();
    else this.onStop.push(then);
  }

  /** `work`'s value, or ABANDONED when the grace after an interruption ran out first. */
  settle<T>(work: Promise<T>): Promise<T | typeof ABANDONED> {
    return new Promise((resolve, reject) => {
      const abandon = () => resolve(ABANDONED);
      this.waiting.add(abandon);
      work.then(resolve, reject).finally(() => this.waiting.delete(abandon));
    });
  }
}
