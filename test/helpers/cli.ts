// The built binary, as a user runs it: stdout, stderr and exit status. Shared by the CLI tests.
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = path.join(ROOT, 'bin/reachprobe.js');

export interface Ran {
  status: number;
  stdout: string;
  stderr: string;
}

const quietEnv = (env: NodeJS.ProcessEnv) => ({
  ...process.env,
  NO_COLOR: '',
  FORCE_COLOR: undefined,
  ...env,
});

/** Runs a command without blocking this process: the loopback servers it talks to may live here. */
export function exec(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  timeout = 15_000,
  cwd?: string,
): Promise<Ran> {
  return new Promise((resolve) => {
    // The run must end by itself well within this: a leaked socket or timer would show here.
    const options = { env: quietEnv(env), timeout, ...(cwd ? { cwd } : {}) };
    execFile(command, args, options, (err, stdout, stderr) => {
      const status = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ status, stdout, stderr });
    });
  });
}

/** Runs the CLI, optionally under a wrapper (`ip netns exec NAME`). */
export function run(args: string[], env: NodeJS.ProcessEnv = {}, prefix: string[] = []): Promise<Ran> {
  const [command, ...rest] = [...prefix, process.execPath, BIN, ...args];
  return exec(command!, rest, env);
}

/** Starts the CLI and hands back the child, to signal it while it runs. */
export function spawnCli(args: string[], cwd?: string): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [BIN, ...args], { env: quietEnv({}), ...(cwd ? { cwd } : {}) });
}

export const HISTORY_FIXTURES = path.join(ROOT, 'test/fixtures/history');

/** A report from a real run against a mock network (`gfw`, `clean` or a scenario file), written to `out`. */
export async function mockReport(scenario: string, out: string): Promise<string> {
  const r = await run(['check', '--mock', scenario, '-o', out, '--json']);
  if (r.status !== 0) throw new Error(`check --mock ${scenario} exited ${r.status}: ${r.stderr}`);
  return out;
}

/** Writes the reports into `folder` (0.json, 1.json...) and ingests them into a new store beside it. */
export async function ingestReports(folder: string, docs: unknown[]): Promise<string> {
  await mkdir(folder);
  for (const [i, doc] of docs.entries()) await writeFile(path.join(folder, `${i}.json`), JSON.stringify(doc));
  const db = path.join(path.dirname(folder), 'store.duckdb');
  const r = await run(['ingest', folder, '--db', db]);
  if (r.status !== 0) throw new Error(`ingest failed: ${r.stderr}`);
  return db;
}
