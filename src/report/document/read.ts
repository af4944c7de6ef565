import { createHash, type Hash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../../model/input-error.js';
import type { TargetResult } from '../../model/result.js';
import { VERDICT_NAMES } from '../../model/verdict.js';
import { SCHEMA_VERSION, type ReportDocument } from './document.js';

// Reads back the documents `check -o` wrote, for `diff` and `history`. The validation is light on
// purpose (the JSON Schema is the full contract): it checks what those commands rely on, so a
// wrong file gets one clear sentence rather than a crash halfway through rendering.

/** A report as read back. `partial` (an interrupted run) is optional in the document: absent means false. */
export interface ReadReport {
  file: string;
  doc: ReportDocument;
  partial: boolean;
  /** `report_id`, or for a report made before it, a UUID derived from the file's bytes (see legacyId). */
  id: string;
}

/**
 * A stable id for a report without `report_id`: its SHA-256 as a version 8 UUID (RFC 9562's
 * custom kind), so the same file always gets the same id and ingest sees it once.
 */
export function legacyId(text: string): string {
  return idOfDigest(createHash('sha256').update(text));
}

/** legacyId of a text hashed as it was read, piece by piece. */
export function idOfDigest(hash: Hash): string {
  const h = hash.digest('hex').split('');
  h[12] = '8';
  h[16] = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  const x = h.join('');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The 1-based line of a JSON.parse error: from the "at position N" V8 puts in most messages, or the
 * last line when the input ended too soon. Some messages quote the text instead: no line then.
 */
function lineOfError(text: string, message: string): number | undefined {
  const at = /at position (\d+)/.exec(message);
  if (at) return text.slice(0, Number(at[1])).split('\n').length;
  return message.startsWith('Unexpected end') ? text.trimEnd().split('\n').length : undefined;
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const message = (err as Error).message.replace(/\s+/g, ' '); // V8 may quote the text, newlines and all
    throw new InputError(`not valid JSON: ${message}`, file, lineOfError(text, message));
  }
}

function checkSchemaVersion(version: unknown, file: string) {
  if (version === SCHEMA_VERSION) return;
  if (typeof version === 'number' && version > SCHEMA_VERSION) {
    throw new InputError(
      `schema_version ${version} is newer than this reachprobe reads (${SCHEMA_VERSION}): upgrade reachprobe`,
      file,
    );
  }
  throw new InputError(
    `unknown schema_version ${JSON.stringify(version)} (this reachprobe reads ${SCHEMA_VERSION})`,
    file,
  );
}

/** The result fields shown by diff and history that are optional strings. */
const OPTIONAL_STRINGS = ['stage', 'failure', 'blocked-by', 'measured_verdict'] as const;

/** The fields of results[i] that diff, history and the store rely on (not whether its name is new: see repeated). */
export function checkResult(r: unknown, i: number, file: string): asserts r is TargetResult {
  const fail: (message: string) => never = (message) => {
    throw new InputError(`results[${i}]: ${message}`, file);
  };
  if (!isObject(r)) fail('not an object');
  if (typeof r.name !== 'string' || typeof r.service !== 'string') fail('no name or service');
  if (!VERDICT_NAMES.some((v) => v === r.verdict)) fail(`unknown verdict ${JSON.stringify(r.verdict)}`);
  if (typeof r.reason !== 'string') fail('no reason');
  for (const key of OPTIONAL_STRINGS)
    if (r[key] !== undefined && typeof r[key] !== 'string') fail(`${key} is not a string`);
}

/** Diff and history key targets by name: a name twice would silently hide one of them. */
export const repeated = (name: string, i: number, file: string): InputError =>
  new InputError(`results[${i}]: target "${name}" appears twice`, file);

function checkResults(results: unknown[], file: string) {
  const seen = new Set<string>();
  results.forEach((r, i) => {
    checkResult(r, i, file);
    if (seen.has(r.name)) throw repeated(r.name, i, file);
    seen.add(r.name);
  });
}

/**
 * The report's own fields, and that it has a results list (not what the list holds): a document that is not
 * a report (or one too new) is told as such before any of its results is.
 */
export function checkHead(doc: unknown, file: string): ReportDocument {
  if (!isObject(doc) || !isObject(doc.tool) || doc.tool.name !== 'reachprobe') {
    throw new InputError('not a reachprobe report (no "tool": {"name": "reachprobe"})', file);
  }
  checkSchemaVersion(doc.schema_version, file);
  if (
    !isObject(doc.summary) ||
    typeof doc.summary.started_at !== 'string' ||
    Number.isNaN(Date.parse(doc.summary.started_at))
  ) {
    throw new InputError('no valid summary.started_at', file);
  }
  if (
    doc.report_id !== undefined &&
    (typeof doc.report_id !== 'string' || !/^[0-9a-f-]{36}$/i.test(doc.report_id))
  ) {
    throw new InputError('report_id is not a UUID', file);
  }
  if (
    doc.vantage_point !== undefined &&
    (!isObject(doc.vantage_point) || typeof doc.vantage_point.label !== 'string')
  ) {
    throw new InputError('vantage_point has no label', file);
  }
  if (!Array.isArray(doc.results)) throw new InputError('no results list', file);
  return doc as unknown as ReportDocument;
}

/** A checked document as read back: `id` is its report_id, or else `legacy()`. */
export function readBack(file: string, doc: ReportDocument, legacy: () => string): ReadReport {
  return {
    file,
    doc,
    partial: (doc as { partial?: unknown }).partial === true,
    id: doc.report_id?.toLowerCase() ?? legacy(),
  };
}

/**
 * Reads one report; an unreadable file, bad JSON or a document that is not a report is an InputError naming
 * the file.
 */
export async function readReport(file: string): Promise<ReadReport> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read the report: ${(err as Error).message}`, file);
  }
  const doc = checkHead(parseJson(text, file), file);
  checkResults(doc.results, file);
  return readBack(file, doc, () => legacyId(text));
}

/** A report file to read, and whether the user named it (rather than a folder holding it). */
export interface Candidate {
  file: string;
  named: boolean;
}

/**
 * Every *.json in the folder, by name (and, `deep`, in its subfolders: cron's `%Y-%m/` ones); hidden
 * files and folders are skipped (writeAtomically's temporary files are).
 */
async function jsonFilesIn(dir: string, deep: boolean): Promise<Candidate[]> {
  const entries = (await readdir(dir, { withFileTypes: true, recursive: deep }))
    .filter((e) => e.isFile() && e.name.endsWith('.json'))
    .map((e) => path.join(e.parentPath, e.name))
    .filter(
      (file) =>
        !path
          .relative(dir, file)
          .split(path.sep)
          .some((part) => part.startsWith('.')),
    );
  return entries.sort().map((file) => ({ file, named: false }));
}

/** The report files of `paths`: files as named, folders for the *.json in them (`deep`: in subfolders too). */
export async function candidates(paths: string[], deep = false): Promise<Candidate[]> {
  const found: Candidate[][] = [];
  for (const p of paths) {
    const isDir = await stat(p).then(
      (s) => s.isDirectory(),
      () => false,
    ); // a missing file fails in readReport
    found.push(isDir ? await jsonFilesIn(p, deep) : [{ file: p, named: true }]);
  }
  return found.flat();
}

export interface Collected<T> {
  reports: T[];
  /** Files found in a folder that could not be read as reports. */
  skipped: InputError[];
}

/**
 * The reports in `paths` (files, or folders of *.json), read one at a time: months of cron reports
 * would not fit in memory whole. A bad file the user named is an error; a bad file in a folder is
 * handed to `skip` and passed over, so one broken report (a full disk, a stray JSON file) does not
 * hide months of history.
 */
export async function* eachReport(
  paths: string[],
  skip: (err: InputError) => void,
): AsyncGenerator<ReadReport> {
  for (const { file, named } of await candidates(paths)) {
    let report: ReadReport;
    try {
      report = await readReport(file);
    } catch (err) {
      if (named || !(err instanceof InputError)) throw err;
      skip(err);
      continue;
    }
    yield report;
  }
}

/** What `keep` makes of each report in `paths` (see eachReport), and the files skipped. */
export async function collectReports<T>(paths: string[], keep: (r: ReadReport) => T): Promise<Collected<T>> {
  const collected: Collected<T> = { reports: [], skipped: [] };
  for await (const r of eachReport(paths, (err) => collected.skipped.push(err)))
    collected.reports.push(keep(r));
  if (collected.reports.length === 0) throw new InputError(`no reachprobe report in ${paths.join(', ')}`);
  return collected;
}
