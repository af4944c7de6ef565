import type * as Commander from 'commander';
import { configOf, originOf } from './config.js';
import { EXIT } from './meta.js';

// `reachprobe config`: the effective configuration, one option a line, and where each value came from.

/** The option's value as written on the command line (captured as commander parsed it), in the file, or its default. */
function shown(
  command: Commander.Command,
  option: Commander.Option,
  raw: Map<string, string[]>,
): { value: string; origin: string } {
  const name = option.attributeName();
  const origin = originOf(command, name, configOf(command));
  if (origin.from === 'command line')
    return { value: (raw.get(name) ?? []).join(','), origin: 'command line' };
  if (origin.from === 'config')
    return { value: configOf(command)!.texts.get(name) ?? '', origin: `${origin.file}:${origin.line}` };
  const builtIn = /\(default:? ([^)]*)\)/.exec(option.description)?.[1];
  return { value: '-', origin: builtIn ? `default (${builtIn})` : 'default' };
}

function columns(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => rows.reduce((w, r) => Math.max(w, r[i]!.length), 0));
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function runConfig(command: Commander.Command, raw: Map<string, string[]>): number {
  const loaded = configOf(command);
  const file = loaded?.file ?? 'none (no --config, and no $XDG_CONFIG_HOME/reachprobe/config.yaml)';
  const targets = loaded?.targets
    ? [['targets', loaded.targets.paths.join(','), `${loaded.file}:${loaded.targets.line}`]]
    : [['targets', '-', 'default (the bundled targets/)']];
  // The negative twin of a switch (--no-color beside --color) is the same value: shown once.
  const options = command.options.filter(
    (o) =>
      o.long !== '--config' &&
      !(o.negate && command.options.some((p) => p !== o && p.attributeName() === o.attributeName())),
  );
  const rows = [
    ['option', 'value', 'from'],
    ...targets,
    ...options.map((o) => {
      const { value, origin } = shown(command, o, raw);
      return [o.long!.replace(/^--/, ''), value, origin];
    }),
  ];
  process.stdout.write(`config file: ${file}\n${columns(rows)}\n`);
  return EXIT.ok;
}
