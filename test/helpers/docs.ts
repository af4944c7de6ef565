// The documentation walked as a reader would: each Markdown file's commands run in order from a scratch
// folder of its own, its output samples compared with what the tool prints now (or rewritten, for
// `npm run docs:samples`). The rules are in docs/development.md.
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BIN, exec, ROOT, type Ran } from './cli.js';

/** A shell command shown in a code block, run on its own in the file's scratch folder. */
export interface Command {
  kind: 'command';
  line: number;
  command: string;
}

/**
 * An output sample: `<!-- sample: COMMAND -->` on the line before a code block whose content is what
 * COMMAND prints (after a first `$ COMMAND` line when the block shows one).
 */
export interface Sample {
  kind: 'sample';
  line: number;
  command: string;
  /** Index of the block's first content line and of its closing fence. */
  from: number;
  to: number;
  prompt: boolean;
}

/** `<!-- walkthrough -->` before a code block: the whole block runs as one script, every line of it. */
export interface Walkthrough {
  kind: 'walkthrough';
  line: number;
  script: string;
}

export type Step = Command | Sample | Walkthrough;

const SHELL_BLOCK = /^(sh|bash|console|shell)$/;
const COMMAND = /(^|[|&;]\s*)reachprobe\s/;
const SAMPLE = /^<!-- sample: (.+) -->$/;
const WALKTHROUGH = /^<!-- walkthrough -->$/;
const FENCE = /^\s*```(\S*)/;

/** The end of the code block opening at `open` (the index of its closing fence). */
function blockEnd(lines: string[], open: number, file: string): number {
  for (let i = open + 1; i < lines.length; i++) if (FENCE.test(lines[i]!)) return i;
  throw new Error(`${file}:${open + 1}: a code block that never closes`);
}

/** The commands of one shell block, with continuation lines joined. */
function commandsOf(lines: string[], from: number, to: number, shell: boolean): Command[] {
  const found: Command[] = [];
  for (let i = from; i < to; i++) {
    let line = lines[i]!.trim();
    const start = i;
    while (line.endsWith('\\') && i + 1 < to) line = `${line.slice(0, -1)} ${lines[++i]!.trim()}`;
    const prompted = line.startsWith('$ ') ? line.slice(2) : undefined;
    const command = prompted ?? (shell ? line : undefined);
    if (command !== undefined && COMMAND.test(command))
      found.push({ kind: 'command', line: start + 1, command });
  }
  return found;
}

/** The steps of a Markdown file, in order. */
export function stepsIn(file: string, text: string): Step[] {
  const lines = text.split('\n');
  const steps: Step[] = [];
  let marker: { sample?: string; line: number } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const sample = SAMPLE.exec(line.trim());
    if (sample || WALKTHROUGH.test(line.trim())) {
      marker = { line: i + 1, ...(sample ? { sample: sample[1]!.trim() } : {}) };
      continue;
    }
    const fence = FENCE.exec(line);
    if (!fence) {
      if (marker && line.trim() !== '')
        throw new Error(`${file}:${marker.line}: a marker not followed by a block`);
      continue;
    }
    const end = blockEnd(lines, i, file);
    if (marker?.sample !== undefined) {
      const prompt = lines[i + 1]?.startsWith('$ ') ?? false;
      steps.push({ kind: 'sample', line: marker.line, command: marker.sample, from: i + 1, to: end, prompt });
    } else if (marker)
      steps.push({ kind: 'walkthrough', line: marker.line, script: lines.slice(i + 1, end).join('\n') });
    else steps.push(...commandsOf(lines, i + 1, end, SHELL_BLOCK.test(fence[1]!)));
    marker = undefined;
    i = end;
  }
  return steps;
}

/** Why a command is not run, or undefined when it is. */
export function skipReason(command: string): string | undefined {
  if (/#[^'"]*network/.test(command)) return 'marked as needing the network';
  const sub = /reachprobe\s+(\S+)/.exec(command)?.[1];
  if (
    (sub === 'check' || sub === 'doctor') &&
    !command.includes('--mock') &&
    !/\s(-h|--help)\b/.test(command)
  )
    return 'measures real targets';
  if (sub === 'mock') return 'runs until interrupted';
  return undefined;
}

const TMP = tmpdir().replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** What a sample shows of a run: the output, with the scratch folders' paths cut to `/…/`. */
export function presented(output: string): string {
  return output
    .replace(new RegExp(`${TMP}/[^\\s/]+/`, 'g'), '/…/')
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n')
    .trimEnd();
}

/**
 * A sample with what changes from run to run made equal: times, durations, ports, ids, and the
 * column widths they move.
 */
export function normalised(output: string): string {
  return presented(output)
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, 'TIME')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, 'UUID')
    .replace(/\brp-[0-9a-f]{12}\b/g, 'rp-ID')
    .replace(/("\w*(_ms|port)"): [\d.]+/g, '$1: N')
    .replace(/\b\d+(\.\d+)? ?(ms|s)\b/g, 'N $2')
    .replace(/:\d{2,5}\b/g, ':PORT')
    .replace(/ {2,}/g, '  ')
    .replace(
      /^(\d+ targets in N s: )(.*?)(; vantage .*)$/gm,
      (_, head: string, counts: string, tail: string) =>
        // Verdicts with the same count are listed in the order they came.
        head + counts.split(', ').sort().join(', ') + tail,
    );
}

/** A scratch folder that sees the repository's targets, tests and sources, with no config file. */
export async function scratchFolder(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'reachprobe-docs-'));
  for (const sub of ['targets', 'test', 'src']) await symlink(path.join(ROOT, sub), path.join(dir, sub));
  await mkdir(path.join(dir, 'xdg'));
  // `reachprobe` as an executable, not a shell function: `reachprobe helper ... &` is then the helper's
  // own process, which `kill %1` and a walkthrough's end stop (a function's subshell would orphan it).
  await mkdir(path.join(dir, '.bin'));
  await writeFile(
    path.join(dir, '.bin/reachprobe'),
    `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`,
    {
      mode: 0o755,
    },
  );
  return dir;
}

/** Runs a shell script in `cwd`, where `reachprobe` is the built CLI (see scratchFolder). */
export function shell(script: string, cwd: string, timeout = 60_000): Promise<Ran> {
  const env = {
    XDG_CONFIG_HOME: path.join(cwd, 'xdg'),
    HOME: cwd,
    PATH: `${path.join(cwd, '.bin')}:${process.env.PATH ?? ''}`,
  };
  return exec('bash', ['-c', script], env, timeout, cwd);
}

/** A walkthrough runs as one script: it stops at the first failure, and its background jobs end with it. */
export const walkthroughScript = (script: string): string =>
  `set -euo pipefail\ntrap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n${script}`;

export interface Walked {
  /** Commands that exited 2 or more (bad usage, bad input, internal error; 1 is a result). */
  failures: string[];
  /** Each sample with what its command prints now. */
  samples: Array<{ sample: Sample; output: string }>;
}

/**
 * A sample's command split at its first pipe: several samples can show parts of one mock run
 * (`reachprobe check --mock gfw --only ... | grep -A1 '^Google'`), which is then made once.
 */
export function pipeline(command: string): { base: string; rest?: string } {
  const at = command.indexOf(' | ');
  return at < 0 ? { base: command } : { base: command.slice(0, at), rest: command.slice(at + 3) };
}

/** Runs a sample's command, reusing a mock run already made for the same command before its pipe. */
export async function runSample(command: string, cwd: string, runs: Map<string, Ran>): Promise<Ran> {
  const { base, rest } = pipeline(command);
  if (!base.includes('--mock')) return shell(command, cwd);
  let ran = runs.get(base);
  if (!ran) runs.set(base, (ran = await mockRun(base, cwd)));
  if (rest === undefined) return ran;
  const piped = await shell(`${rest} <<'REACHPROBE_SAMPLE'\n${ran.stdout}\nREACHPROBE_SAMPLE`, cwd);
  return { ...piped, status: ran.status };
}

/**
 * Runs a command on a mock network. Every target of the bundled scenarios meets its `expect`, so exit
 * status 1 is a server slowed past a deadline on a loaded machine: up to two more runs decide.
 */
export async function mockRun(command: string, cwd: string): Promise<Ran> {
  let ran = await shell(command, cwd);
  for (let more = 2; ran.status === 1 && more > 0; more--) ran = await shell(command, cwd);
  return ran;
}

/** Runs a file's steps in order in a scratch folder of its own. */
export async function walk(file: string, steps: Step[]): Promise<Walked> {
  const cwd = await scratchFolder();
  const runs = new Map<string, Ran>();
  const walked: Walked = { failures: [], samples: [] };
  const failed = (step: Step, what: string, r: Ran) =>
    walked.failures.push(`${file}:${step.line}: ${what} exited ${r.status}: ${lastLines(r.stderr)}`);
  try {
    for (const step of steps) {
      if (step.kind === 'walkthrough') {
        const r = await shell(walkthroughScript(step.script), cwd, 120_000);
        if (r.status !== 0) failed(step, 'the walkthrough', r);
      } else if (step.kind === 'sample' || skipReason(step.command) === undefined) {
        const r =
          step.kind === 'sample' ? await runSample(step.command, cwd, runs) : await shell(step.command, cwd);
        if (r.status !== 0 && r.status !== 1) failed(step, `\`${step.command}\``, r);
        // A mock run that still misses its expect is no sample to show (nor to compare with).
        else if (step.kind === 'sample' && r.status === 1 && step.command.includes('--mock'))
          walked.failures.push(`${file}:${step.line}: \`${step.command}\` missed its expect three times`);
        else if (step.kind === 'sample') walked.samples.push({ sample: step, output: r.stdout });
      }
    }
  } finally {
    await rm(cwd, { recursive: true, force: true });
  }
  return walked;
}

const lastLines = (text: string) => text.trim().split('\n').slice(-3).join(' / ');

/** The block's content as the sample shows it. */
export function sampleText(sample: Sample, output: string): string {
  const body = presented(output);
  return sample.prompt ? `$ ${sample.command}\n${body}` : body;
}

/** The file's text with each sample's block replaced by what its command printed. */
export function withSamples(text: string, samples: Walked['samples']): string {
  const lines = text.split('\n');
  for (const { sample, output } of [...samples].sort((a, b) => b.sample.from - a.sample.from))
    lines.splice(sample.from, sample.to - sample.from, ...sampleText(sample, output).split('\n'));
  return lines.join('\n');
}

/** The block's current content. */
export const shownText = (text: string, sample: Sample): string =>
  text.split('\n').slice(sample.from, sample.to).join('\n');
