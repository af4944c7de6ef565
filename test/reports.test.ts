// The files cron users keep: the -o document against its JSON Schema (whole and partial runs),
// file-name templates, the lock between overlapping runs, and the Prometheus metrics.
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FAILURES } from '../src/model/failure.js';
import { VERDICT_NAMES } from '../src/model/verdict.js';
import { run, spawnCli } from './helpers/cli.js';
import { expectValidJsonLines, expectValidReport, reportErrors, SCHEMA } from './helpers/schema.js';

interface Report {
  partial: boolean;
  interrupted?: { signal: string; abandoned: string[]; not_started: number };
  summary: { started_at: string; targets: number; notes: string[] };
  results: Array<{ name: string; verdict: string; service: string }>;
}

let dir: string;
const GFW_TARGETS = 28;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'reachprobe-reports-'));
});

const readReport = async (file: string) => JSON.parse(await readFile(file, 'utf8')) as Report;

describe('the schema', () => {
  it('documents every field it declares', () => {
    const undocumented: string[] = [];
    const walk = (node: unknown, where: string) => {
      if (typeof node !== 'object' || node === null) return;
      const props = (node as { properties?: Record<string, Record<string, unknown>> }).properties ?? {};
      for (const [name, spec] of Object.entries(props)) {
        if (typeof spec.description !== 'string' && typeof spec.$ref !== 'string')
          undocumented.push(`${where}.${name}`);
      }
      for (const [key, child] of Object.entries(node)) walk(child, `${where}/${key}`);
    };
    walk(SCHEMA, '#');
    expect(undocumented).toEqual([]);
  });

  it('knows exactly the verdicts and failure strings the code has', () => {
    const defs = SCHEMA.$defs as Record<string, { enum: string[] }>;
    expect(defs.verdict!.enum).toEqual(VERDICT_NAMES);
    expect(defs.failure_string!.enum).toEqual([...FAILURES]);
  });
});

describe('a whole run against the mock network', () => {
  it('-o (a template), --json and --prom all validate and agree', async () => {
    const template = path.join(dir, 'whole', '%Y', '%Y-%m-%dT%H%M%SZ.json');
    const prom = path.join(dir, 'whole', 'reachprobe.prom');
    const r = await run(['check', '--mock', 'gfw', '--json', '-o', template, '--prom', prom]);
    expect(r.status, r.stderr).toBe(0);
    const lines = expectValidJsonLines(r.stdout);
    expect(lines).toHaveLength(GFW_TARGETS + 1);

    const [year] = await readdir(path.join(dir, 'whole'), { withFileTypes: true }).then((es) =>
      es.filter((e) => e.isDirectory()).map((e) => e.name),
    );
    const [name] = await readdir(path.join(dir, 'whole', year!));
    expect(name).toMatch(/^\d{4}-\d\d-\d\dT\d{6}Z\.json$/);
    const doc = await readReport(path.join(dir, 'whole', year!, name!));
    expectValidReport(doc);
    expect(doc.partial).toBe(false);
    const started = Date.parse(doc.summary.started_at);
    const named = Date.parse(name!.replace(/T(\d\d)(\d\d)(\d\d)Z\.json$/, 'T$1:$2:$3Z'));
    expect(Math.abs(started - named)).toBeLessThan(2000);

    // One verdict series at 1 per target, the report's verdict.
    const metrics = await readFile(prom, 'utf8');
    for (const line of metrics.trim().split('\n'))
      expect(line).toMatch(/^(# (HELP|TYPE) \w+ .+|\w+(\{(\w+="(?:[^"\\]|\\.)*",?)*\})? -?[\d.e+-]+)$/);
    const on = [
      ...metrics.matchAll(
        /^reachprobe_target_verdict\{target="([^"]+)",service="[^"]*",verdict="([^"]+)"\} 1$/gm,
      ),
    ].map((m) => [m[1], m[2]]);
    expect(Object.fromEntries(on)).toEqual(
      Object.fromEntries(doc.results.map((res) => [res.name, res.verdict])),
    );
    expect(metrics).toContain('reachprobe_run_partial 0');
    expect(existsSync(`${prom}.lock`)).toBe(false);
  });

  it('a clean network validates too; a field the schema does not know would not', async () => {
    const out = path.join(dir, 'clean.json');
    const r = await run(['check', '--mock', 'clean', '-o', out]);
    expect(r.status, r.stderr).toBe(0);
    const doc = await readReport(out);
    expectValidReport(doc);
    const checks = (doc.results[0] as unknown as { checks: Array<Record<string, unknown>> }).checks;
    checks.at(-1)!.undocumented = true;
    const errors = reportErrors(doc);
    expect(errors).toContain(
      `data/results/0/checks/${checks.length - 1} must NOT have unevaluated properties`,
    );
    expect(errors.filter((e) => !e.startsWith(`data/results/0/checks/${checks.length - 1}`))).toEqual([]);
  });

  it('an unknown % field in the name is bad usage, before anything runs', async () => {
    const r = await run(['check', '--mock', 'clean', '-o', path.join(dir, 'x-%Q.json')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('unknown %Q');
  });
});

describe('two runs writing the same file', () => {
  it('the second refuses while the first holds the lock, naming it', async () => {
    const out = path.join(dir, 'locked.json');
    // This test's own process stands for a run in progress.
    await writeFile(
      `${out}.lock`,
      JSON.stringify({ pid: process.pid, started_at: new Date().toISOString() }),
    );
    const r = await run(['check', '--mock', 'clean', '-o', out]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`another reachprobe run (pid ${process.pid}`);
    expect(existsSync(out)).toBe(false);
  });

  it('a lock left by a process that is gone is taken over', async () => {
    const out = path.join(dir, 'stale.json');
    const gone = spawnCli(['--version']);
    await once(gone, 'exit');
    await writeFile(`${out}.lock`, JSON.stringify({ pid: gone.pid, started_at: new Date().toISOString() }));
    const r = await run(['check', '--mock', 'clean', '-o', out]);
    expect(r.status, r.stderr).toBe(0);
    expectValidReport(await readReport(out));
    expect(existsSync(`${out}.lock`)).toBe(false);
  });
});

/** Starts `check`, and resolves with the child once its first result line is out. */
async function startedRun(args: string[]) {
  const child = spawnCli(['check', '--mock', 'gfw', '--json', ...args]);
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
  await new Promise<void>((resolve) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes('"type":"result"')) resolve();
    });
  });
  return { child, exited, output: () => ({ stdout, stderr }) };
}

