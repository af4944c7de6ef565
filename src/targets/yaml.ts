import {
  isAlias,
  isMap,
  isNode,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Document,
  type YAMLMap,
} from 'yaml';
import { InputError } from '../model/input-error.js';
import { didYouMean } from './suggest.js';

// Reading hand-written YAML (targets files, mock scenarios) so that every problem is an InputError
// naming the file, the line and the field.

/** A key of a YAML mapping and its value node (null when the YAML gives no value node at all). */
export interface Field {
  key: unknown;
  value: unknown;
}

export type Fields = Map<string, Field>;

/** One YAML file being read: turns nodes into line numbers and problems into InputErrors. */
export class Source {
  private constructor(
    readonly file: string,
    readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
  ) {}

  static parse(text: string, file: string): Source {
    const lines = new LineCounter();
    let doc: Document.Parsed;
    try {
      doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
    } catch (err) {
      // The yaml package reports problems in doc.errors; this guards against a bug in it.
      throw new InputError(`cannot parse YAML: ${String(err)}`, file);
    }
    const source = new Source(file, doc, lines);
    const [first] = doc.errors;
    if (!first) return source;
    // The package's own wording for this one speaks to programmers ("use parseAllDocuments").
    const problem =
      first.code === 'MULTIPLE_DOCS' ? 'a file holds one document; remove the "---" line' : first.message;
    return source.fail(`invalid YAML: ${problem}`, lines.linePos(first.pos[0]).line);
  }

  /** The line a node starts on; 1 for a missing node (an empty file). */
  line(node: unknown): number {
    return isNode(node) && node.range ? this.lines.linePos(node.range[0]).line : 1;
  }

  fail(message: string, at: unknown): never {
    throw new InputError(message, this.file, typeof at === 'number' ? at : this.line(at));
  }

  /** The node an alias (`*name`) stands for; other nodes as they are. */
  resolve(node: unknown): unknown {
    if (!isAlias(node)) return node;
    return (
      node.resolve(this.doc) ??
      this.fail(`unknown alias "*${node.source}": no anchor "&${node.source}" before it`, node)
    );
  }
}

/** The mapping's keys and values; a key that is not a plain scalar cannot be a field name. */
export function fieldsOf(src: Source, map: YAMLMap): Fields {
  const fields: Fields = new Map();
  for (const pair of map.items) {
    const key = src.resolve(pair.key);
    if (!isScalar(key)) src.fail(`field names must be plain words, not ${kind(key)}`, pair.key);
    fields.set(String(key.value), { key: pair.key, value: pair.value });
  }
  return fields;
}

export function checkKnown(src: Source, fields: Fields, known: string[], label: string): void {
  for (const [name, field] of fields) {
    if (known.includes(name)) continue;
    const hint = didYouMean(name, known) || ` (known fields: ${known.join(', ')})`;
    src.fail(`${label}: unknown field "${name}"${hint}`, field.key);
  }
}

export function required(src: Source, fields: Fields, name: string, label: string, entry: unknown): string {
  const field = fields.get(name);
  if (!field) src.fail(`${label}: field "${name}" is missing`, entry);
  return readString(src, field, `${label}: field "${name}"`);
}

/** The field's value when it is a non-blank string, else undefined. */
export function stringValue(src: Source, field: Field | undefined): string | undefined {
  const node = src.resolve(field?.value);
  return isScalar(node) && typeof node.value === 'string' && node.value.trim() !== ''
    ? node.value
    : undefined;
}

export function readString(src: Source, field: Field, what: string): string {
  const value = stringValue(src, field);
  if (value !== undefined) return value;
  const node = src.resolve(field.value);
  const blank = isEmpty(node) || (isScalar(node) && typeof node.value === 'string');
  const problem = blank ? 'is empty' : `must be a string, not ${kind(node)}`;
  src.fail(`${what}: ${problem}`, field.value ?? field.key);
}

export function readChoice<T extends string>(
  src: Source,
  field: Field,
  what: string,
  choices: readonly T[],
): T {
  const value = readString(src, field, what);
  if ((choices as readonly string[]).includes(value)) return value as T;
  const hint = didYouMean(value, choices);
  src.fail(`${what}: "${value}" is not one of ${choices.join(', ')}${hint}`, field.value);
}

export function readStrings(src: Source, field: Field | undefined, what: string): string[] {
  if (!field) return [];
  const list = src.resolve(field.value);
  if (!isSeq(list))
    src.fail(`${what}: must be a list of strings, not ${kind(list)}`, field.value ?? field.key);
  return list.items.map((item, i) =>
    readString(src, { key: field.key, value: item }, `${what}: item ${i + 1}`),
  );
}

export function isEmpty(node: unknown): boolean {
  return node === null || node === undefined || (isScalar(node) && node.value === null);
}

/** What a node is, for messages: "a list", "a number", "empty". */
export function kind(node: unknown): string {
  if (isEmpty(node)) return 'empty';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) return `a ${typeof node.value}`;
  return 'something else';
}

/** A whole number within bounds. */
export function readInteger(src: Source, field: Field, what: string, min: number, max: number): number {
  const node = src.resolve(field.value);
  const value = isScalar(node) ? node.value : undefined;
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return value;
  src.fail(
    `${what}: must be a whole number from ${min} to ${max}, not ${isScalar(node) ? JSON.stringify(value) : kind(node)}`,
    field.value ?? field.key,
  );
}

/** The node of a field that must be a mapping, as fields. */
export function readMapping(src: Source, field: Field, what: string): Fields {
  const node = src.resolve(field.value);
  if (!isMap(node)) src.fail(`${what}: must be a mapping, not ${kind(node)}`, field.value ?? field.key);
  return fieldsOf(src, node);
}

/** The items of a field that must be a list, each as a field (for its line). */
export function readList(src: Source, field: Field, what: string): Field[] {
  const node = src.resolve(field.value);
  if (!isSeq(node)) src.fail(`${what}: must be a list, not ${kind(node)}`, field.value ?? field.key);
  return node.items.map((item) => ({ key: item, value: item }));
}

export function readBoolean(src: Source, field: Field, what: string): boolean {
  const node = src.resolve(field.value);
  if (isScalar(node) && typeof node.value === 'boolean') return node.value;
  src.fail(`${what}: must be true or false, not ${kind(node)}`, field.value ?? field.key);
}
