import { createRequire } from 'node:module';
import type * as Commander from 'commander';

// Options are declared once, in tables (options.ts): the same entry makes commander's option and
// the type of its parsed value, so a command's flags are typed without a cast.

const { Option } = createRequire(import.meta.url)('commander') as typeof Commander;

/** One option; its key in the table is the attribute name commander gives it (`dnsTimeout` is --dns-timeout). */
export interface OptionSpec {
  /** What the value is called in the help (`seconds` shows as `<seconds>`); none for a switch. */
  value?: string;
  /** The help of `--NAME`; a switch without it has only its negative twin. */
  help?: string;
  /** The help of the switch's negative twin, `--no-NAME`. */
  no?: string;
  /** A one-letter alias, e.g. `-o`. */
  short?: `-${string}`;
  /**
   * Makes the value from the text (and the previous value, for a repeatable option). Declared as a
   * method, so that parsers of any value type fit.
   */
  parse?(value: string, previous: unknown): unknown;
  choices?: readonly string[];
  default?: string;
  required?: true;
}

export type OptionTable = Readonly<Record<string, OptionSpec>>;

/** A table as written, its literal types kept (choices, required) for `FlagsOf`. */
export const optionTable = <const T extends OptionTable>(table: T): T => table;

type ValueOf<S extends OptionSpec> = S extends { parse(value: string, previous: never): infer T }
  ? T
  : S extends { choices: readonly (infer C)[] }
    ? C
    : S extends { value: string }
      ? string
      : boolean;

/** Options that always have a value after parsing. */
type Given<S> = S extends { required: true } | { default: string } ? true : false;

/** The parsed flags of a command whose options are `T`. */
export type FlagsOf<T extends OptionTable> = {
  -readonly [K in keyof T as Given<T[K]> extends true ? K : never]: ValueOf<T[K]>;
} & {
  -readonly [K in keyof T as Given<T[K]> extends true ? never : K]?: ValueOf<T[K]>;
};

const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** The long flag of a table's key: `--dns-timeout` for `dnsTimeout`. */
export const longFlag = (key: string): string => `--${kebab(key)}`;

function positive(key: string, spec: OptionSpec & { help: string }): Commander.Option {
  const short = spec.short ? `${spec.short}, ` : '';
  const value = spec.value === undefined ? '' : ` <${spec.value}>`;
  const option = new Option(`${short}${longFlag(key)}${value}`, spec.help);
  if (spec.parse) option.argParser(spec.parse);
  if (spec.choices) option.choices(spec.choices);
  if (spec.default !== undefined) option.default(spec.default);
  if (spec.required) option.makeOptionMandatory();
  return option;
}

/** Commander's options for a table, in its order (a switch's --no- twin right after it). */
export function commanderOptions(table: OptionTable): Commander.Option[] {
  return Object.entries(table).flatMap(([key, spec]) => [
    ...(spec.help === undefined ? [] : [positive(key, { ...spec, help: spec.help })]),
    ...(spec.no === undefined ? [] : [new Option(`--no-${kebab(key)}`, spec.no)]),
  ]);
}

/** Adds a table's options to a command. */
export function withOptions(command: Commander.Command, table: OptionTable): Commander.Command {
  for (const option of commanderOptions(table)) command.addOption(option);
  return command;
}
