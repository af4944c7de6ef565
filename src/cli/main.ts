import { createRequire } from 'node:module';
import type * as Commander from 'commander';
import {
  cidr,
  collect,
  countryCode,
  dnsServer,
  domainName,
  endpoint,
  helperUrl,
  httpsUrl,
  isoTime,
  labelPair,
  labels,
  list,
  listenAddress,
  networkText,
  pin,
  positiveInteger,
  seconds,
  secondsUpTo,
  serviceFrom,
  vantageLabel,
} from './flags.js';
import { addSetupCommands, configOption } from './setup.js';
import { VERDICT_NAMES, VERDICTS } from '../model/verdict.js';
import { EXIT, VERSION } from './meta.js';

// The command line. The measuring code is imported only when a command runs, so --help starts fast;
// commander is required, not imported: importing CommonJS from ESM first scans its source for names.
const { Command, CommanderError, Option } = createRequire(import.meta.url)('commander') as typeof Commander;

function program(): Commander.Command {
  const cli = new Command('reachprobe')
    .description(
      'Tells whether internet services are reachable from here, and when they are not, how they are blocked.',
    )
    .version(VERSION)
    .exitOverride()
    .showHelpAfterError('(reachprobe --help for usage)');

  const check = cli
    .command('check')
    .description('measure the targets in files or folders (default: the bundled targets/)')
    .argument(
      '[paths...]',
      'targets files (YAML, Citizen Lab CSV, a list of URLs; - for standard input) or folders of them',
    )
    .option('--only <names>', 'only these targets (comma-separated names)', list)
    .option('--service <name>', 'only targets of this service (repeatable, or comma-separated)', list)
    .option(
      '--category <codes>',
      'only targets of these Citizen Lab categories (category_code: NEWS,HUMR...)',
      list,
    )
    .option(
      '--service-from <what>',
      'the service of a Citizen Lab row: host (default) or category',
      serviceFrom,
    )
    .option(
      '--resolver <addr[:port]>',
      'DNS server for lookups and the raw UDP query (default: the system resolver)',
      dnsServer,
    )
    .option('--resolve <host:port:addr>', 'pin a name to an address, as curl does (repeatable)', collect(pin))
    .option('--ca <file>', 'also trust the CA certificates in this PEM file (repeatable)', collect(String))
    .option(
      '--timeout <seconds>',
      'deadline of every stage (default: dns 4, connect 10, tls 10, http 10)',
      seconds,
    )
    .option('--dns-timeout <seconds>', 'deadline of a DNS lookup', seconds)
    .option('--connect-timeout <seconds>', 'deadline of a TCP connect', seconds)
    .option('--tls-timeout <seconds>', 'deadline of a TLS handshake', seconds)
    .option('--http-timeout <seconds>', 'deadline of an HTTP round trip, body included', seconds)
    .option(
      '--dns-window <seconds>',
      'how long the raw DNS query listens after its first reply (default 1)',
      seconds,
    )
    .option('--concurrency <n>', 'targets measured at once (default 32)', positiveInteger(1024))
    .option(
      '--max-body <bytes>',
      'bytes of an HTTP body read at most with --transfer 0 (default 65536)',
      positiveInteger(1 << 30),
    )
    .option(
      '--transfer <bytes>',
      'bytes of an HTTP body downloaded at most, its rate measured (default 524288; 0: not measured)',
      positiveInteger(1 << 30, 0),
    )
    .option(
      '--sink <addr[:port]>',
      'an address across the border that runs no DNS server: any answer from it is forged',
      dnsServer,
    )
    .option(
      '--sink-timeout <seconds>',
      'how long a sink query waits for a forged answer (default 2)',
      seconds,
    )
    .option(
      '--sink-canary <names>',
      'innocuous names the sink must not answer (default www.example.com,www.iana.org)',
      list,
    )
    .option(
      '--control-doh <url>',
      'a control resolver over DNS-over-HTTPS, e.g. https://1.1.1.1/dns-query (repeatable)',
      collect(httpsUrl),
    )
    .option(
      '--forged-pool <file>',
      'addresses and CIDR ranges the censor answers with, one a line (weak evidence)',
    )
    .option(
      '--allow-answers <cidr>',
      'accept DNS answers in this range as genuine though private or loopback (repeatable)',
      collect(cidr),
    )
    .option(
      '--nx-domain <domain>',
      'a real domain without wildcard, for the NXDOMAIN-rewriting check (default example.com)',
      domainName,
    )
    .option(
      '--decoy-sni <name>',
      "the innocuous name checked first on each IP:port, as SNI or Host (default: a foreign control's, or www.example.org)",
    )
    .option('--no-decoy', 'no innocuous check first: faster, but no SNI/IP/Host attribution')
    // At most a minute: the older a pass, the likelier the IP:port has changed since.
    .option(
      '--decoy-reuse <seconds>',
      'a decoy that passed stands for the next targets on the same IP:port, over TCP and QUIC, for this long (default 10, at most 60; 0: a decoy for every target)',
      secondsUpTo(60),
    )
    .option(
      '--tries <n>',
      "tries of a target's own check on fresh connections while it is reset (default 3)",
      positiveInteger(10),
    )
    .option(
      '--sni-probe-addr <addr[:port]>',
      "a known-clean server to send a blocked target's SNI to as well (port 443 by default)",
      (v: string) => endpoint(v, 443),
    )
    .option(
      '--residual-check <seconds>',
      'after a block, re-check the IP:port with the decoy (1 s later, then every 5 s) for this long',
      seconds,
    )
    .option(
      '--quic',
      'measure every https target over QUIC too (default: only targets marked quic: true); its verdict, in "quic", adds not-offered: nothing answers QUIC there and nothing says the service speaks it',
    )
    .option('--no-quic', 'no QUIC handshake at all, whatever the targets file says')
    .option('--quic-timeout <seconds>', 'deadline of a QUIC handshake (default 5)', seconds)
    .option('--json', 'write JSON Lines to stdout: one object per target, then a summary')
    .option(
      '-o, --output <file>',
      'write the whole report as one JSON document to FILE, atomically; %Y %m %d %H %M %S (UTC start time) in FILE are filled in',
    )
    .option(
      '--prom <file>',
      "write Prometheus metrics to FILE for node_exporter's textfile collector (same % fields)",
    )
    .option(
      '--label <name>',
      'your name for this vantage point (e.g. bj-unicom-1), recorded in the report, JSON Lines and metrics; never detected',
      vantageLabel,
    )
    .option(
      '--network <text>',
      'the network of this vantage point, as you state it (e.g. "China Unicom"); needs --label',
      networkText,
    )
    .option(
      '--country <cc>',
      'the country of this vantage point, two letters (e.g. CN); needs --label',
      countryCode,
    )
    .addOption(colorOption('table'))
    .addOption(noColorOption('table'))
    .option(
      '--helper <url>',
      'a reachprobe helper abroad (https://host[:port][/prefix]): every target is measured there too, and its verdict decided against that control',
      helperUrl,
    )
    .option('--helper-token-file <file>', "the file holding the helper's bearer token (its first token)")
    .option(
      '--helper-resolve <host:port:addr>',
      "pin the helper's name to an address, as --resolve does (repeatable)",
      collect(pin),
    )
    .option(
      '--helper-timeout <seconds>',
      'how long a target waits for its control after it was sent (default 30)',
      seconds,
    )
    .option(
      '--mock <scenario>',
      'start a mock network (gfw, clean, or a scenario file) and measure its targets, all on loopback (with a helper abroad, unless --helper says otherwise)',
    )
    .addOption(configOption())
    .addHelpText('after', verdictHelp())
    .action(async (paths: string[], flags: Record<string, unknown>, command: Commander.Command) => {
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
  cli
    .command('helper')
    .description(
      'serve control measurements from an uncensored network (abroad) to probes that run check --helper, over HTTPS',
    )
    .requiredOption(
      '--listen <addr:port>',
      'the address and port to listen on, e.g. 0.0.0.0:8443 or [::]:8443',
      listenAddress,
    )
    .requiredOption('--cert <file>', "the server's certificate (PEM, chain included)")
    .requiredOption('--key <file>', "the server's private key (PEM)")
    .requiredOption(
      '--token-file <file>',
      'bearer tokens, one a line (# comments): each probe holds one; rotate by adding the new one, then removing the old',
    )
    .option(
      '--ca <file>',
      'also trust the CA certificates in this PEM file when measuring (repeatable)',
      collect(String),
    )
    .option(
      '--allow-answers <cidr>',
      'allow connections to this range though private or loopback: labs and tests only (repeatable)',
      collect(cidr),
    )
    .option('--base-path <prefix>', 'serve under this path, behind a reverse proxy (e.g. /reachprobe)')
    .option(
      '--resolver <addr[:port]>',
      'the DNS server the helper resolves targets with (default: the system resolver)',
      dnsServer,
    )
    .option('--source-address <addr>', 'make connections to targets from this local address')
    .option(
      '--timeout <seconds>',
      'deadline of every stage of a measurement (default: dns 4, connect 10, tls 10, http 10)',
      seconds,
    )
    .option(
      '--concurrency <n>',
      'targets of one request measured at once (default 32)',
      positiveInteger(1024),
    )
    .option(
      '--max-targets <n>',
      'targets in one request at most, 429 beyond (default 1000)',
      positiveInteger(100_000),
    )
    .option(
      '--max-measurements <n>',
      'targets measured at once for one token, all its requests together, 429 beyond (default 512)',
      positiveInteger(100_000),
    )
    .option(
      '--rate-limit <n>',
      'requests a minute for one token, 429 beyond (default 6000)',
      positiveInteger(1_000_000),
    )
    .option(
      '--max-request-bytes <n>',
      'bytes of a request body at most, 413 beyond (default 1048576)',
      positiveInteger(1 << 30),
    )
    .addHelpText(
      'after',
      '\nOne line per request goes to stderr: time, method, route, status, a hash prefix of the token, the count of targets, the time taken. Never a token, never a URL.\nExit status: 0 stopped by SIGINT or SIGTERM, 2 bad usage or input.',
    )
    .action(async (flags: Record<string, unknown>) => {
      const { runHelper } = await import('./helper.js');
      process.exitCode = await runHelper(flags);
    });
  cli
    .command('mock')
    .description(
      'run a censor in a box on loopback: the servers of a scenario, its resolver, sink and DoH control',
    )
    .option('--scenario <name>', 'gfw (default), clean, or a scenario file')
    .option('--write-targets <file>', 'write the targets file there (stdout gets the check command)')
    .option('--for <seconds>', 'stop after this long (default: run until interrupted)', seconds)
    .action(async (flags: Record<string, unknown>) => {
      const { runMock } = await import('./mock.js');
      process.exitCode = await runMock(flags);
    });
  cli
    .command('diff')
    .description(
      'what changed between two reports (check -o): verdicts that changed, targets that appeared or vanished',
    )
    .argument('<old>', 'the older report')
    .argument('<new>', 'the newer report')
    .option('--json', 'write the changes as one JSON object')
    .addOption(colorOption('table'))
    .addOption(noColorOption('table'))
    .addHelpText('after', '\nExit status: 0 nothing changed, 1 something changed, 2 bad usage or input.')
    .action(async (oldFile: string, newFile: string, flags: Record<string, unknown>) => {
      const { runDiff } = await import('./diff.js');
      process.exitCode = await runDiff(oldFile, newFile, flags);
    });
  cli
    .command('history')
    .description(
      'a timeline of many reports (check -o) per service and target, in the terminal or as one HTML page; with --db, time buckets from the store',
    )
    .argument(
      '[paths...]',
      'report files, or folders: every *.json in them (files there that are not reports are skipped, with a warning); none with --db',
    )
    .option(
      '--html <file>',
      'write a self-contained HTML page (a heatmap) to FILE instead of the terminal timeline',
    )
    .option('--last <n>', 'only the last N reports, by start time', positiveInteger(1_000_000))
    .option(
      '--db <file>',
      'answer from the store that `reachprobe ingest` fills: per target and time bucket, the share of each verdict',
    )
    .addOption(
      new Option('--by <bucket>', 'with --db: the time bucket, in UTC (default day)').choices([
        'hour',
        'day',
        'week',
      ]),
    )
    .option('--since <time>', 'with --db: only reports started at or after this time (ISO, UTC)', isoTime)
    .option('--until <time>', 'with --db: only reports started before this time (ISO, UTC)', isoTime)
    .option(
      '--label <names>',
      'with --db: only these vantage points (repeatable, or comma-separated)',
      labels,
    )
    .option('--compare <a,b>', 'with --db: two vantage points side by side, and where they differ', labelPair)
    .option('--json', 'with --db: write the buckets as one JSON object')
    .addOption(colorOption('timeline'))
    .addOption(noColorOption('timeline'))
    .addHelpText(
      'after',
      '\nExit status: 0 shown, 2 bad usage or input (a report named on the command line that cannot be read, a store\nof another version or in use).',
    )
    .action(async (paths: string[], flags: Record<string, unknown>) => {
      const { runHistory } = await import('./history.js');
      process.exitCode = await runHistory(paths, flags);
    });
  cli
    .command('ingest')
    .description(
      'add the reports (check -o) of folders to an embedded DuckDB store, each once, for history --db (docs/store.md)',
    )
    .argument(
      '<paths...>',
      'report files, or folders: every *.json in them (files there that are not reports are skipped, with a warning)',
    )
    .requiredOption('--db <file>', 'the store (a DuckDB file), made when missing')
    .addHelpText(
      'after',
      '\nOne transaction: every new report is added, or none. Safe from cron beside check; a second ingest on the\nsame store meanwhile exits 2.\n\nExit status: 0 done, 2 bad usage or input (a report named on the command line that cannot be read, a store\nof another version or in use).',
    )
    .action(async (paths: string[], flags: Record<string, unknown>) => {
      const { runIngest } = await import('./ingest.js');
      process.exitCode = await runIngest(paths, flags as unknown as import('./ingest.js').IngestFlags);
    });
  cli
    .command('export')
    .description(
      'one flat row per target per report (check -o), for a database: JSON Lines, CSV or Parquet (docs/export.md)',
    )
    .argument(
      '<paths...>',
      'report files, or folders: every *.json in them (files there that are not reports are skipped, with a warning)',
    )
    .addOption(
      new Option('--format <format>', 'jsonl, csv, or parquet (needs -o)')
        .choices(['jsonl', 'csv', 'parquet'])
        .default('jsonl'),
    )
    .option('-o, --output <file>', 'write to FILE, atomically, instead of stdout')
    .addHelpText(
      'after',
      '\nExit status: 0 written, 2 bad usage or input (a report named on the command line that cannot be read: no file is written).',
    )
    .action(async (paths: string[], flags: Record<string, unknown>) => {
      const { runExport } = await import('./export.js');
      process.exitCode = await runExport(paths, flags as unknown as import('./export.js').ExportFlags);
    });
  return cli;
}

// The same colour switches, in the same words, on every command that prints for people.
const colorOption = (what: string) =>
  new Option('--color', `colour the ${what} even when stdout is not a terminal`);
const noColorOption = (what: string) =>
  new Option('--no-color', `never colour the ${what} (NO_COLOR=1 does the same)`);

function verdictHelp(): string {
  const width = Math.max(...VERDICT_NAMES.map((v) => v.length));
  const lines = VERDICT_NAMES.map((v) => `  ${v.padEnd(width)}  ${VERDICTS[v]}`);
  return `\nVerdicts:\n${lines.join('\n')}\n\nExit status: 0 every target met its expect (or is reachable), 1 otherwise, 2 bad usage or input, 3 internal error,\n130 interrupted (Ctrl-C, SIGTERM: the report holds what finished, marked partial).`;
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
