// npm run bench -- --scale: a million targets, as a user measuring a large list on a small machine
// would run them: tcp:// targets on closed loopback ports (each ends at once, refused), with --json
// and with -o, whose peak RSS is held against the 300 MB goal; then `ingest` of that report, which
// must end with every result stored (its time and peak RSS are printed beside it: DuckDB holds the
// transaction's rows, docs/performance.md).
import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const PEAK = fileURLToPath(new URL('./peak.js', import.meta.url));
export const SCALE_TARGETS = 1_000_000;
const GOAL_MB = 300;

export interface Peak {
  wallMs: number;
  maxRssMb: number;
  status: number;
}

/** Runs the CLI in a child of its own and reads its peak RSS. */
export function peakOf(args: string[]): Promise<Peak> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [PEAK, ...args], { maxBuffer: 1 << 26 }, (err, _stdout, stderr) => {
      const last = stderr.trim().split('\n').at(-1) ?? '';
      if (!last.startsWith('{')) return reject(new Error(`${err?.message ?? 'no figures'}\n${stderr}`));
      resolve(JSON.parse(last) as Peak);
    });
  });
}

/** `count` tcp:// URLs, each on its own loopback address (127.0.0.0/8) at port 9, where nothing listens. */
export async function writeClosedPorts(file: string, count: number): Promise<void> {
  const out = createWriteStream(file);
  for (let i = 0; i < count; i++) {
    const line = `tcp://127.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:9\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'close');
}

const f = (x: number, digits = 0) => x.toFixed(digits);

export async function scaleRun(work: string, concurrency: number): Promise<void> {
  const list = path.join(work, 'million.txt');
  const report = path.join(work, 'million.json');
  await writeClosedPorts(list, SCALE_TARGETS);
  console.log(
    `\nscale: ${SCALE_TARGETS.toLocaleString('en-US')} tcp:// targets on closed loopback ports, ` +
      `concurrency ${concurrency}`,
  );
  const common = ['check', list, '--concurrency', String(concurrency)];
  for (const [label, extra] of [
    ['--json', ['--json']],
    ['-o', ['-o', report]],
  ] as const) {
    const p = await peakOf([...common, ...extra]);
    const rate = SCALE_TARGETS / (p.wallMs / 1000);
    console.log(
      `  ${label}: ${f(rate)} targets/s (${f(p.wallMs / 1000, 1)} s), peak RSS ${f(p.maxRssMb)} MB, exit ${p.status}`,
    );
    goal(p, `with ${label}`);
  }
  const ingest = await peakOf(['ingest', report, '--db', path.join(work, 'million.duckdb')]);
  console.log(
    `  ingest of that report: ${f(ingest.wallMs / 1000, 1)} s, peak RSS ${f(ingest.maxRssMb)} MB, ` +
      `exit ${ingest.status}`,
  );
  const stored = ingest.status === 0;
  console.log(`  ${stored ? 'MET ' : 'MISS'}  ingest of that report stores it: exit ${ingest.status}`);
}

/** The memory goal's line. */
function goal(p: Peak, what: string) {
  const met = p.maxRssMb < GOAL_MB;
  console.log(`  ${met ? 'MET ' : 'MISS'}  peak RSS under ${GOAL_MB} MB ${what}: ${f(p.maxRssMb)} MB`);
}
