import type * as Commander from 'commander';
import { longFlag, withOptions } from './option-table.js';
import { SELECTION, TARGETS, type CheckFlags, type TargetsFlags } from './options.js';

// The commands for setting up a vantage point: `config`, `doctor` and `targets`, and the config file
// every command that measures (or would) reads. They take check's options as check has them, so
// an option added to check is theirs, and a config key, at once.

export function addSetupCommands(cli: Commander.Command, check: Commander.Command): void {
  const config = cli
    .command('config')
    .description('print the effective configuration: every option of check, and where its value came from')
    .action(async (_flags: Record<string, unknown>, command: Commander.Command) => {
      const { runConfig } = await import('./config-print.js');
      process.exitCode = runConfig(command, rawValues);
    });
  withOptionsOf(config, check.options);
  const rawValues = typedValues(config);
  const doctor = cli
    .command('doctor')
    .description(
      'a preflight for a new vantage point: which of the settings work from here, and the command line to use',
    )
    .argument(
      '[paths...]',
      'targets files or folders: their controls are what doctor asks (default: the bundled targets/)',
    )
    .addHelpText(
      'after',
      '\nIt takes the options of check (and the config file), and tries the ones that reach the network.\n' +
        'Exit status: 0 usable, 1 something needs attention, 2 bad usage or input.',
    )
    .action(async (paths: string[], flags: CheckFlags, command: Commander.Command) => {
      const [{ runDoctor }, { configuredPaths }] = await Promise.all([
        import('./doctor.js'),
        import('./config.js'),
      ]);
      process.exitCode = await runDoctor(configuredPaths(paths, command), flags);
    });
  withOptionsOf(doctor, config.options);
  const targets = cli
    .command('targets')
    .description(
      'what check would measure (name, service, url, tags, quic), read and filtered as check does; sends nothing',
    )
    .argument(
      '[paths...]',
      'targets files (YAML, Citizen Lab CSV, a list of URLs; - for standard input) or folders of them',
    );
  withOptions(targets, TARGETS).action(
    async (paths: string[], flags: TargetsFlags, command: Commander.Command) => {
      const [{ runTargets }, { configuredPaths }] = await Promise.all([
        import('./targets.js'),
        import('./config.js'),
      ]);
      process.exitCode = await runTargets(configuredPaths(paths, command), flags);
    },
  );
  withOptionsOf(
    targets,
    check.options.filter((o) => SELECTED.includes(o.long ?? '')),
  );
  // Every command that reads the config file knows every key of it: config's options are them all.
  for (const command of [check, config, targets, doctor]) {
    command.hook('preAction', async (_cli, action) => {
      const { loadConfigInto } = await import('./config.js');
      loadConfigInto(action, config.options);
    });
  }
}

const SELECTED = [...Object.keys(SELECTION), 'config'].map(longFlag);

/** Adds the options the command does not have yet. */
function withOptionsOf(command: Commander.Command, options: readonly Commander.Option[]): void {
  const has = new Set(command.options.map((o) => o.long));
  for (const option of options) if (!has.has(option.long)) command.addOption(option);
}

/**
 * The values as typed, by attribute name, to print them as the user wrote them (seconds, not the
 * milliseconds parsed).
 */
function typedValues(command: Commander.Command): Map<string, string[]> {
  const raw = new Map<string, string[]>();
  for (const o of command.options) {
    command.on(`option:${o.name()}`, (v?: string) =>
      raw.set(o.attributeName(), [...(raw.get(o.attributeName()) ?? []), v ?? String(!o.negate)]),
    );
  }
  return raw;
}
