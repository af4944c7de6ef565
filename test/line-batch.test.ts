// --json's lines go out a batch at a time: fewer writes, each line still out within BATCH_MS.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LineBatch } from '../src/cli/line-batch.js';

/** A stream that keeps each write it is given, and when it came. */
function recorder() {
  const writes: Array<{ text: string; at: number }> = [];
  const out = new Writable({
    write(chunk: Buffer, _encoding, done) {
      writes.push({ text: chunk.toString(), at: performance.now() });
      done();
    },
  });
  return { out, writes };
}

describe('LineBatch', () => {
  it('lines added together go out in one write, in order, within the wait', async () => {
    const { out, writes } = recorder();
    const batch = new LineBatch(out, 1024, 40);
    const added = performance.now();
    for (const n of [1, 2, 3]) batch.add(`{"n":${n}}\n`);
    expect(writes).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(writes.map((w) => w.text)).toEqual(['{"n":1}\n{"n":2}\n{"n":3}\n']);
    expect(writes[0]!.at - added).toBeLessThan(100);
  });

  it('a batch that reaches its size is written at once, and the next starts afresh', () => {
    const { out, writes } = recorder();
    const batch = new LineBatch(out, 10, 10_000);
    batch.add('12345\n');
    expect(writes).toEqual([]);
    batch.add('67890\n');
    expect(writes.map((w) => w.text)).toEqual(['12345\n67890\n']);
    batch.add('abc\n');
    batch.flush();
    expect(writes.map((w) => w.text)).toEqual(['12345\n67890\n', 'abc\n']);
  });

  it('flush writes nothing when nothing waits, and cancels the pending wait', async () => {
    const { out, writes } = recorder();
    const batch = new LineBatch(out, 1024, 20);
    batch.flush();
    batch.add('x\n');
    batch.flush();
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(writes.map((w) => w.text)).toEqual(['x\n']);
  });
});
