import {
  CONTROL_SCHEMA_VERSION,
  type Control,
  type ControlTarget,
  type HelperSummary,
} from '../model/control.js';
import type { Target } from '../model/target.js';
import { askHelper, type HelperEndpoint } from '../net/helper-client.js';
import { trace } from '../net/trace.js';
import type { Controls } from './options.js';

// The targets go to the helper in batches while the local measurements run: a batch leaves when it
// is full or a moment after its first target, so a slow run does not wait for a full one. Each
// control resolves its target's wait as it arrives; a target whose control does not come within
// the deadline keeps its local verdict, and the summary says why.

export interface HelperSettings extends HelperEndpoint {
  /** How long a target waits for its control, from when it was sent. */
  timeoutMs: number;
  batchSize?: number;
  /** How long a batch waits for more targets before it leaves. */
  batchDelayMs?: number;
  /** Batches under way at once. */
  parallel?: number;
}

interface Waiting {
  resolve: (c: Control | undefined) => void;
  promise: Promise<Control | undefined>;
  timer?: NodeJS.Timeout;
}

const RETRIES = 2;
const MAX_RETRY_WAIT_MS = 5000;

export class HelperControls implements Controls {
  private readonly waiting = new Map<string, Waiting>();
  private queue: ControlTarget[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private inFlight = 0;
  private readonly ready: ControlTarget[][] = [];
  private answered = false;
  private refusedCount = 0;
  private received = 0;
  private sent = 0;
  private problem: string | undefined;
  /** Set when asking again would only get the same refusal: no more batches are sent. */
  private givenUp = false;
  private readonly abort = new AbortController();
  /** Targets whose wait has ended, with a control or without. */
  private readonly done = new Set<string>();

  constructor(private readonly s: HelperSettings) {}

  request(target: Target, addresses: string[], quic: boolean): void {
    const wait = this.waitFor(target.name);
    this.sent++;
    if (this.givenUp) return wait.resolve(undefined);
    wait.timer = setTimeout(() => wait.resolve(undefined), this.s.timeoutMs);
    this.queue.push({ name: target.name, url: target.url, addresses, ...(quic ? { quic } : {}) });
    if (this.queue.length >= (this.s.batchSize ?? 50)) this.flush();
    else this.flushTimer ??= setTimeout(() => this.flush(), this.s.batchDelayMs ?? 50);
  }

  /** Asked once per target: its wait is dropped when it ends, so a long run holds no old control. */
  get(target: Target): Promise<Control | undefined> {
    const w = this.waiting.get(target.name);
    if (!w) return Promise.resolve(undefined);
    return w.promise.finally(() => this.waiting.delete(target.name));
  }

  summary(): HelperSummary {
    const missing = this.sent - this.received;
    const why =
      this.problem ??
      (missing > 0 ? `${missing} controls did not come within ${this.s.timeoutMs / 1000} s` : undefined);
    return {
      url: this.s.url,
      reachable: this.answered,
      ...(why ? { why } : {}),
      sent: this.sent,
      controls: this.received,
      refused: this.refusedCount,
    };
  }

  async close(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.abort.abort();
    for (const w of this.waiting.values()) w.resolve(undefined);
    await this.s.dispatcher.destroy();
  }

  private waitFor(name: string): Waiting {
    let resolve!: (c: Control | undefined) => void;
    const promise = new Promise<Control | undefined>((r) => (resolve = r));
    const w: Waiting = {
      promise,
      resolve: (c) => {
        clearTimeout(w.timer);
        this.done.add(name);
        resolve(c);
      },
    };
    this.waiting.set(name, w);
    return w;
  }

  private flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.queue.length > 0) this.ready.push(this.queue);
    this.queue = [];
    while (this.inFlight < (this.s.parallel ?? 4) && this.ready.length > 0)
      void this.send(this.ready.shift()!);
  }

  private async send(batch: ControlTarget[]): Promise<void> {
    this.inFlight++;
    try {
      for (let attempt = 0; ; attempt++) {
        const left = batch.filter((t) => !this.done.has(t.name));
        if (left.length === 0 || this.givenUp) break;
        trace('control', () => ({ what: `${left.length} target(s) sent to the helper ${this.s.url}` }));
        const answer = await askHelper(
          this.s,
          { schema_version: CONTROL_SCHEMA_VERSION, targets: left },
          (c) => this.arrived(c),
          this.abort.signal,
        );
        if (answer.ok) {
          this.answered = true;
          break;
        }
        this.problem ??= answer.why;
        trace('control', () => ({ what: `the helper ${this.s.url}`, outcome: answer.why }));
        if (answer.final) this.giveUp();
        if (answer.final || attempt >= RETRIES) break;
        await new Promise((r) => setTimeout(r, Math.min(answer.retryAfterMs ?? 500, MAX_RETRY_WAIT_MS)));
      }
    } finally {
      // Whatever did not come for this batch will not: its targets stop waiting now.
      for (const t of batch) if (!this.done.has(t.name)) this.waiting.get(t.name)?.resolve(undefined);
      this.inFlight--;
      this.flush();
    }
  }

  private arrived(c: Control): void {
    const w = this.waiting.get(c.name);
    if (!w || this.done.has(c.name)) return; // not asked for, too late, or twice: ignored
    trace('control', () => ({
      what: `control of ${c.name}`,
      outcome: c.refused === undefined ? `verdict ${c.verdict ?? 'none'}` : `refused: ${c.refused}`,
      durationMs: c.duration_ms,
    }));
    this.answered = true;
    this.received++;
    if (c.refused !== undefined) this.refusedCount++;
    w.resolve(c);
  }

  private giveUp(): void {
    this.givenUp = true;
    for (const t of this.queue) this.waiting.get(t.name)?.resolve(undefined);
    this.queue = [];
  }
}
