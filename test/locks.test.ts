import { describe, expect, it } from 'vitest';
import { Blocks, EndpointLocks, RESIDUAL_WINDOW_MS } from '../src/run/locks.js';

describe('EndpointLocks', () => {
  it('hands a key to one holder at a time, in the order asked, and forgets it once free', async () => {
    const locks = new EndpointLocks();
    const order: string[] = [];
    const hold = async (who: string, key: string) => {
      const release = await locks.acquire(key);
      order.push(`${who} in`);
      await new Promise((r) => setTimeout(r, 20));
      order.push(`${who} out`);
      release();
    };
    await Promise.all([hold('a', '127.0.0.1:443'), hold('b', '127.0.0.1:443'), hold('c', '127.0.0.1:80')]);
    expect(order.indexOf('b in')).toBeGreaterThan(order.indexOf('a out'));
    expect(order.indexOf('c in')).toBeLessThan(order.indexOf('a out')); // another key does not wait
    expect(locks.size).toBe(0);
  });
});

describe('Blocks', () => {
  it('tells a block within the residual window, and forgets those past it as later ones come', () => {
    const blocks = new Blocks();
    blocks.record('127.0.0.1:443', 'a', 0);
    blocks.record('127.0.0.2:443', 'b', 1_000);
    expect(blocks.recent('127.0.0.1:443', 'c', RESIDUAL_WINDOW_MS)).toEqual({
      target: 'a',
      ago_ms: RESIDUAL_WINDOW_MS,
    });
    expect(blocks.recent('127.0.0.1:443', 'a', 10)).toBeUndefined(); // its own block is no echo
    // Seen again, an endpoint's block is as old as its last one.
    blocks.record('127.0.0.1:443', 'd', 2_000);
    for (let i = 0; i < 500; i++)
      blocks.record(`127.0.1.${i % 250}:${i}`, `t${i}`, RESIDUAL_WINDOW_MS + 1_500 + i);
    expect(blocks.recent('127.0.0.2:443', 'c', RESIDUAL_WINDOW_MS + 1_500)).toBeUndefined();
    expect(blocks.recent('127.0.0.1:443', 'c', RESIDUAL_WINDOW_MS + 1_500)?.target).toBe('d');
    // The 500 endpoints and the one still within the window: b's block, past it, was forgotten.
    expect(blocks.size).toBe(501);
  });
});
