import { tenths, type Clock } from '../model/clock.js';
import type { Timed } from '../model/observation.js';

/** Times a step against the start of the run, for the `started_ms`/`duration_ms` of an observation. */
export class Stopwatch {
  constructor(
    readonly clock: Clock,
    private readonly origin: number,
  ) {}

  start(): () => Timed {
    const began = this.clock.now();
    return () => ({ started_ms: tenths(began - this.origin), duration_ms: tenths(this.clock.now() - began) });
  }
}
