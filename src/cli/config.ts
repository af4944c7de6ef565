import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type * as Commander from 'commander';
import { isMap, isScalar, isSeq } from 'yaml';
import { InputError } from '../model/input-error.js';
import { checkKnown, fieldsOf, isEmpty, kind, Source, type Field } from '../targets/yaml.js';

// The config file: every option of `check` (and of `doctor`) by its long name, plus `targets`.
// The keys and their parsers are commander's own options, so an option added to `check` is a key
// here at once, parsed by the same function as on the command line. The command line wins.

/** Where an effective value came from, for `reachprobe config`. */
export type Origin =
  { from: 'command line' } | { from: 'config'; file: string; line: number } | { from: 'default' };

export interface LoadedConfig {
  file: string;
  /** Targets paths, relative to the config file's folder. */
  targets?: { paths: string[]; line: number };
  /** The line of each option's key, by attribute name. */
  lines: Map<string, number>;
  /** Each option's value as the file writes it, by attribute name. */
  texts: Map<string, string>;
}

const TARGETS_KEY = 'targets';

/** --config FILE, else $XDG_CONFIG_HOME/reachprobe/config.yaml when it exists, else none. */
export function configPath(
  given: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (given !== undefined) return given;
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  const path = join(base, 'reachprobe', 'config.yaml');
  return existsSync(path) ? path : undefined;
}

const keyOf = (option: Commander.Option): string => option.long!.replace(/^--/, '');

/**
 * Reads the config file into the command's options that the command line left unset. `known` is
 * every option a config file may hold (a key of another command's is no typo: it is skipped here).
 */
export function applyConfig(
  command: Commander.Command,
  file: string,
  known: readonly Commander.Option[],
): LoadedConfig {
  const src: Source = Source.parse(readConfig(file), file);
  const root = src.resolve(src.doc.contents);
  const loaded: LoadedConfig = { file, lines: new Map(), texts: new Map() };
  if (isEmpty(root)) return loaded;
  if (!isMap(root))
    src.fail(`the config file must be a mapping of option names to values, not ${kind(root)}`, root);
  const fields = fieldsOf(src, root);
  const options = new Map(known.filter((o) => o.long && keyOf(o) !== 'config').map((o) => [keyOf(o), o]));
  checkKnown(src, fields, [...options.keys(), TARGETS_KEY], 'config');
  const own = new Set(command.options.map((o) => o.long));
  for (const [key, field] of fields) {
    if (key === TARGETS_KEY) {
      loaded.targets = { paths: readPaths(src, field, dirname(file)), line: src.line(field.key) };
      continue;
    }
    // Every value is checked, so that any command finds a mistake the next cron run would stop at.
    const option = options.get(key)!;
    const value = valueOf(src, field, option, key);
    const name = option.attributeName();
    if (!own.has(option.long) || command.getOptionValueSource(name) === 'cli') continue;
    command.setOptionValueWithSource(name, value, 'config');
    loaded.lines.set(name, src.line(field.key));
    loaded.texts.set(name, textOf(src.resolve(field.value)));
  }
  return loaded;
}

function readConfig(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(
      `cannot read the config file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      file,
    );
  }
}

/** The value as the option's own parser makes it from the command line; a list is the option repeated. */
function valueOf(src: Source, field: Field, option: Commander.Option, key: string): unknown {
  const node = src.resolve(field.value);
  const at = field.value ?? field.key;
  if (option.isBoolean()) {
    if (!isScalar(node) || typeof node.value !== 'boolean')
      src.fail(`config: "${key}": must be true or false, not ${kind(node)}`, at);
    return option.negate ? !node.value : node.value;
  }
  const items = isSeq(node) ? node.items.map((i) => src.resolve(i)) : [node];
  let value: unknown;
  for (const item of items) {
    if (!isScalar(item) || isEmpty(item) || typeof item.value === 'object')
      src.fail(`config: "${key}": must be a value or a list of values, not ${kind(item)}`, at);
    const text = String(item.value);
    try {
      value = option.parseArg ? option.parseArg(text, value) : text;
    } catch (err) {
      src.fail(`config: "${key}": ${(err as Error).message}`, item);
    }
  }
  if (isSeq(node) && !Array.isArray(value)) src.fail(`config: "${key}": takes one value, not a list`, at);
  return value;
}

const textOf = (node: unknown): string =>
  isSeq(node) ? node.items.map(textOf).join(',') : isScalar(node) ? String(node.value) : '';

function readPaths(src: Source, field: Field, base: string): string[] {
  const node = src.resolve(field.value);
  const items = isSeq(node) ? node.items.map((i) => src.resolve(i)) : [node];
  return items.map((item) => {
    if (!isScalar(item) || typeof item.value !== 'string' || item.value === '')
      src.fail('config: "targets": must be a path or a list of paths', field.value ?? field.key);
    return item.value === '-' ? '-' : resolve(base, item.value);
  });
}

/** Where an option's value came from. */
export function originOf(command: Commander.Command, name: string, loaded: LoadedConfig | undefined): Origin {
  const source = command.getOptionValueSource(name);
  if (source === 'cli') return { from: 'command line' };
  const line = loaded?.lines.get(name);
  if (source === 'config' && loaded && line !== undefined) return { from: 'config', file: loaded.file, line };
  return { from: 'default' };
}

const loadedBy = new WeakMap<Commander.Command, LoadedConfig>();

/** The preAction hook of every command that reads the config file. */
export function loadConfigInto(command: Commander.Command, known: readonly Commander.Option[]): void {
  const file = configPath(command.opts<{ config?: string }>().config);
  if (file !== undefined) loadedBy.set(command, applyConfig(command, file, known));
}

export const configOf = (command: Commander.Command): LoadedConfig | undefined => loadedBy.get(command);

/** The targets paths of the command line, else the config file's. */
export const configuredPaths = (paths: string[], command: Commander.Command): string[] =>
  paths.length > 0 ? paths : (loadedBy.get(command)?.targets?.paths ?? []);
