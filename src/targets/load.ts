import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../model/input-error.js';
import type { Target, TargetList } from '../model/target.js';
import { arrayOf, JoinedTargets, ListedTargets } from './listed.js';
import { readList, type ListOptions } from './lists.js';
import { deriveName, type Unnamed } from './names.js';
import { parseTargets } from './parse.js';
import { didYouMean } from './suggest.js';
import { TakenNames } from './taken.js';
import { osError } from './text-stream.js';

/** Targets files are hand-written lists; anything bigger is the wrong file. */
const MAX_BYTES = 5 * 1024 * 1024;

const isYaml = (file: string) => /\.ya?ml$/i.test(file);

/**
 * Reads targets from files and folders (every *.yaml, *.yml and *.csv file directly in a folder, in
 * name order): YAML targets files, Citizen Lab test lists, plain lists of URLs, and `-` for a list
 * on standard input. Target names must be unique across all of them; lists' targets get derived ones.
 */
export async function loadTargets(paths: string[], options: ListOptions = {}): Promise<Target[]> {
  return arrayOf(await loadTargetList(paths, options));
}

/**
 * The targets as loadTargets reads them, those of lists kept compact (ListedTargets): what a run of a
 * million targets holds of its list.
 */
export async function loadTargetList(paths: string[], options: ListOptions = {}): Promise<TargetList> {
  if (paths.length === 0) throw new InputError('no targets file or folder given');
  const files: string[] = [];
  for (const path of paths) files.push(...(path === '-' ? [path] : await filesIn(path)));
  // The YAML files first, for their names: a list's derived name never takes one given explicitly.
  const named: Array<Target[] | undefined> = [];
  for (const file of files) named.push(isYaml(file) ? parseTargets(await readText(file), file) : undefined);
  const explicit = named.flatMap((targets) => targets ?? []);
  checkUnique(explicit);
  // A derived name is numbered by its place among them all: its list, and its place there.
  const lists: ListedTargets[] = [];
  const nameOf = (ref: number): string => {
    let i = ref;
    for (const list of lists) {
      if (i < list.length) return list.at(i)!.name;
      i -= list.length;
    }
    throw new RangeError(`no derived name numbered ${ref}`);
  };
  const taken = new TakenNames(new Set(explicit.map((t) => t.name)), nameOf);
  const parts: TargetList[] = [];
  for (const [i, file] of files.entries())
    parts.push(named[i] ?? (await readListed(file, options, taken, lists)));
  return new JoinedTargets(parts);
}

/**
 * A list's targets, named in order: the first to derive a name gets it, the next ones "#2", "#3"... So
 * collisions settle by list order, the same every run. The list joins `lists` (those read before) as soon
 * as it starts, so that its names can be made again while it is read.
 */
async function readListed(
  file: string,
  options: ListOptions,
  taken: TakenNames,
  lists: ListedTargets[],
): Promise<ListedTargets> {
  const before = lists.reduce((n, l) => n + l.length, 0);
  let list!: ListedTargets;
  await readList(file, options, (remake) => {
    list = new ListedTargets(remake);
    lists.push(list);
    return (entry: Unnamed) => {
      const base = deriveName(entry);
      let name = base;
      let n = 1;
      while (taken.has(name)) name = `${base}#${++n}`;
      taken.add(name, before + list.length);
      list.add(entry, n > 1 ? n : undefined);
    };
  });
  list.trim();
  return list;
}

export interface TargetFilter {
  /** Exact target names. */
  only?: string[];
  /** Service names, ignoring case. */
  services?: string[];
  /** Citizen Lab category codes, ignoring case. */
  categories?: string[];
}

/**
 * The targets that pass every filter given, in their original order; with no filter, the list itself. A name
 * or service that matches no target is an InputError: it is a typo, and measuring nothing would hide it.
 */
export function filterTargets<L extends TargetList>(list: L, filter: TargetFilter): L | Target[] {
  const { only = [], services = [], categories = [] } = filter;
  if (only.length + services.length + categories.length === 0) return list;
  const targets = arrayOf(list);
  const names = new Set(targets.map((t) => t.name));
  for (const name of only) {
    if (!names.has(name)) throw new InputError(`unknown target name "${name}"${didYouMean(name, names)}`);
  }
  const byService = picker(
    'service',
    services,
    targets.map((t) => t.service),
  );
  const byCategory = picker(
    'category',
    categories,
    targets.flatMap((t) => (t.category ? [t.category] : [])),
  );
  return targets.filter(
    (t) => (only.length === 0 || only.includes(t.name)) && byService(t.service) && byCategory(t.category),
  );
}

/**
 * Whether a value is among the wanted ones (all pass when none is wanted), ignoring case; a wanted value no
 * target has is a typo.
 */
function picker(what: string, wanted: string[], present: string[]): (value: string | undefined) => boolean {
  const known = new Set(present.map((v) => v.toLowerCase()));
  for (const value of wanted) {
    if (!known.has(value.toLowerCase()))
      throw new InputError(`unknown ${what} "${value}"${didYouMean(value, known)}`);
  }
  const set = new Set(wanted.map((v) => v.toLowerCase()));
  return (value) => set.size === 0 || (value !== undefined && set.has(value.toLowerCase()));
}

/** The file itself, or the targets files directly inside a folder. */
async function filesIn(path: string): Promise<string[]> {
  let isFolder: boolean;
  try {
    isFolder = (await stat(path)).isDirectory();
  } catch (err) {
    throw osError(path, err);
  }
  if (!isFolder) return [path];
  let entries;
  try {
    entries = await readdir(path, { withFileTypes: true });
  } catch (err) {
    throw osError(path, err);
  }
  // Sorted here: readdir promises no order (that it comes sorted on Linux is a libuv detail).
  const files = entries
    .filter((e) => !e.isDirectory() && /\.(ya?ml|csv)$/.test(e.name))
    .map((e) => e.name)
    .sort();
  if (files.length === 0) throw new InputError('folder has no *.yaml, *.yml or *.csv files', path);
  return files.map((name) => join(path, name));
}

/**
 * The file's text. Reads by streaming and stops past the size limit, so a huge file or an endless
 * pipe (/dev/zero) is refused without reading it all.
 */
async function readText(file: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of createReadStream(file)) {
      size += (chunk as Buffer).length;
      if (size > MAX_BYTES) break;
      chunks.push(chunk as Buffer);
    }
  } catch (err) {
    throw osError(file, err);
  }
  if (size > MAX_BYTES) throw new InputError('file is larger than 5 MiB; is it really a targets file?', file);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new InputError('file is not UTF-8 text', file);
  }
}

function checkUnique(targets: Target[]): void {
  const seen = new Map<string, Target>();
  for (const t of targets) {
    const first = seen.get(t.name);
    if (first) {
      const where = (x: Target): string => `${x.source.file}:${x.source.line}`;
      throw new InputError(
        `target "${t.name}": duplicate name, defined at ${where(first)} and ${where(t)}`,
        t.source.file,
        t.source.line,
      );
    }
    seen.set(t.name, t);
  }
}
