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
