import { isMap, isScalar, isSeq, type YAMLSeq } from 'yaml';
import { InputError } from '../model/input-error.js';
import { BLOCKING_VALUES } from '../model/control.js';
import {
  ROLES,
  type ExpectedBlocking,
  type Role,
  type Scheme,
  type SourceRef,
  type Target,
} from '../model/target.js';
import { VERDICT_NAMES, type VerdictName } from '../model/verdict.js';
import { QUIC_VERDICT_NAMES } from '../model/quic.js';
import {
  checkKnown,
  fieldsOf,
  readBoolean,
  isEmpty,
  kind,
  readChoice,
  readStrings,
  readString,
  required,
  Source,
  stringValue,
  type Field,
  type Fields,
} from './yaml.js';
import { shownHost } from './names.js';

const TOP_FIELDS = ['defaults', 'targets'];
const DEFAULT_FIELDS = ['service', 'role', 'expect', 'quic', 'essential', 'tags'];
const TARGET_FIELDS = [
  'name',
  'service',
  'url',
  'role',
  'expect',
  'expect_blocking',
  'expect_accessible',
  'quic',
  'expect_quic',
  'essential',
  'tags',
];
/** What `expect_blocking` may say: OONI's `blocking` values other than null (written false, or a string). */
const URL_FORMS = 'expected https://host[:port]/path, http://host[:port]/path or tcp://host:port';

/** The fields a target may inherit from `defaults`. */
interface Shared {
  service?: string;
  role?: Role;
  expect?: VerdictName;
  quic?: boolean;
  essential?: boolean;
  tags: string[];
}

export interface Endpoint {
  scheme: Scheme;
  host: string;
  port: number;
  path: string;
}

/**
 * Extra fields another file format built on targets files may allow (the mock network's scenarios
 * add servers and per-target behaviour). Their values are handed back unread, with their lines.
 */
export interface Extension {
  topFields: string[];
  targetFields: string[];
}

export interface ParsedTargets {
  targets: Target[];
  source: Source;
  /** The extension's top-level fields, as given. */
  top: Fields;
  /** Each target's extension fields, in the order of `targets`. */
  extras: Fields[];
}

/**
 * Reads one targets file: a mapping `{ defaults?, targets: [...] }` or a list of targets.
 * Every problem is an InputError naming `file` and the line.
 */
export function parseTargets(text: string, file: string): Target[] {
  return parseTargetsFile(text, file).targets;
}

export function parseTargetsFile(
  text: string,
  file: string,
  ext: Extension = { topFields: [], targetFields: [] },
): ParsedTargets {
  const src = Source.parse(text, file);
  const { defaults, list, top } = topLevel(src, ext);
  if (list.items.length === 0) src.fail('no targets: the list is empty', list);
  const firstLine = new Map<string, number>();
  const extras: Fields[] = [];
  const targets = list.items.map((item, i) => {
    const { target, extra } = readTarget(src, item, i + 1, defaults, ext);
    const earlier = firstLine.get(target.name);
    if (earlier !== undefined)
      src.fail(`target "${target.name}": duplicate name; first defined at line ${earlier}`, item);
    firstLine.set(target.name, target.source.line);
    extras.push(extra);
    return target;
  });
  return { targets, source: src, top, extras };
}

/** The fields of `all` named in `names`. */
function pick(all: Fields, names: string[]): Fields {
  return new Map([...all].filter(([name]) => names.includes(name)));
}

function topLevel(src: Source, ext: Extension): { defaults: Shared; list: YAMLSeq; top: Fields } {
  const root = src.resolve(src.doc.contents);
  if (isEmpty(root)) src.fail('no targets: the file is empty', 1);
  if (isSeq(root)) return { defaults: { tags: [] }, list: root, top: new Map() };
  if (!isMap(root))
    src.fail(`the file must be a mapping with "targets", or a list of targets; not ${kind(root)}`, root);
  const fields = fieldsOf(src, root);
  checkKnown(src, fields, [...TOP_FIELDS, ...ext.topFields], 'top level');
  const defaults = readDefaults(src, fields.get('defaults'));
  const targets = fields.get('targets');
  if (!targets) src.fail('no targets: field "targets" is missing', root);
  const list = src.resolve(targets.value);
  if (isEmpty(list)) src.fail('no targets: field "targets" is empty', targets.key);
  if (!isSeq(list)) src.fail(`field "targets": must be a list, not ${kind(list)}`, targets.value);
  return { defaults, list, top: pick(fields, ext.topFields) };
}

function readDefaults(src: Source, field: Field | undefined): Shared {
  if (!field) return { tags: [] };
  const map = src.resolve(field.value);
  if (!isMap(map))
    src.fail(`field "defaults": must be a mapping, not ${kind(map)}`, field.value ?? field.key);
  const fields = fieldsOf(src, map);
  checkKnown(src, fields, DEFAULT_FIELDS, 'defaults');
  return readShared(src, fields, 'defaults');
}

