/**
 * One holder at a time per key. The probe keys it by server IP:port: two checks on the same triple
 * at once would let one check's trigger (and the censor's lingering block) spoil the other.
 */
export class EndpointLocks {
  private readonly tails = new Map<string, Promise<void>>();

  /** Waits for the key to be free; the returned function frees it. */
  async acquire(key: string): Promise<() => void> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => held);
    this.tails.set(key, tail);
    await previous;
    return () => {
      release();
      // Forget the key once nobody queues behind it, so the map does not grow with the run.
      if (this.tails.get(key) === tail) this.tails.delete(key);
    };
  }

  get size(): number {
    return this.tails.size;
  }
}

/** The censor blocks a client/server/port triple for minutes after a trigger (90 to 180 s seen). */
export const RESIDUAL_WINDOW_MS = 180_000;

/**
 * Where a target was blocked, and when: a later check there may only see the lingering block. A block past
 * the residual window is forgotten, so a run of a million blocked endpoints holds only the last minutes'.
 */
export class Blocks {
  // In the order blocks were recorded (an endpoint seen again moves to the end): the sweep in `record`
  // stops at the first one still within the window, and `recent` checks the age itself.
  private readonly last = new Map<string, { target: string; at: number }>();

  record(endpoint: string, target: string, at: number) {
    this.last.delete(endpoint);
    this.last.set(endpoint, { target, at });
    for (const [old, seen] of this.last) {
      if (at - seen.at <= RESIDUAL_WINDOW_MS) break;
      this.last.delete(old);
    }
  }

  /** The endpoints whose block is remembered. */
  get size(): number {
    return this.last.size;
  }

  /** The block another target saw on this endpoint within the residual window, if any. */
  recent(endpoint: string, target: string, now: number): { target: string; ago_ms: number } | undefined {
    const seen = this.last.get(endpoint);
    if (!seen || seen.target === target || now - seen.at > RESIDUAL_WINDOW_MS) return undefined;
    return { target: seen.target, ago_ms: Math.round(now - seen.at) };
  }
}
