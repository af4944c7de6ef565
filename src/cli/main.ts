import { createRequire } from 'node:module';
import type * as Commander from 'commander';
import { withOptions } from './option-table.js';
import {
  CHECK,
  DIFF,
  EXPORT,
  HELPER,
  HISTORY,
  INGEST,
  MOCK,
  type CheckFlags,
  type DiffFlags,
  type ExportFlags,
  type HelperFlags,
  type HistoryFlags,
  type IngestFlags,
  type MockFlags,
} from './options.js';
import { addSetupCommands } from './setup.js';
import { VERDICT_NAMES, VERDICTS } from '../model/verdict.js';
import { EXIT } from './meta.js';
import { VERSION } from '../model/version.js';

// The command line: each command's options are its table in options.ts. The measuring code is
// imported only when a command runs, so --help starts fast; commander is required, not imported:
// importing CommonJS from ESM first scans its source for names.
const { Command, CommanderError } = createRequire(import.meta.url)('commander') as typeof Commander;

function program(): Commander.Command {
  const cli = new Command('reachprobe')
    .description(
      'Tells whether internet services are reachable from here, and when they are not, how they are blocked.',
    )
    .version(VERSION)
    .exitOverride()
    .showHelpAfterError('(reachprobe --help for usage)')
    // Every message of the tool starts with its name, commander's usage errors too.
    .configureOutput({ outputError: (text, write) => write(text.replace(/^error: /, 'reachprobe: ')) });

  const check = withOptions(
    cli
      .command('check')
      .description('measure the targets in files or folders (default: the bundled targets/)')
      .argument(
        '[paths...]',
        'targets files (YAML, Citizen Lab CSV, a list of URLs; - for standard input) or folders of them',
      ),
    CHECK,
  )
    .addHelpText('after', verdictHelp())
    .action(async (paths: string[], flags: CheckFlags, command: Commander.Command) => {
      const [{ runCheck }, { configuredPaths }] = await Promise.all([
        import('./check.js'),
        import('./config.js'),
      ]);
      const status = await runCheck(configuredPaths(paths, command), flags);
      // Abandoned checks would hold the process until their deadlines. Writes to a pipe, file or
      // terminal are synchronous on Linux, so nothing written is lost.
      if (status === EXIT.interrupted) process.exit(status);
      process.exitCode = status;
    });
  addSetupCommands(cli, check);
  withOptions(
    cli
      .command('helper')
      .description(
        'serve control measurements from an uncensored network (abroad) to probes that run check --helper, ' +
          'over HTTPS',
      ),
    HELPER,
  )
    .addHelpText(
      'after',
      [
        '',
        'Timeouts: a TLS handshake within 10 s, request headers within 30 s, a whole request within 60 s,',
        'a connection with no byte either way for 30 s is closed; a request without a valid token is answered',
        'and closed without reading its body. A client that goes away cancels its measurements.',
        'One line per request goes to stderr: time, method, route, status (or "aborted"), a hash prefix of the',
        'token, the count of targets, the time taken. Never a token, never a URL.',
        'SIGHUP reloads the certificate, key and token file (a bad pair is refused, the old one kept).',
        "Exit status: 0 stopped by SIGINT or SIGTERM, 2 bad usage or input (a key that is not the certificate's).",
      ].join('\n'),
    )
    .action(async (flags: HelperFlags) => {
      const { runHelper } = await import('./helper.js');
      process.exitCode = await runHelper(flags);
    });
  withOptions(
    cli
      .command('mock')
      .description(
        'run a censor in a box on loopback: the servers of a scenario, its resolver, sink and DoH control',
      ),
    MOCK,
  ).action(async (flags: MockFlags) => {
    const { runMock } = await import('./mock.js');
    process.exitCode = await runMock(flags);
  });
  withOptions(
    cli
      .command('diff')
      .description(
        'what changed between two reports (check -o): verdicts that changed, targets that appeared or vanished',
      )
      .argument('<old>', 'the older report')
      .argument('<new>', 'the newer report'),
    DIFF,
  )
    .addHelpText('after', '\nExit status: 0 nothing changed, 1 something changed, 2 bad usage or input.')
    .action(async (oldFile: string, newFile: string, flags: DiffFlags) => {
      const { runDiff } = await import('./diff.js');
      process.exitCode = await runDiff(oldFile, newFile, flags);
    });
  withOptions(
    cli
      .command('history')
      .description(
        'a timeline of many reports (check -o) per service and target, in the terminal or as one HTML page; ' +
          'with --db, time buckets from the store',
      )
      .argument(
        '[paths...]',
        'report files, or folders: every *.json in them (files there that are not reports are skipped, ' +
          'with a warning); none with --db',
      ),
    HISTORY,
  )
    .addHelpText(
      'after',
      '\nExit status: 0 shown, 2 bad usage or input (a report named on the command line that cannot be read, ' +
        'a store\nof another version or in use).',
    )
    .action(async (paths: string[], flags: HistoryFlags) => {
      const { runHistory } = await import('./history.js');
      process.exitCode = await runHistory(paths, flags);
    });
  withOptions(
    cli
      .command('ingest')
      .description(
        'add the reports (check -o) of folders to an embedded DuckDB store, each once, for history --db ' +
          '(docs/store.md)',
      )
      .argument('<paths...>', REPORT_PATHS),
    INGEST,
  )
    .addHelpText(
      'after',
      '\nOne transaction: every new report is added, or none. Safe from cron beside check; a second ingest ' +
        'on the\nsame store meanwhile exits 2.\n\nExit status: 0 done, 2 bad usage or input (a report named ' +
        'on the command line that cannot be read, a store\nof another version or in use).',
    )
    .action(async (paths: string[], flags: IngestFlags) => {
      const { runIngest } = await import('./ingest.js');
      process.exitCode = await runIngest(paths, flags);
    });
  withOptions(
    cli
      .command('export')
      .description(
        'one flat row per target per report (check -o), for a database: JSON Lines, CSV or Parquet ' +
          '(docs/export.md)',
      )
      .argument('<paths...>', REPORT_PATHS),
    EXPORT,
  )
    .addHelpText(
      'after',
      '\nExit status: 0 written, 2 bad usage or input (a report named on the command line that cannot be ' +
        'read: no file is written).',
    )
    .action(async (paths: string[], flags: ExportFlags) => {
      const { runExport } = await import('./export.js');
      process.exitCode = await runExport(paths, flags);
    });
  // A subcommand's usage error points to that subcommand's help (the settings above are inherited).
  for (const sub of cli.commands) sub.showHelpAfterError(`(reachprobe ${sub.name()} --help for usage)`);
  return cli;
}

