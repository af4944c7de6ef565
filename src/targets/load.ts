import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../model/input-error.js';
import type { Target } from '../model/target.js';
import { parseTargets } from './parse.js';
import { didYouMean } from './suggest.js';

/** Targets files are hand-written lists; anything bigger is the wrong file. */
const MAX_BYTES = 5 * 1024 * 1024;

/**
 * Reads targets from files and folders (every *.yaml and *.yml file directly in a folder, in name
 * order). Target names must be unique across all of them.
 */
export async function loadTargets(paths: string[]): Promise<Target[]> {
  if (paths.length === 0) throw new InputError('no targets file or folder given');
  const targets: Target[] = [];
  for (const path of paths) {
    for (const file of await filesIn(path)) targets.push(...parseTargets(await readText(file), file));
  }
  checkUnique(targets);
  return targets;
}

export interface TargetFilter {
  /** Exact target names. */
  only?: string[];
  /** Service names, ignoring case. */
  services?: string[];
}

/**
 * The targets that pass every filter given, in their original order. A name or service that
 * matches no target is an InputError: it is a typo, and measuring nothing would hide it.
 */
export function filterTargets(targets: Target[], filter: TargetFilter): Target[] {
  const { only = [], services = [] } = filter;
  const names = new Set(targets.map((t) => t.name));
  for (const name of only) {
    if (!names.has(name)) throw new InputError(`unknown target name "${name}"${didYouMean(name, names)}`);
  }
  const known = new Set(targets.map((t) => t.service.toLowerCase()));
  for (const service of services) {
    if (!known.has(service.toLowerCase())) {
      throw new InputError(`unknown service "${service}"${didYouMean(service, known)}`);
    }
  }
  const wanted = new Set(services.map((s) => s.toLowerCase()));
  return targets.filter(
    (t) => (only.length === 0 || only.includes(t.name)) && (wanted.size === 0 || wanted.has(t.service.toLowerCase())),
  );
}

/** The file itself, or the YAML files directly inside a folder. */
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
    .filter((e) => !e.isDirectory() && /\.ya?ml$/.test(e.name))
    .map((e) => e.name)
    .sort();
  if (files.length === 0) throw new InputError('folder has no *.yaml or *.yml files', path);
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

/** "cannot read: no such file or directory (ENOENT)" from a Node file-system error. */
function osError(path: string, err: unknown): InputError {
  const { code, message } = err as NodeJS.ErrnoException;
  // Node's messages read "ENOENT: no such file or directory, open 'x'"; keep the plain words.
  const words = /^[A-Z0-9_]+: ([^,]+)/.exec(message)?.[1] ?? message;
  return new InputError(`cannot read: ${words}${code ? ` (${code})` : ''}`, path);
}

function checkUnique(targets: Target[]): void {
  const seen = new Map<string, Target>();
  for (const t of targets) {
    const first = seen.get(t.name);
    if (first) {
      const where = (x: Target): string => `${x.source.file}:${x.source.line}`;
      throw new InputError(`target "${t.name}": duplicate name, defined at ${where(first)} and ${where(t)}`, t.source.file, t.source.line);
    }
    seen.set(t.name, t);
  }
}
