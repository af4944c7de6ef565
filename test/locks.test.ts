import { describe, expect, it } from 'vitest';
import { EndpointLocks } from '../src/run/locks.js';

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
