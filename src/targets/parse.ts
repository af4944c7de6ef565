import { isAlias, isMap, isNode, isScalar, isSeq, LineCounter, parseDocument, type Document, type YAMLMap, type YAMLSeq } from 'yaml';
import { InputError } from '../model/input-error.js';
import { ROLES, type Role, type Scheme, type Target } from '../model/target.js';
import { VERDICT_NAMES, type VerdictName } from '../model/verdict.js';
import { didYouMean } from './suggest.js';

const TOP_FIELDS = ['defaults', 'targets'];
const DEFAULT_FIELDS = ['service', 'role', 'expect', 'tags'];
const TARGET_FIELDS = ['name', 'service', 'url', 'role', 'expect', 'tags'];
const URL_FORMS = 'expected https://host[:port]/path, http://host[:port]/path or tcp://host:port';

/** The fields a target may inherit from `defaults`. */
interface Shared {
  service?: string;
  role?: Role;
  expect?: VerdictName;
  tags: string[];
}

/** A key of a YAML mapping and its value node (null when the YAML gives no value node at all). */
interface Field {
  key: unknown;
  value: unknown;
}

type Fields = Map<string, Field>;

interface Endpoint {
  scheme: Scheme;
  host: string;
  port: number;
  path: string;
}

/** One YAML file being read: turns nodes into line numbers and problems into InputErrors. */
class Source {
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
    const problem = first.code === 'MULTIPLE_DOCS' ? 'a targets file holds one document; remove the "---" line' : first.message;
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
    return node.resolve(this.doc) ?? this.fail(`unknown alias "*${node.source}": no anchor "&${node.source}" before it`, node);
  }
}

/**
 * Reads one targets file: a mapping `{ defaults?, targets: [...] }` or a list of targets.
 * Every problem is an InputError naming `file` and the line.
 */
export function parseTargets(text: string, file: string): Target[] {
  const src = Source.parse(text, file);
  const { defaults, list } = topLevel(src);
  if (list.items.length === 0) src.fail('no targets: the list is empty', list);
  const firstLine = new Map<string, number>();
  return list.items.map((item, i) => {
    const target = readTarget(src, item, i + 1, defaults);
    const earlier = firstLine.get(target.name);
    if (earlier !== undefined) src.fail(`target "${target.name}": duplicate name; first defined at line ${earlier}`, item);
    firstLine.set(target.name, target.source.line);
    return target;
  });
}

function topLevel(src: Source): { defaults: Shared; list: YAMLSeq } {
  const root = src.resolve(src.doc.contents);
  if (isEmpty(root)) src.fail('no targets: the file is empty', 1);
  if (isSeq(root)) return { defaults: { tags: [] }, list: root };
  if (!isMap(root)) src.fail(`the file must be a mapping with "targets", or a list of targets; not ${kind(root)}`, root);
  const fields = fieldsOf(src, root);
  checkKnown(src, fields, TOP_FIELDS, 'top level');
  const defaults = readDefaults(src, fields.get('defaults'));
  const targets = fields.get('targets');
  if (!targets) src.fail('no targets: field "targets" is missing', root);
  const list = src.resolve(targets.value);
  if (isEmpty(list)) src.fail('no targets: field "targets" is empty', targets.key);
  if (!isSeq(list)) src.fail(`field "targets": must be a list, not ${kind(list)}`, targets.value);
  return { defaults, list };
}

function readDefaults(src: Source, field: Field | undefined): Shared {
  if (!field) return { tags: [] };
  const map = src.resolve(field.value);
  if (!isMap(map)) src.fail(`field "defaults": must be a mapping, not ${kind(map)}`, field.value ?? field.key);
  const fields = fieldsOf(src, map);
  checkKnown(src, fields, DEFAULT_FIELDS, 'defaults');
  return readShared(src, fields, 'defaults');
}

function readTarget(src: Source, item: unknown, index: number, defaults: Shared): Target {
  const entry = src.resolve(item);
  if (!isMap(entry)) src.fail(`target #${index}: must be a mapping with name, service and url; not ${kind(entry)}`, item);
  const fields = fieldsOf(src, entry);
  // Name the target in messages when its name is usable, so an unknown key is reported before a
  // missing field: "nmae" → did you mean `name`? beats "field name is missing".
  const named = stringValue(src, fields.get('name'));
  checkKnown(src, fields, TARGET_FIELDS, named ? `target "${named}"` : `target #${index}`);
  const name = required(src, fields, 'name', `target #${index}`, item);
  const label = `target "${name}"`;
  const own = readShared(src, fields, label);
  const service = own.service ?? defaults.service;
  if (service === undefined) src.fail(`${label}: field "service" is missing (give it here or in defaults)`, item);
  const url = required(src, fields, 'url', label, item);
  const endpoint = parseUrl(url, (problem) => src.fail(`${label}: field "url": ${problem}`, fields.get('url')?.value));
  const role = own.role ?? defaults.role;
  const expect = own.expect ?? defaults.expect;
  return {
    name,
    service,
    url,
    ...endpoint,
    ...(role && { role }),
    ...(expect && { expect }),
    tags: [...new Set([...defaults.tags, ...own.tags])],
    source: { file: src.file, line: src.line(item) },
  };
}

function readShared(src: Source, fields: Fields, label: string): Shared {
  const service = fields.get('service');
  const role = fields.get('role');
  const expect = fields.get('expect');
  return {
    ...(service && { service: readString(src, service, `${label}: field "service"`) }),
    ...(role && { role: readChoice(src, role, `${label}: field "role"`, ROLES) }),
    ...(expect && { expect: readChoice(src, expect, `${label}: field "expect"`, VERDICT_NAMES) }),
    tags: readTags(src, fields.get('tags'), `${label}: field "tags"`),
  };
}

