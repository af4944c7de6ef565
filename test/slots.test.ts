import { describe, expect, it } from 'vitest';
import { Slots, inSlots } from '../src/run/slots.js';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('inSlots', () => {
  it('starts the items in order, at most `slots` at once; what follows runs outside the slot', async () => {
    let inSlot = 0;
    let most = 0;
    const started: number[] = [];
    const after: number[] = [];
    await inSlots(
      Array.from({ length: 20 }, (_, i) => i),
      3,
      async (i) => {
        started.push(i);
        most = Math.max(most, ++inSlot);
        await tick(2);
        inSlot--;
        return i * 10;
      },
      async (result, i, index) => {
        expect([result, index]).toEqual([i * 10, i]);
        await tick(20); // longer than the work: the slots go on meanwhile
        after.push(i);
      },
    );
    expect(started).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(most).toBe(3);
    expect(after.sort((a, b) => a - b)).toEqual(started); // every `after` ended before it resolved
  });

  it('rejects with the first error of an `after`, once all have ended', async () => {
    const ended: number[] = [];
    const run = inSlots(
      [1, 2, 3],
      2,
      async (i) => i,
      async (i) => {
        await tick(i * 5);
        ended.push(i);
        if (i === 2) throw new Error('two');
      },
    );
    await expect(run).rejects.toThrow('two');
    expect(ended).toEqual([1, 2, 3]);
  });
});

describe('inSlots, stopped', () => {
  it('takes no item once stopped, and names each item never taken', async () => {
    let stop = false;
    const taken: number[] = [];
    const skipped: number[] = [];
    await inSlots(
      [0, 1, 2, 3, 4, 5],
      2,
      async (i) => {
        taken.push(i);
        if (i === 2) stop = true;
        await tick(2);
        return i;
      },
      async () => {},
      { stopped: () => stop, skipped: (_item, index) => skipped.push(index) },
    );
    expect(taken).toEqual([0, 1, 2]);
    expect(skipped).toEqual([3, 4, 5]);
  });
});

describe('inSlots, maxAfters', () => {
  it('takes no item while that many `after`s are still running', async () => {
    let afters = 0;
    let most = 0;
    await inSlots(
      Array.from({ length: 30 }, (_, i) => i),
      4,
      async (i) => i,
      async () => {
        most = Math.max(most, ++afters);
        await tick(5);
        afters--;
      },
      { maxAfters: 6 },
    );
    expect(most).toBe(6);
  });
});

describe('Slots', () => {
  it('gives so many slots at once, in the order asked; once closed, none to those waiting or asking', async () => {
    const slots = new Slots(2);
    const order: number[] = [];
    const frees = await Promise.all([slots.acquire(), slots.acquire()]);
    const waiting = [3, 4, 5].map((n) => slots.acquire().then((free) => (order.push(n), free)));
    await tick(5);
    expect(order).toEqual([]); // both held
    frees[1]!();
    frees[1]!(); // freeing twice frees once
    await tick(5);
    expect(order).toEqual([3]);
    slots.close();
    const [third, fourth, fifth] = await Promise.all(waiting);
    expect(order).toEqual([3, 4, 5]);
    expect([typeof third, fourth, fifth]).toEqual(['function', undefined, undefined]);
    expect(await slots.acquire()).toBeUndefined();
  });
});
