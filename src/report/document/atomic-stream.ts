import { randomBytes } from 'node:crypto';
import { createWriteStream, rmSync, type WriteStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import path from 'node:path';
import type { Writable } from 'node:stream';

// A file written piece by piece, in bounded memory, that readers see whole or not at all: the
// pieces go to a hidden temporary file in the same folder, renamed over the target at the end.

/** `.NAME.RANDOM.tmp` beside `file`: hidden, so folder readers (history, ingest) pass it over. */
export function temporaryBeside(file: string, suffix = 'tmp'): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.${suffix}`);
}

/**
 * While the stream holds more than its high-water mark that the file or pipe has not taken yet: a promise
 * that settles when it has (or the stream failed or closed, which its writer learns otherwise); else undefined.
 */
export function drained(stream: Writable): Promise<void> | undefined {
  if (!stream.writableNeedDrain || stream.destroyed) return undefined;
  // One wait per stream, however many workers ask: not three listeners each.
  let waiting = waits.get(stream);
  if (!waiting) {
    const ac = new AbortController();
    const events = ['drain', 'error', 'close'].map((e) =>
      once(stream, e, { signal: ac.signal }).catch(() => {}),
    );
    waiting = Promise.race(events).then(() => {
      ac.abort(); // the other two listeners go
      waits.delete(stream);
    });
    waits.set(stream, waiting);
  }
  return waiting;
}

const waits = new WeakMap<Writable, Promise<void>>();

export class AtomicStream {
  readonly temporary: string;
  private readonly out: WriteStream;
  private failed: Error | undefined;

  constructor(readonly file: string) {
    this.temporary = temporaryBeside(file);
    this.out = createWriteStream(this.temporary, { flags: 'wx', mode: 0o644 });
    this.out.on('error', (err) => (this.failed = err));
  }

  /** Waits while the disk is behind, so that memory holds one piece at a time. */
  async write(text: string): Promise<void> {
    if (this.failed) throw this.failed;
    if (!this.out.write(text)) await Promise.race([once(this.out, 'drain'), once(this.out, 'error')]);
    if (this.failed) throw this.failed;
  }

  /**
   * Writes without waiting for the disk, for a caller that cannot wait (results as they come): the
   * stream buffers what the disk has not taken yet (the caller waits on `behind` before making more),
   * and a failure is thrown by \`close\`.
   */
  send(text: string): void {
    if (!this.failed) this.out.write(text);
  }

  /** While the disk is behind: a promise that settles when it has caught up (see `drained`). */
  behind(): Promise<void> | undefined {
    return drained(this.out);
  }

  /** Flushes and closes the temporary file, leaving it in place (for a caller that converts it). */
  async close(): Promise<void> {
    if (!this.out.closed) {
      this.out.end();
      await once(this.out, 'close');
    }
    if (this.failed) throw this.failed;
  }

  /** Puts the finished file in place. */
  async commit(): Promise<void> {
    await this.close();
    // On disk before it takes the name: a crash right after must not leave an empty report there.
    const handle = await open(this.temporary, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(this.temporary, this.file);
  }

  /** Nothing of it is left, now: for a process that exits at once (a second Ctrl-C). */
  abortNow(): void {
    this.out.destroy();
    rmSync(this.temporary, { force: true });
  }

  /** Nothing of it is left. */
  async abort(): Promise<void> {
    this.out.destroy();
    await rm(this.temporary, { force: true });
  }
}
