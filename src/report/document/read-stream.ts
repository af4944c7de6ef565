import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type Assembler from 'stream-json/assembler.js';
import { InputError } from '../../model/input-error.js';
import type { TargetResult } from '../../model/result.js';
import { checkHead, checkResult, idOfDigest, readBack, type ReadReport } from './read.js';

// Reads a report too large to hold whole (a million targets make 1.2 GB, past V8's longest string)
// as it goes: stream-json's tokens, each result assembled alone and handed on, the other fields kept.
// The checks are readReport's, and a bad result is told only once the report's own fields are
// known good (as readReport does); whether a name is new is left to the caller, since that needs
// every name at hand (the store asks DuckDB).

interface Token {
  name: string;
  value?: unknown;
}

type AssemblerClass = typeof Assembler;

/** Where the walk is: before the document, in its fields, in its results list. */
const enum Level {
  Outside,
  Fields,
  Results,
}

/** The tokens of one document, into its fields (but results) and each result, in order. */
class Walk {
  /** The report's fields, but for its results (an empty list stands for them). */
  readonly fields: Record<string, unknown> = {};
  results = 0;
  /** The first result that is wrong, told once the report's fields are checked. */
  bad: InputError | undefined;
  ended = false;
  private level = Level.Outside;
  private key = '';
  private value: Assembler | undefined;

  constructor(
    private readonly file: string,
    private readonly Assembler: AssemblerClass,
    private readonly onResult: (result: TargetResult, i: number) => void,
  ) {}

  take(token: Token): void {
    if (this.value) return this.assemble(this.value, token);
    if (this.level === Level.Outside) {
      if (token.name !== 'startObject' || this.ended)
        throw new InputError('not a reachprobe report (no "tool": {"name": "reachprobe"})', this.file);
      this.level = Level.Fields;
    } else if (this.level === Level.Fields && token.name === 'keyValue') this.key = String(token.value);
    else if (this.level === Level.Fields && token.name === 'endObject') {
      this.level = Level.Outside;
      this.ended = true;
    } else if (this.level === Level.Fields && token.name === 'startArray' && this.key === 'results') {
      if (this.fields.results) this.bad ??= new InputError('results appears twice', this.file);
      this.fields.results = [];
      this.level = Level.Results;
    } else if (this.level === Level.Results && token.name === 'endArray') this.level = Level.Fields;
    else this.assemble(new this.Assembler(), token);
  }

  private assemble(value: Assembler, token: Token) {
    value.consume(token as Parameters<Assembler['consume']>[0]);
    this.value = value.done ? undefined : value;
    if (value.done) this.settle(value.current);
  }

  private settle(value: unknown) {
    if (this.level === Level.Fields) {
      this.fields[this.key] = value;
      return;
    }
    const i = this.results++;
    if (this.bad) return;
    try {
      checkResult(value, i, this.file);
    } catch (err) {
      this.bad = err as InputError;
      return;
    }
    this.onResult(value, i);
  }
}

/** A reading or parsing failure as one sentence naming the file (and, when it ended too soon, the line). */
function describe(err: unknown, file: string, walk: Walk, read: { ended: boolean; lines: number }) {
  if (err instanceof InputError) return err;
  const message = (err as Error).message;
  if ((err as NodeJS.ErrnoException).code) return new InputError(`cannot read the report: ${message}`, file);
  if (read.ended)
    return new InputError(`not valid JSON: the document ends too soon (${message})`, file, read.lines);
  const after = walk.results > 0 ? ` after results[${walk.results - 1}]` : '';
  return new InputError(`not valid JSON${after}: ${message}`, file);
}

/**
 * Reads `file` as a report, handing each result to `onResult` as it comes (checked, in order); the
 * report is returned with an empty results list. Bad input is an InputError naming the file, as
 * readReport's, once the results before it were handed on: the caller drops them.
 */
export async function streamReport(
  file: string,
  onResult: (result: TargetResult, i: number) => void,
): Promise<ReadReport> {
  const [{ parser }, { default: AssemblerOf }] = await Promise.all([
    import('stream-json/parser.js'),
    import('stream-json/assembler.js'),
  ]);
  const walk = new Walk(file, AssemblerOf, onResult);
  const hash = createHash('sha256');
  const read = { ended: false, lines: 1 };
  // The default 64 KiB pieces: stream-json slows down four times on pieces of 1 MiB.
  const input = createReadStream(file, { encoding: 'utf8' });
  input.on('data', (text) => {
    hash.update(text);
    for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) read.lines++;
  });
  input.on('end', () => (read.ended = true));
  // The first failure, kept: once the walk throws, the pipeline also aborts the file's stream.
  let failed: unknown;
  try {
    await pipeline(input, parser.asStream({ streamValues: false }), async (tokens: AsyncIterable<Token>) => {
      try {
        for await (const token of tokens) walk.take(token);
      } catch (err) {
        failed = err;
        throw err;
      }
    });
  } catch (err) {
    throw describe(failed ?? err, file, walk, read);
  }
  if (!walk.ended) throw new InputError('not valid JSON: the document ends too soon', file, read.lines);
  const doc = checkHead(walk.fields, file);
  if (walk.bad) throw walk.bad;
  return readBack(file, doc, () => idOfDigest(hash));
}
