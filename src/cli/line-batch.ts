import type { Writable } from 'node:stream';

/** Bytes of lines that wait at most before they are written together. */
const BATCH_BYTES = 64 * 1024;
/** How long a line waits at most: a reader following the output still sees each result at once. */
const BATCH_MS = 100;

/**
 * Lines (each with its newline) written to a stream a batch at a time. Written one by one, each
 * line of --json was a write of its own, and to a file or a pipe every write is a system call made
 * at once: a twentieth of the run's CPU at 500 targets a second. A line waits at most BATCH_MS, or
 * until BATCH_BYTES are waiting; flush() writes what waits (before the summary line, and at exit).
 */
export class LineBatch {
  private waiting: string[] = [];
  private bytes = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly out: Writable,
    private readonly maxBytes = BATCH_BYTES,
    private readonly maxMs = BATCH_MS,
  ) {}

  add(line: string): void {
    this.waiting.push(line);
    this.bytes += line.length;
    if (this.bytes >= this.maxBytes) return this.flush();
    // Unreferenced: a run that ends flushes, and nothing waits for the timer to let the process go.
    this.timer ??= setTimeout(() => this.flush(), this.maxMs).unref();
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.waiting.length === 0) return;
    const chunk = this.waiting.join('');
    this.waiting = [];
    this.bytes = 0;
    this.out.write(chunk);
  }
}