/** The mapping's keys and values; a key that is not a plain scalar cannot be a field name. */
function fieldsOf(src: Source, map: YAMLMap): Fields {
  const fields: Fields = new Map();
  for (const pair of map.items) {
    const key = src.resolve(pair.key);
    if (!isScalar(key)) src.fail(`field names must be plain words, not ${kind(key)}`, pair.key);
    fields.set(String(key.value), { key: pair.key, value: pair.value });
  }
  return fields;
}

function checkKnown(src: Source, fields: Fields, known: string[], label: string): void {
  for (const [name, field] of fields) {
    if (known.includes(name)) continue;
    const hint = didYouMean(name, known) || ` (known fields: ${known.join(', ')})`;
    src.fail(`${label}: unknown field "${name}"${hint}`, field.key);
  }
}

function required(src: Source, fields: Fields, name: string, label: string, entry: unknown): string {
  const field = fields.get(name);
  if (!field) src.fail(`${label}: field "${name}" is missing`, entry);
  return readString(src, field, `${label}: field "${name}"`);
}

/** The field's value when it is a non-blank string, else undefined. */
function stringValue(src: Source, field: Field | undefined): string | undefined {
  const node = src.resolve(field?.value);
  return isScalar(node) && typeof node.value === 'string' && node.value.trim() !== '' ? node.value : undefined;
}

function readString(src: Source, field: Field, what: string): string {
  const value = stringValue(src, field);
  if (value !== undefined) return value;
  const node = src.resolve(field.value);
  const blank = isEmpty(node) || (isScalar(node) && typeof node.value === 'string');
  const problem = blank ? 'is empty' : `must be a string, not ${kind(node)}`;
  src.fail(`${what}: ${problem}`, field.value ?? field.key);
}

function readChoice<T extends string>(src: Source, field: Field, what: string, choices: readonly T[]): T {
  const value = readString(src, field, what);
  if ((choices as readonly string[]).includes(value)) return value as T;
  const hint = didYouMean(value, choices);
  src.fail(`${what}: "${value}" is not one of ${choices.join(', ')}${hint}`, field.value);
}

function readTags(src: Source, field: Field | undefined, what: string): string[] {
  if (!field) return [];
  const list = src.resolve(field.value);
  if (!isSeq(list)) src.fail(`${what}: must be a list of strings, not ${kind(list)}`, field.value ?? field.key);
  return list.items.map((item, i) => readString(src, { key: field.key, value: item }, `${what}: item ${i + 1}`));
}

function isEmpty(node: unknown): boolean {
  return node === null || node === undefined || (isScalar(node) && node.value === null);
}

/** What a node is, for messages: "a list", "a number", "empty". */
function kind(node: unknown): string {
  if (isEmpty(node)) return 'empty';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) return `a ${typeof node.value}`;
  return 'something else';
}

/**
 * Splits a target URL into scheme, host, port and path. Checks the parts itself rather than
 * leaving it to the WHATWG URL parser, whose only message is "Invalid URL".
 */
function parseUrl(text: string, fail: (problem: string) => never): Endpoint {
  if (/\s/.test(text)) fail(`"${text}" contains white space`);
  const parts = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)(.*)$/is.exec(text);
  if (!parts) fail(`"${text}" is not a URL; ${URL_FORMS}`);
  const [, given = '', authority = '', rest = ''] = parts;
  const scheme = given.toLowerCase();
  if (scheme !== 'https' && scheme !== 'http' && scheme !== 'tcp') fail(`unsupported scheme "${scheme}"; ${URL_FORMS}`);
  if (authority.includes('@')) fail('credentials (user:pass@) are not allowed in a target URL');
  const { host, port } = splitAuthority(authority, fail);
  // The host and path go through the WHATWG parser for normalisation: lower case, IDN to
  // punycode, percent-encoding. The port and any credentials were taken out above.
  let url: URL;
  try {
    url = new URL(`http://${host}${scheme === 'tcp' ? '' : rest}`);
  } catch {
    fail(`invalid host "${host}" or path in "${text}"`);
  }
  const bare = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (scheme === 'tcp') {
    if (rest !== '' && rest !== '/') fail(`a tcp:// URL takes no path, query or fragment ("${rest}")`);
    if (port === undefined) fail('a tcp:// URL needs a port, e.g. tcp://host:443');
    return { scheme, host: bare, port, path: '/' };
  }
  return { scheme, host: bare, port: port ?? (scheme === 'https' ? 443 : 80), path: url.pathname + url.search };
}

/** "host", "host:port", "[v6]" or "[v6]:port" into host and an optional port. */
function splitAuthority(authority: string, fail: (problem: string) => never): { host: string; port?: number } {
  const match = /^(\[[^\]]*\]|[^:[\]]*)(?::(.*))?$/s.exec(authority);
  if (!match) fail(`cannot read host and port from "${authority}"`);
  const [, host = '', port] = match;
  if (port?.includes(':')) fail(`an IPv6 address goes in brackets, e.g. https://[2001:db8::1]/ ("${authority}")`);
  if (host === '' || host === '[]') fail('the URL has no host');
  if (port === undefined) return { host };
  if (!/^\d+$/.test(port)) fail(`port "${port}" is not a number`);
  const number = Number(port);
  if (number < 1 || number > 65535) fail(`port ${port} is out of range (1-65535)`);
  return { host, port: number };
}
