import net from 'node:net';
import { randomUUID } from 'node:crypto';
import { formatServer } from '../model/addresses.js';
import { InputError } from '../model/input-error.js';
import type { TargetList } from '../model/target.js';
import type { VantagePoint } from '../model/vantage-point.js';
import { SCHEMA_VERSION, type InterruptedRun, type ReportDocument } from '../report/document/document.js';
import { TargetSeries } from '../report/prometheus/series.js';
import { resultLine, summaryLine } from '../report/document/jsonl.js';
import { drained } from '../report/document/atomic-stream.js';
import { DocumentStream, type DocumentHead } from '../report/document/stream.js';
import { RunTable } from '../report/terminal/run-table.js';
import type { ProbeEnv, ProbeOptions } from '../run/options.js';
import { runProbe, type RunOutput } from '../run/run.js';
import { chalkFor } from './color.js';
import { collectGarbage } from './heap.js';
import { EXIT } from './meta.js';
import { VERSION } from '../model/version.js';
import type { CheckFlags } from './options.js';
import { progressLine } from './progress.js';
import { interruptOnSignals, type StopSignal } from './interrupt.js';
import { LineBatch } from './line-batch.js';
import { OutputFile } from './output-file.js';
import { envFrom, optionsFrom, withMockNetwork, type Given } from './probe-flags.js';
import { targetListFrom } from './selection.js';
import { tracedWhen } from './verbose.js';

/** On a terminal the table fits its width, unless --wide; piped, its lines stay whole (for grep). */
const tableFit = (flags: CheckFlags) => ({
  width: process.stdout.isTTY && !flags.wide ? process.stdout.columns : undefined,
});

/** --decoy-sni, or a foreign control's name (innocuous by definition), or the default; none with --no-decoy. */
function decoyFor(flags: CheckFlags, targets: TargetList, fallback: string | undefined): string | undefined {
  if (flags.decoy === false) return undefined;
  return flags.decoySni ?? foreignControlName(targets) ?? fallback;
}

function foreignControlName(targets: TargetList): string | undefined {
  for (let i = 0; i < targets.length; i++) {
    const t = targets.at(i)!;
    if (t.role === 'control-foreign' && net.isIP(t.host) === 0) return t.host;
  }
  return undefined;
}

function describeOptions(
  paths: string[],
  flags: CheckFlags,
  options: ProbeOptions,
  env: ProbeEnv,
): Record<string, unknown> {
  return {
    targets_files: paths,
    mock: flags.mock ?? null,
    timeouts_ms: options.timeouts,
    dns_window_ms: options.dnsWindowMs,
    concurrency: options.concurrency,
    max_body_bytes: options.maxBodyBytes,
    transfer_bytes: options.transferBytes,
    resolver: env.resolver.name,
    dns_server: env.dnsServer ? formatServer(env.dnsServer) : null,
    pins: Object.fromEntries(options.pins),
    extra_ca_files: env.ca.length,
    sink: env.sink ? formatServer(env.sink) : null,
    sink_timeout_ms: options.sinkTimeoutMs,
    sink_canaries: options.sinkCanaries,
    control_doh: env.controls,
    allow_answers: flags.allowAnswers ?? [],
    forged_pool: flags.forgedPool ?? null,
    nx_probe_domain: options.nxProbeDomain,
    decoy_name: options.decoyName ?? null,
    decoy_reuse_ms: options.decoyReuseMs,
    tries: options.tries,
    max_redirects: options.maxRedirects,
    sni_probe: options.sniProbe ? formatServer(options.sniProbe) : null,
    residual_check_ms: options.residualCheckMs,
    quic: options.quic,
    quic_timeout_ms: options.quicTimeoutMs,
    helper: flags.helper ?? null,
  };
}

/** Runs `check`; returns the exit status. Bad input throws InputError before anything is measured. */
export async function runCheck(paths: string[], flags: CheckFlags): Promise<number> {
  if (flags.mock === undefined) return tracedWhen(flags.verbose, () => measure(paths, flags));
  if (paths.length > 0)
    throw new InputError("--mock measures its scenario's own targets: give no targets files with it");
  return withMockNetwork(flags, (mocked, given) =>
    tracedWhen(flags.verbose, () => measure([], mocked, given)),
  );
}

