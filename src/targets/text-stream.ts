import { createReadStream } from 'node:fs';
import { TextDecoder } from 'node:util';
import { InputError } from '../model/input-error.js';

// Lists of targets are read as a stream of UTF-8 text: a 100,000-URL list never sits in memory
// as one string, and bytes that are not UTF-8 are named by their line.

/** The file as decoded text chunks; `-` is standard input. */
export async function* textChunks(file: string): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let line = 1;
  const bytes = file === '-' ? process.stdin : createReadStream(file);
  try {
    for await (const chunk of bytes) {
      const text = decodeAt(decoder, chunk as Buffer, file, line);
      line += countLines(text);
      yield text;
    }
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw osError(file, err);
  }
  decodeAt(decoder, undefined, file, line);
}

function decodeAt(decoder: TextDecoder, chunk: Buffer | undefined, file: string, line: number): string {
  try {
    return chunk ? decoder.decode(chunk, { stream: true }) : decoder.decode();
  } catch {
    // The line of the first bad byte: the lines before where a lenient decoder puts its U+FFFD.
    const lenient = chunk ? new TextDecoder().decode(chunk) : '';
    const before = lenient.slice(0, Math.max(0, lenient.indexOf('\uFFFD')));
    throw new InputError('not UTF-8 text', file, line + countLines(before));
  }
}

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** The chunks as lines, numbered from 1, without their line ends; a line longer than `max` is refused. */
export async function* linesOf(
  chunks: AsyncIterable<string>,
  file: string,
  max: number,
): AsyncGenerator<{ text: string; line: number }> {
  let pending = '';
  let line = 1;
  for await (const chunk of chunks) {
    const parts = (pending + chunk).split('\n');
    pending = parts.pop()!;
    for (const text of parts) yield { text: text.replace(/\r$/, ''), line: line++ };
    if (pending.length > max)
      throw new InputError(`line longer than ${max} characters; is it really a list of URLs?`, file, line);
  }
  if (pending !== '') yield { text: pending.replace(/\r$/, ''), line };
}

/** "cannot read: no such file or directory (ENOENT)" from a Node file-system error. */
export function osError(path: string, err: unknown): InputError {
  const { code, message } = err as NodeJS.ErrnoException;
  // Node's messages read "ENOENT: no such file or directory, open 'x'"; keep the plain words.
  const words = /^[A-Z0-9_]+: ([^,]+)/.exec(message)?.[1] ?? message;
  return new InputError(`cannot read: ${words}${code ? ` (${code})` : ''}`, path);
}
