/** Items by their place: an array, or a list that makes each when asked. */
export interface Items<T> {
  readonly length: number;
  at(index: number): T | undefined;
}

export interface SlotHooks<T> {
  /** At most this many `after`s at once: beyond, no item is taken until one ends (default: no limit). */
  maxAfters?: number;
  /** Before an item is taken: a promise while what takes the results is behind, which the item waits for. */
  ready?: () => Promise<void> | undefined;
  /** Once true, no more items are taken. */
  stopped?: () => boolean;
  /** Called, after the last item was taken, for each item never taken because of `stopped`. */
  skipped?: (item: T, index: number) => void;
}

/**
 * Runs `work` on the items in their order, at most `slots` at once, then `after` on what it returned,
 * outside the slot. An item waiting for a slot is only an index into the list: a pending call made
 * for each item up front (as p-limit takes them) held closures and promises per item until its
 * turn, and at 10,000 targets the run's peak memory was half as much again.
 * Resolves when every `after` has ended; rejects with the first error.
 */
export async function inSlots<T, R>(
  items: Items<T>,
  slots: number,
  work: (item: T) => Promise<R>,
  after: (result: R, item: T, index: number) => Promise<void>,
  hooks: SlotHooks<T> = {},
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  // Only the `after`s still running: each leaves the set as it ends, and lets one waiting worker on.
  const running = new Set<Promise<void>>();
  const waiting: Array<() => void> = [];
  const track = (ending: Promise<void>) => {
    const ended: Promise<void> = ending
      .catch((error: unknown) => {
        failure ??= { error };
      })
      .then(() => {
        running.delete(ended);
        waiting.shift()?.();
      });
    running.add(ended);
  };
  const maxAfters = hooks.maxAfters ?? Infinity;
  let working = 0; // items in `work`: each will become an `after`
  const worker = async () => {
    while (next < items.length && !hooks.stopped?.()) {
      if (running.size + working >= maxAfters) {
        await new Promise<void>((resolve) => waiting.push(resolve));
        continue; // the run may have stopped meanwhile
      }
      const behind = hooks.ready?.();
      if (behind) {
        await behind;
        continue;
      }
      const index = next++;
      const item = items.at(index)!;
      working++;
      const result = await work(item);
      working--;
      track(after(result, item, index));
    }
  };
  await Promise.all(Array.from({ length: Math.min(slots, items.length) }, worker));
  for (let index = next; index < items.length; index++) hooks.skipped?.(items.at(index)!, index);
  while (running.size > 0) await Promise.all(running);
  if (failure) throw failure.error;
}

/**
 * So many holders at once, served in the order they asked: the run's lookup slots (a target's
 * lookup outstanding) and connection slots (a target's connections, once its DNS has told what may
 * be dialled).
 */
export class Slots {
  private free: number;
  private closed = false;
  private readonly queue: Array<(granted: boolean) => void> = [];

  constructor(slots: number) {
    this.free = slots;
  }

  /** Waits for a slot; the returned function frees it. Undefined once closed: no slot is given then. */
  async acquire(): Promise<(() => void) | undefined> {
    if (this.closed) return undefined;
    if (this.free > 0) this.free--;
    else if (!(await new Promise<boolean>((resolve) => this.queue.push(resolve)))) return undefined;
    let freed = false;
    return () => {
      if (freed) return;
      freed = true;
      // The slot passes straight to the next in line, so none can take it out of turn.
      const next = this.queue.shift();
      if (next) next(true);
      else this.free++;
    };
  }

  /** No slot is given any more: those waiting, and those who ask later, get none. */
  close(): void {
    this.closed = true;
    for (const waiting of this.queue.splice(0)) waiting(false);
  }
}