interface Outputs {
  report?: OutputFile;
  prom?: OutputFile;
}

/** -o and --prom, claimed before the run (folder made, lock taken). */
function claimOutputs(flags: CheckFlags, startedAt: Date): Outputs {
  const report = flags.output === undefined ? undefined : OutputFile.claim(flags.output, startedAt);
  try {
    return {
      ...(report ? { report } : {}),
      ...(flags.prom === undefined ? {} : { prom: OutputFile.claim(flags.prom, startedAt) }),
    };
  } catch (err) {
    report?.release();
    throw err;
  }
}

function interruptionOf(run: RunOutput, signal: AbortSignal): InterruptedRun | undefined {
  if (!run.interrupted) return undefined;
  const { at, abandoned, notStarted } = run.interrupted;
  run.summary.notes.push(
    `interrupted by ${String(signal.reason)}: ${abandoned.length} running targets abandoned, ` +
      `${notStarted} not started; the report is partial`,
  );
  return { signal: signal.reason as StopSignal, at: at.toISOString(), abandoned, not_started: notStarted };
}

interface Run {
  paths: string[];
  flags: CheckFlags;
  options: ProbeOptions;
  env: ProbeEnv;
}

/** Which run, and where from: the JSON summary line, the document and the metrics all say it. */
type Identity = Pick<ReportDocument, 'report_id' | 'vantage_point'>;

function identityOf(flags: CheckFlags): Identity {
  if (flags.label === undefined && (flags.network !== undefined || flags.country !== undefined)) {
    throw new InputError('--network and --country describe a vantage point: give its --label too');
  }
  const vantage: VantagePoint | undefined =
    flags.label === undefined
      ? undefined
      : {
          label: flags.label,
          ...(flags.network === undefined ? {} : { network: flags.network }),
          ...(flags.country === undefined ? {} : { country: flags.country }),
        };
  return { report_id: randomUUID(), ...(vantage ? { vantage_point: vantage } : {}) };
}

/** Whether the run was cut short, as the JSON summary line and the document both say it. */
type Completeness = Pick<ReportDocument, 'partial' | 'interrupted'>;

const completenessOf = (interrupted: InterruptedRun | undefined): Completeness => ({
  partial: interrupted !== undefined,
  ...(interrupted ? { interrupted } : {}),
});

/** The document's fields known before the run. */
function headOf(run: Run, { report_id, vantage_point }: Identity): DocumentHead {
  return {
    schema_version: SCHEMA_VERSION,
    report_id,
    tool: { name: 'reachprobe', version: VERSION },
    ...(vantage_point ? { vantage_point } : {}),
    options: describeOptions(run.paths, run.flags, run.options, run.env),
  };
}

/** What each output does with a result as it comes, and at the end of the run. */
interface Sinks {
  report?: DocumentStream;
  table?: RunTable;
  prom?: TargetSeries;
}

/** One output's end: its name, for the message that says it failed. */
type Ending = [name: string, finish: () => Promise<void> | void];

/**
 * Ends every output, the -o report first: one that fails (a full disk, a table that cannot render)
 * costs no other. Returns what failed, each named.
 */
async function endOutputs(endings: Ending[]): Promise<Array<{ name: string; error: unknown }>> {
  const failed = [];
  for (const [name, finish] of endings) {
    try {
      await finish();
    } catch (error) {
      failed.push({ name, error });
    }
  }
  return failed;
}

/** Says which outputs failed and why; bad input (an unwritable file) is status 2, anything else 3. */
function reportFailures(failed: Array<{ name: string; error: unknown }>): number {
  for (const { name, error } of failed) {
    const why =
      error instanceof InputError
        ? error.describe()
        : error instanceof Error
          ? (error.stack ?? error.message)
          : String(error);
    process.stderr.write(`reachprobe: ${name} failed, the other outputs were written: ${why}\n`);
  }
  return failed.every(({ error }) => error instanceof InputError) ? EXIT.usage : EXIT.internal;
}