describe('an interrupted run', () => {
  it(
    'the first SIGINT writes a partial report of what finished, valid against the schema, and exits ' +
      '130 within about a second',
    async () => {
      const out = path.join(dir, 'partial.json');
      // Two at a time, so that some targets are still queued when the signal comes.
      const run = await startedRun(['-o', out, '--concurrency', '2']);
      const signalled = performance.now();
      run.child.kill('SIGINT');
      const [code] = await run.exited;
      const tookMs = performance.now() - signalled;
      expect(code, run.output().stderr).toBe(130);
      expect(tookMs).toBeLessThan(2500);

      const doc = await readReport(out);
      expectValidReport(doc);
      expect(doc.partial).toBe(true);
      const { interrupted } = doc;
      expect(interrupted).toMatchObject({ signal: 'SIGINT' });
      expect(doc.results.length + interrupted!.abandoned.length + interrupted!.not_started).toBe(GFW_TARGETS);
      expect(interrupted!.not_started).toBeGreaterThan(0);
      expect(doc.summary.targets).toBe(doc.results.length);
      expect(doc.summary.notes.some((n) => n.startsWith('interrupted by SIGINT'))).toBe(true);
      // No result for an abandoned target: a check cut short is not a block.
      const names = new Set(doc.results.map((res) => res.name));
      for (const name of interrupted!.abandoned) expect(names.has(name)).toBe(false);

      const lines = expectValidJsonLines(run.output().stdout);
      expect(lines.at(-1)).toMatchObject({ type: 'summary', partial: true });
      expect(existsSync(`${out}.lock`)).toBe(false);
    },
  );

  it('a second SIGINT exits at once, writing no report', async () => {
    const out = path.join(dir, 'twice.json');
    const run = await startedRun(['-o', out, '--concurrency', '2']);
    const signalled = performance.now();
    run.child.kill('SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 50));
    run.child.kill('SIGINT');
    const [code] = await run.exited;
    expect(code).toBe(130);
    expect(performance.now() - signalled).toBeLessThan(700);
    // The results that finished are out, each a whole line.
    const lines = run.output().stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(JSON.parse(line)).toHaveProperty('type', 'result');
    expect(existsSync(out)).toBe(false);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('SIGTERM stops the run the same way', async () => {
    const out = path.join(dir, 'term.json');
    const run = await startedRun(['-o', out]);
    run.child.kill('SIGTERM');
    const [code] = await run.exited;
    expect(code).toBe(130);
    const doc = await readReport(out);
    expectValidReport(doc);
    expect(doc.interrupted?.signal).toBe('SIGTERM');
  });
});
