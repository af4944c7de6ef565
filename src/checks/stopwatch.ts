import type { Clock } from '../model/clock.js';
import type { Timed } from '../model/observation.js';

const round = (ms: number) => Math.round(ms * 10) / 10;

/** Times a step against the start of the run, for the `started_ms`/`duration_ms` of an observation. */
export class Stopwatch {
  constructor(
    readonly clock: Clock,
    private readonly origin: number,
  ) {}

  start(): () => Timed {
    const began = this.clock.now();
    return () => ({ started_ms: round(began - this.origin), duration_ms: round(this.clock.now() - began) });
  }
}
