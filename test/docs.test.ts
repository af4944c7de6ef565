import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pLimit from 'p-limit';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/cli.js';
import {
  normalised,
  runSample,
  sampleText,
  scratchFolder,
  shell,
  shownText,
  skipReason,
  stepsIn,
  walk,
  withSamples,
  type Sample,
  type Step,
} from './helpers/docs.js';

// README.md and docs/*.md walked as a reader would (test/helpers/docs.ts): every command that needs no
// network runs, in order, from a scratch folder per file, and none may exit 2 or more; every output
// sample must be what its command prints now. DOCS_SAMPLES=write (`npm run docs:samples`) rewrites the
// samples instead.

const WRITE = process.env.DOCS_SAMPLES === 'write';
const docs = (await readdir(path.join(ROOT, 'docs')))
  .filter((f) => f.endsWith('.md'))
  .map((f) => `docs/${f}`);
const FILES = ['README.md', ...docs.sort()];
// Two files at once: each mock run is a handful of processes on a shared machine.
const limit = pLimit(2);

describe('the rules', () => {
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
    '<!-- sample: reachprobe history x -->',
    '```',
    '$ reachprobe history x',
    'old output',
    '```',
    '<!-- walkthrough -->',
    '```sh',
    'mkdir a',
    'reachprobe targets a',
    '```',
  ].join('\n');
  const steps = stepsIn('x.md', text);

  it('find commands in shell blocks and after a prompt, samples and walkthroughs after their markers', () => {
    const commands = steps.flatMap((s) => (s.kind === 'command' ? [s.command] : []));
    expect(commands).toEqual([
      'reachprobe check --mock gfw   # works',
      'printf x | reachprobe targets -',
      'reachprobe check',
      'reachprobe diff a b',
    ]);
    expect(commands.map(skipReason)).toEqual([undefined, undefined, 'measures real targets', undefined]);
    expect(skipReason('reachprobe targets cn.csv   # network: needs the list')).toBe(
      'marked as needing the network',
    );
    expect(skipReason('reachprobe mock --scenario clean')).toBe('runs until interrupted');
    expect(steps.slice(4).map((s) => s.kind)).toEqual(['sample', 'walkthrough']);
    expect(steps[5]).toMatchObject({ script: 'mkdir a\nreachprobe targets a' });
  });

  it('replace a sample block, keeping its prompt line', () => {
    const sample = steps[4] as Sample;
    expect(shownText(text, sample)).toBe('$ reachprobe history x\nold output');
    const rewritten = withSamples(text, [{ sample, output: 'new\noutput  \n' }]);
    expect(rewritten).toContain('```\n$ reachprobe history x\nnew\noutput\n```\n<!-- walkthrough -->');
    expect(sampleText(sample, 'a')).toBe('$ reachprobe history x\na');
  });

  it('tell a sample that moved only in times, ports and ids from one that changed', () => {
    const a = 'x  reset  0.30 s  127.0.0.1:41523 after 23.3 ms, 2026-12-06T12:15:27.867Z rp-223fb502c6de';
    const b = 'x  reset  12.07 s  127.0.0.1:9053 after 1001 ms, 2026-12-07T01:00:00Z rp-0123456789ab';
    expect(normalised(a)).toBe(normalised(b));
    expect(normalised(a)).not.toBe(normalised(a.replace('reset', 'timeout')));
    expect(normalised(a)).not.toBe(normalised(a.replace('127.0.0.1', '127.0.0.2')));
  });

  it('run a walkthrough as one script that stops at its first failure', async () => {
    const { walkthroughScript } = await import('./helpers/docs.js');
    const r = await shell(walkthroughScript('false\necho reached'), ROOT);
    expect(r.status).not.toBe(0);
    expect(r.stdout).not.toContain('reached');
  });
});

/** A mock run's sample, run again on its own. */
async function rerun(sample: Sample): Promise<string> {
  const cwd = await scratchFolder();
  try {
    return (await runSample(sample.command, cwd, new Map())).stdout;
  } finally {
    await rm(cwd, { recursive: true, force: true });
  }
}

describe('README.md and docs/', () => {
  const all: Array<{ file: string; text: string; steps: Step[] }> = [];

  it('have commands to run and samples to compare', async () => {
    for (const file of FILES) {
      const text = await readFile(path.join(ROOT, file), 'utf8');
      all.push({ file, text, steps: stepsIn(file, text) });
    }
    const runnable = (f: string) =>
      all
        .filter((d) => (d.file === 'README.md') === (f === 'README.md'))
        .flatMap((d) => d.steps)
        .filter((s) => s.kind !== 'command' || skipReason(s.command) === undefined);
    expect(runnable('README.md').length).toBeGreaterThanOrEqual(5);
    expect(runnable('docs').length).toBeGreaterThanOrEqual(5);
    expect(all.flatMap((d) => d.steps).filter((s) => s.kind === 'sample').length).toBeGreaterThanOrEqual(10);
  });

  it(
    WRITE ? 'rewrite every sample from the tool' : 'run in order, and print what their samples show',
    async () => {
      const failures: string[] = [];
      await Promise.all(
        all.map(({ file, text, steps }) =>
          limit(async () => {
            const walked = await walk(file, steps);
            failures.push(...walked.failures);
            if (WRITE) {
              if (walked.samples.length)
                await writeFile(path.join(ROOT, file), withSamples(text, walked.samples));
              return;
            }
            for (const { sample, output } of walked.samples) {
              const shown = normalised(shownText(text, sample));
              if (normalised(sampleText(sample, output)) === shown) continue;
              // A loaded machine can slow a mock server past a deadline: one more run decides.
              if (
                !sample.command.includes('--mock') ||
                normalised(sampleText(sample, await rerun(sample))) !== shown
              )
                failures.push(
                  `${file}:${sample.line}: the sample is not what \`${sample.command}\` prints now`,
                );
            }
          }),
        ),
      );
      expect(failures.sort()).toEqual([]);
    },
    600_000,
  );
});