async function measure(paths: string[], flags: CheckFlags, given?: Given): Promise<number> {
  const options = optionsFrom(flags, given?.options);
  const identity = identityOf(flags);
  const targets = await targetListFrom(paths, flags, given?.targets);
  collectGarbage(); // what reading the targets left, before it sizes the heap for the whole run
  options.decoyName = decoyFor(flags, targets, options.decoyName);
  const env = envFrom(flags, options, given?.ca ?? [], given?.helperToken);
  const files = claimOutputs(flags, env.clock.date());
  const interrupt = interruptOnSignals(process.stderr);
  // Results stream to every output as they come: each keeps only what it needs of them.
  const sinks: Sinks = {
    ...(files.report
      ? { report: new DocumentStream(files.report.file, headOf({ paths, flags, options, env }, identity)) }
      : {}),
    ...(flags.json ? {} : { table: new RunTable() }),
    ...(files.prom ? { prom: new TargetSeries() } : {}),
  };
  const lines = flags.json ? new LineBatch(process.stdout) : undefined;
  // A second Ctrl-C exits at once: no half-written temporary file is left behind, and the results
  // that finished are written (to a file, a pipe or a terminal, a write is synchronous on Linux).
  const atExit = () => {
    lines?.flush();
    sinks.report?.abortNow();
  };
  process.on('exit', atExit);
  try {
    // The trace's lines are the progress with --verbose: a redrawn line would break them.
    const progress = progressLine(process.stderr, targets.length, !flags.verbose);
    const run = await runProbe(targets, options, env, {
      keepResults: false,
      signal: interrupt.signal,
      ready: () => (flags.json ? drained(process.stdout) : undefined) ?? sinks.report?.behind(),
      onStart: (t) => progress.started(t),
      onResult: (r, _done, _total, at) => {
        progress.finished(r.name);
        lines?.add(`${resultLine(r)}\n`);
        sinks.report?.add(r, at);
        sinks.table?.add(r, at);
        sinks.prom?.add(r, at);
      },
    }).finally(() => {
      lines?.flush();
      return Promise.all([env.doh?.destroy(), env.helper?.close()]);
    });
    progress.clear();
    const facts = { ...identity, ...completenessOf(interruptionOf(run, interrupt.signal)) };
    const { summary } = run;
    const { report_id: _id, vantage_point, ...completeness } = facts;
    const { report, table, prom: series } = sinks;
    const endings: Ending[] = [];
    if (report && files.report)
      endings.push([
        `the report ${files.report.file}`,
        async () => {
          await written(files.report!, report.finish({ ...completeness, summary }));
          // Said to a person watching, as history --html and export say it; a cron job's stderr stays quiet.
          if (process.stderr.isTTY)
            process.stderr.write(`wrote ${files.report!.file}: ${summary.targets} target(s)\n`);
        },
      ]);
    if (files.prom && series) {
      const prom = files.prom;
      endings.push([
        `the metrics ${prom.file}`,
        () => prom.write(series.render(summary, facts.partial, vantage_point)),
      ]);
    }
    if (flags.json)
      endings.push([
        'the summary line',
        () => void process.stdout.write(`${summaryLine({ ...summary, ...facts })}\n`),
      ]);
    if (table)
      endings.push([
        'the table',
        () =>
          void process.stdout.write(
            table.render(summary, chalkFor(process.stdout, flags.color), tableFit(flags)),
          ),
      ]);
    const failed = await endOutputs(endings);
    if (failed.length > 0) return reportFailures(failed);
    if (facts.partial) return EXIT.interrupted;
    return summary.unmet === 0 ? EXIT.ok : EXIT.unmet;
  } finally {
    await sinks.report?.abort(); // nothing left of it unless it was put in place
    process.off('exit', atExit);
    interrupt.dispose();
    files.report?.release();
    files.prom?.release();
  }
}

/** A write of an output file, its failure an InputError naming the file (as OutputFile.write says it). */
async function written(file: OutputFile, writing: Promise<void>): Promise<void> {
  try {
    await writing;
  } catch (err) {
    throw new InputError(`cannot write: ${(err as Error).message}`, file.file);
  }
}
