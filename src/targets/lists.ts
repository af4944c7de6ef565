import { Readable } from 'node:stream';
import { InputError } from '../model/input-error.js';
import type { Remake } from './listed.js';
import { bareHost, type Unnamed } from './names.js';
import { parseUrl } from './parse.js';
import { linesOf, textChunks } from './text-stream.js';

// Target lists as the field writes them: Citizen Lab's test lists (CSV, the input of OONI Probe)
// and plain lists of URLs, one a line (OONI's --input-file). Neither names its targets.

/** The header of a Citizen Lab test list, which is how such a file is recognised. */
export const CITIZEN_LAB_COLUMNS = [
  'url',
  'category_code',
  'category_description',
  'date_added',
  'source',
  'notes',
];
const MAX_LINE = 64 * 1024;

export interface ListOptions {
  /** What a CSV row's `service` is: its host (the default) or its category code. */
  serviceFrom?: 'host' | 'category';
}

/** What takes each target of a list as it is read. */
export type Keep = (entry: Unnamed) => void;

/**
 * Reads a list file (or `-`, standard input) of either kind, told apart by its first line. Once the kind is
 * known, `start` is told how a kept target is made again (see ListedTargets) and returns what takes each
 * target as it is read.
 */
export async function readList(
  file: string,
  options: ListOptions,
  start: (remake: Remake) => Keep,
): Promise<void> {
  const { first, chunks } = await firstLine(textChunks(file));
  const header = first.replace(/^\uFEFF/, '').trim();
  // A .csv file is held to the header; a list is recognised as CSV by its header alone.
  if (/\.csv$/i.test(file) || header.startsWith('url,category_code')) {
    // The row's other columns were checked as it was read: only its URL and category make the target.
    const keep = start((url, line, category) => entryOf(url, line, file, category!, options));
    return readCitizenLab(chunks, file, options, keep);
  }
  const keep = start((url, line) => listed(url, [], undefined, (p) => fail(p, file, line), line, file));
  return readUrls(chunks, file, keep);
}

/** The first line of the text, and every chunk again (the first ones included). */
async function firstLine(
  source: AsyncGenerator<string>,
): Promise<{ first: string; chunks: AsyncIterable<string> }> {
  const seen: string[] = [];
  let text = '';
  for (let next = await source.next(); !next.done; next = await source.next()) {
    seen.push(next.value);
    text += next.value;
    if (text.includes('\n') || text.length > MAX_LINE) break;
  }
  async function* again(): AsyncGenerator<string> {
    yield* seen;
    yield* source;
  }
  return { first: text.split('\n')[0] ?? '', chunks: again() };
}

/** One URL a line; blank lines and `#` comments (a whole line, or after white space) are skipped. */
async function readUrls(chunks: AsyncIterable<string>, file: string, keep: Keep): Promise<void> {
  let kept = 0;
  let last = 1;
  for await (const { text, line } of linesOf(chunks, file, MAX_LINE)) {
    last = line;
    const url = text.replace(/(^|\s)#.*$/s, '').trim();
    if (url === '') continue;
    const hint = /\.ya?ml$|^\s*(targets|defaults)\s*:|^\s*-\s/.test(url)
      ? ' (a YAML targets file must be named *.yaml or *.yml)'
      : '';
    keep(listed(url, [], undefined, (problem) => fail(`${problem}${hint}`, file, line), line, file));
    kept++;
  }
  if (kept === 0) fail('no targets: the list has no URLs', file, last);
}

/** A Citizen Lab test list: one target a row, tagged with its category code. */
async function readCitizenLab(
  chunks: AsyncIterable<string>,
  file: string,
  options: ListOptions,
  keep: Keep,
): Promise<void> {
  const { parse } = await import('csv-parse');
  const parser = parse({
    bom: true,
    columns: checkHeader(file),
    info: true,
    max_record_size: MAX_LINE,
    skip_empty_lines: true,
  });
  const source = Readable.from(chunks);
  source.on('error', (err) => parser.destroy(err));
  let kept = 0;
  // csv-parse gives the line a record ends on; a row's line is where it starts (a note may span lines).
  let ended = 1;
  let empty = 0;
  try {
    for await (const { record, info } of source.pipe(parser) as AsyncIterable<{
      record: Record<string, string>;
      info: { lines: number; empty_lines: number };
    }>) {
      keep(row(record, ended + 1 + info.empty_lines - empty, file, options));
      kept++;
      ended = info.lines;
      empty = info.empty_lines;
    }
  } catch (err) {
    if (err instanceof InputError) throw err;
    const { lines, message, code } = err as Error & { lines?: number; code?: string };
    // An open quote runs to the end of the file, where csv-parse reports it: the quote is on the line after
    // the last row.
    if (code === 'CSV_QUOTE_NOT_CLOSED')
      fail('invalid CSV: a quote opened on this line is never closed', file, ended + 1);
    fail(`invalid CSV: ${message.replace(/ on line \d+\.?$/, '')}`, file, lines ?? 1);
  }
  if (kept === 0) fail('no targets: the list has a header and no rows', file, 1);
}

/** csv-parse's `columns` callback: the header must be Citizen Lab's, in its order. */
function checkHeader(file: string) {
  return (header: string[]): string[] => {
    const names = header.map((h) => h.trim());
    if (names.join(',') !== CITIZEN_LAB_COLUMNS.join(',')) {
      fail(
        `not a Citizen Lab test list header: expected "${CITIZEN_LAB_COLUMNS.join(',')}", got "${names.join(',')}"`,
        file,
        1,
      );
    }
    return names;
  };
}

function row(record: Record<string, string>, line: number, file: string, options: ListOptions): Unnamed {
  const at = (problem: string) => fail(problem, file, line);
  const url = (record.url ?? '').trim();
  const category = (record.category_code ?? '').trim();
  if (url === '') at('column "url" is empty');
  if (!/^[A-Za-z0-9_-]+$/.test(category))
    at(
      category === ''
        ? 'column "category_code" is empty'
        : `column "category_code": "${category}" is not a code like NEWS or HUMR`,
    );
  return entryOf(url, line, file, category, options);
}

function entryOf(url: string, line: number, file: string, category: string, options: ListOptions): Unnamed {
  const service = options.serviceFrom === 'category' ? category : undefined;
  const problem = (p: string) => fail(`column "url": ${p}`, file, line);
  return listed(url, [category], service, problem, line, file, category);
}

function listed(
  url: string,
  tags: string[],
  service: string | undefined,
  problem: (p: string) => never,
  line: number,
  file: string,
  category?: string,
): Unnamed {
  const endpoint = parseUrl(url, problem);
  return {
    service: service ?? bareHost(endpoint.host),
    url,
    ...endpoint,
    tags,
    ...(category ? { category } : {}),
    source: { file, line },
  };
}

function fail(message: string, file: string, line: number): never {
  throw new InputError(message, file, line);
}