function readTarget(
  src: Source,
  item: unknown,
  index: number,
  defaults: Shared,
  ext: Extension,
): { target: Target; extra: Fields } {
  const entry = src.resolve(item);
  if (!isMap(entry))
    src.fail(`target #${index}: must be a mapping with name, service and url; not ${kind(entry)}`, item);
  const fields = fieldsOf(src, entry);
  // Name the target in messages when its name is usable, so an unknown key is reported before a
  // missing field: "nmae" → did you mean `name`? beats "field name is missing".
  const named = stringValue(src, fields.get('name'));
  checkKnown(
    src,
    fields,
    [...TARGET_FIELDS, ...ext.targetFields],
    named ? `target "${named}"` : `target #${index}`,
  );
  const name = required(src, fields, 'name', `target #${index}`, item);
  const label = `target "${name}"`;
  const own = readShared(src, fields, label);
  const service = own.service ?? defaults.service;
  if (service === undefined)
    src.fail(`${label}: field "service" is missing (give it here or in defaults)`, item);
  const url = required(src, fields, 'url', label, item);
  const endpoint = parseUrl(url, (problem) =>
    src.fail(`${label}: field "url": ${problem}`, fields.get('url')?.value),
  );
  const role = own.role ?? defaults.role;
  const expect = own.expect ?? defaults.expect;
  const expectBlocking = fields.get('expect_blocking');
  const expectQuic = fields.get('expect_quic');
  const expectAccessible = fields.get('expect_accessible');
  const quic = own.quic ?? defaults.quic;
  const essential = own.essential ?? defaults.essential;
  const target: Target = {
    name,
    service,
    url,
    ...endpoint,
    ...(role && { role }),
    ...(expect && { expect }),
    ...(expectBlocking && {
      expectBlocking: readBlocking(src, expectBlocking, `${label}: field "expect_blocking"`),
    }),
    ...(expectAccessible && {
      expectAccessible: readBoolean(src, expectAccessible, `${label}: field "expect_accessible"`),
    }),
    ...(quic !== undefined && { quic }),
    ...(expectQuic && {
      expectQuic: readChoice(src, expectQuic, `${label}: field "expect_quic"`, QUIC_VERDICT_NAMES),
    }),
    ...(essential && { essential }),
    tags: [...new Set([...defaults.tags, ...own.tags])],
    source: { file: src.file, line: src.line(item) },
  };
  return { target, extra: pick(fields, ext.targetFields) };
}

/** `false` (YAML's boolean, or the word) or one of the blocking strings. */
function readBlocking(src: Source, field: Field, what: string): ExpectedBlocking {
  const node = src.resolve(field.value);
  if (isScalar(node) && node.value === false) return false;
  const value = readChoice(src, field, what, BLOCKING_VALUES);
  return value === 'false' ? false : value;
}

function readShared(src: Source, fields: Fields, label: string): Shared {
  const service = fields.get('service');
  const role = fields.get('role');
  const expect = fields.get('expect');
  const quic = fields.get('quic');
  const essential = fields.get('essential');
  return {
    ...(service && { service: readString(src, service, `${label}: field "service"`) }),
    ...(role && { role: readChoice(src, role, `${label}: field "role"`, ROLES) }),
    ...(expect && { expect: readChoice(src, expect, `${label}: field "expect"`, VERDICT_NAMES) }),
    ...(quic && { quic: readBoolean(src, quic, `${label}: field "quic"`) }),
    ...(essential && { essential: readBoolean(src, essential, `${label}: field "essential"`) }),
    tags: readStrings(src, fields.get('tags'), `${label}: field "tags"`),
  };
}

/**
 * A target from a URL alone, as a helper is asked for one: the service is its host. Throws InputError with
 * the problem.
 */
export function targetFromUrl(name: string, url: string, source: SourceRef): Target {
  const endpoint = parseUrl(url, (problem) => {
    throw new InputError(problem, source.file, source.line);
  });
  return { name, service: shownHost(endpoint.host), url, ...endpoint, tags: [], source };
}

/**
 * Splits a target URL into scheme, host, port and path. Checks the parts itself rather than
 * leaving it to the WHATWG URL parser, whose only message is "Invalid URL".
 */
export function parseUrl(text: string, fail: (problem: string) => never): Endpoint {
  if (/\s/.test(text)) fail(`"${text}" contains white space`);
  const parts = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)(.*)$/is.exec(text);
  if (!parts) fail(`"${text}" is not a URL; ${URL_FORMS}`);
  const [, given = '', authority = '', rest = ''] = parts;
  const scheme = given.toLowerCase();
  if (scheme !== 'https' && scheme !== 'http' && scheme !== 'tcp')
    fail(`unsupported scheme "${scheme}"; ${URL_FORMS}`);
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
  return {
    scheme,
    host: bare,
    port: port ?? (scheme === 'https' ? 443 : 80),
    path: url.pathname + url.search,
  };
}

/** "host", "host:port", "[v6]" or "[v6]:port" into host and an optional port. */
function splitAuthority(
  authority: string,
  fail: (problem: string) => never,
): { host: string; port?: number } {
  const match = /^(\[[^\]]*\]|[^:[\]]*)(?::(.*))?$/s.exec(authority);
  if (!match) fail(`cannot read host and port from "${authority}"`);
  const [, host = '', port] = match;
  if (port?.includes(':'))
    fail(`an IPv6 address goes in brackets, e.g. https://[2001:db8::1]/ ("${authority}")`);
  if (host === '' || host === '[]') fail('the URL has no host');
  if (port === undefined) return { host };
  if (!/^\d+$/.test(port)) fail(`port "${port}" is not a number`);
  const number = Number(port);
  if (number < 1 || number > 65535) fail(`port ${port} is out of range (1-65535)`);
  return { host, port: number };
}
