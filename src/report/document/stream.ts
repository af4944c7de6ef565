import type { RunSummary, TargetResult } from '../../model/result.js';
import { AtomicStream } from './atomic-stream.js';
import type { ReportDocument } from './document.js';

// The -o document written as the run goes, so that memory holds no result past its writing: the
// fields known at the start, then each result in the order of the targets, then what only the end
// knows. The text goes to a temporary file renamed over the report at the end, so it stays atomic.

/** What is known before the first result. */
export type DocumentHead = Omit<ReportDocument, 'partial' | 'interrupted' | 'summary' | 'results'>;
/** What only the end of the run knows. */
export type DocumentTail = Pick<ReportDocument, 'partial' | 'interrupted' | 'summary'>;

/** `"key": value` as JSON.stringify(doc, null, 2) lays it out one level down. */
const field = (key: string, value: unknown) => `  ${JSON.stringify(key)}: ${indented(value)}`;
const indented = (value: unknown, pad = '  ') => JSON.stringify(value, null, 2).replace(/\n/g, `\n${pad}`);

export class DocumentStream {
  private readonly out: AtomicStream;
  private written = 0;
  /** Results that finished before a target listed above them: held until their turn (a few at most). */
  private readonly early = new Map<number, string>();
  private next = 0;

  constructor(file: string, head: DocumentHead) {
    this.out = new AtomicStream(file);
    const fields = Object.entries(head).map(([key, value]) => field(key, value));
    this.push(`{\n${fields.join(',\n')},\n  "results": [`);
  }

  /** A result, `at` its target's place in the list; written once every target above it is. */
  add(result: TargetResult, at: number): void {
    this.early.set(at, indented(result, '    '));
    for (let text = this.early.get(this.next); text !== undefined; text = this.early.get(this.next)) {
      this.early.delete(this.next++);
      this.piece(text);
    }
  }

  /**
   * Writes the results still held (those after a target that has none: interrupted), the end, and puts the
   * file in place.
   */
  async finish(tail: DocumentTail): Promise<void> {
    for (const at of [...this.early.keys()].sort((a, b) => a - b)) this.piece(this.early.get(at)!);
    this.early.clear();
    const fields = [field('partial', tail.partial)];
    if (tail.interrupted) fields.push(field('interrupted', tail.interrupted));
    fields.push(field('summary', tail.summary satisfies RunSummary));
    this.push(`${this.written > 0 ? '\n  ' : ''}],\n${fields.join(',\n')}\n}\n`);
    await this.out.commit();
  }

  /** While the disk is behind the results: a promise that settles when it has caught up. */
  behind(): Promise<void> | undefined {
    return this.out.behind();
  }

  /** Nothing of it is left. */
  abort(): Promise<void> {
    return this.out.abort();
  }

  /** Nothing of it is left, now (a process exiting at once). */
  abortNow(): void {
    this.out.abortNow();
  }

  private piece(text: string) {
    this.push(`${this.written++ > 0 ? ',' : ''}\n    ${text}`);
  }

  private push(text: string) {
    this.out.send(text);
  }
}
