import { mkdir, mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, exec, ROOT } from './helpers/cli.js';

// Every reachprobe command shown in README.md and docs/*.md that needs no network is run, so the
// documentation cannot drift from the tool. The rules are in docs/development.md.

interface Shown {
  file: string;
  line: number;
  command: string;
}

const SHELL_BLOCK = /^(sh|bash|console|shell)$/;
const COMMAND = /(^|[|&;]\s*)reachprobe\s/;

/** The commands of a Markdown file's code blocks, with continuation lines joined. */
function commandsIn(file: string, text: string): Shown[] {
  const found: Shown[] = [];
  let block: string | undefined;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const fence = /^\s*```(\S*)/.exec(lines[i]!);
    if (fence) {
      block = block === undefined ? fence[1]! : undefined;
      continue;
    }
    if (block === undefined) continue;
    let line = lines[i]!.trim();
    const start = i;
    while (line.endsWith('\\') && i + 1 < lines.length) line = `${line.slice(0, -1)} ${lines[++i]!.trim()}`;
    const prompted = line.startsWith('$ ') ? line.slice(2) : undefined;
    const command = prompted ?? (SHELL_BLOCK.test(block) ? line : undefined);
    if (command !== undefined && COMMAND.test(command)) found.push({ file, line: start + 1, command });
  }
  return found;
}

/** Why a command is not run, or undefined when it is. */
function skipReason(command: string): string | undefined {
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

let scratch: string;
let shown: Shown[];

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'reachprobe-docs-'));
  for (const dir of ['targets', 'test', 'src']) await symlink(path.join(ROOT, dir), path.join(scratch, dir));
  await mkdir(path.join(scratch, 'xdg'));
  const docs = (await readdir(path.join(ROOT, 'docs')))
    .filter((f) => f.endsWith('.md'))
    .map((f) => path.join('docs', f));
  shown = [];
  for (const file of ['README.md', ...docs.sort()])
    shown.push(...commandsIn(file, await readFile(path.join(ROOT, file), 'utf8')));
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

describe('the rules', () => {
  it('find commands in shell blocks and after a prompt, and skip what needs the network', () => {
    const text = [
      '```sh',
      'reachprobe check --mock gfw   # works',
      'printf x | reachprobe targets -',
      'curl -LO https://x/y',
      'reachprobe check',
      '```',
      '```',
      '$ reachprobe diff a b',
      'reachprobe doctor: output',
      '```',
    ].join('\n');
    const found = commandsIn('x.md', text).map((s) => s.command);
    expect(found).toEqual([
      'reachprobe check --mock gfw   # works',
      'printf x | reachprobe targets -',
      'reachprobe check',
      'reachprobe diff a b',
    ]);
    expect(found.map(skipReason)).toEqual([undefined, undefined, 'measures real targets', undefined]);
    expect(skipReason('reachprobe targets cn.csv   # network: needs the list')).toBe(
      'marked as needing the network',
    );
    expect(skipReason('reachprobe mock --scenario clean')).toBe('runs until interrupted');
  });
});

describe('commands in README.md and docs/', () => {
  it('has commands to run in the README and in docs/', () => {
    const runnable = shown.filter((s) => skipReason(s.command) === undefined);
    expect(runnable.filter((s) => s.file === 'README.md').length).toBeGreaterThanOrEqual(5);
    expect(runnable.filter((s) => s.file !== 'README.md').length).toBeGreaterThanOrEqual(5);
  });

  it('runs each one that needs no network, and none exits 2 or more', async () => {
    const failures: string[] = [];
    for (const s of shown.filter((x) => skipReason(x.command) === undefined)) {
      const script = `reachprobe() { "${process.execPath}" "${BIN}" "$@"; }\n${s.command}`;
      const r = await exec(
        'bash',
        ['-c', script],
        { XDG_CONFIG_HOME: path.join(scratch, 'xdg'), HOME: scratch },
        30_000,
        scratch,
      );
      if (r.status !== 0 && r.status !== 1)
        failures.push(
          `${s.file}:${s.line}: \`${s.command}\` exited ${r.status}: ${r.stderr.trim().split('\n').slice(-3).join(' / ')}`,
        );
    }
    expect(failures).toEqual([]);
  }, 300_000);
});