const REPORT_PATHS =
  'report files, or folders: every *.json in them (files there that are not reports are skipped, with a warning)';

/** `head` then the words, filled into lines of at most `width` columns, the next ones indented as the first. */
function fill(head: string, text: string, width: number): string {
  const lines: string[] = [];
  let line = head;
  for (const word of text.split(' ')) {
    const next = line === '' || line.endsWith(' ') ? line + word : `${line} ${word}`;
    if (line.trim() !== '' && next.length > width) {
      lines.push(line);
      line = ' '.repeat(head.length) + word;
    } else line = next;
  }
  return [...lines, line].join('\n');
}

/** The verdicts and exit statuses, within 100 columns. */
function verdictHelp(): string {
  const width = Math.max(...VERDICT_NAMES.map((v) => v.length));
  const lines = VERDICT_NAMES.map((v) => fill(`  ${v.padEnd(width)}  `, VERDICTS[v], 100));
  const exit =
    'Exit status: 0 every target met its expect (or is reachable), 1 otherwise, 2 bad usage or input, 3 internal ' +
    'error, 130 interrupted (Ctrl-C, SIGTERM: the report holds what finished, marked partial).';
  return `\nVerdicts:\n${lines.join('\n')}\n\n${fill('', exit, 100)}`;
}

function exitStatusOf(err: Commander.CommanderError): number {
  return err.code === 'commander.helpDisplayed' ||
    err.code === 'commander.version' ||
    err.code === 'commander.help'
    ? EXIT.ok
    : EXIT.usage; // commander would exit 1 on a usage error: 1 means "a target missed", so 2
}

/** A reader that goes away (`| head`) is not an error: stop writing, keep the exit status. */
function quietOnClosedPipe() {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.stdout.write = () => true;
  });
}

export async function main(argv: string[]): Promise<void> {
  quietOnClosedPipe();
  try {
    await program().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = exitStatusOf(err);
      return;
    }
    const { InputError } = await import('../model/input-error.js');
    if (err instanceof InputError) {
      process.stderr.write(`reachprobe: ${err.describe()}\n`);
      process.exitCode = EXIT.usage;
      return;
    }
    process.stderr.write(
      `reachprobe: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exitCode = EXIT.internal;
  }
}
