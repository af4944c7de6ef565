// `npm run bench:store`: the embedded store at the size the issue sets, 3 vantage points x a year of
// reports every 10 minutes (52,560 each) x 50 targets, generated in a temporary folder. Prints
// the figures, MET or MISS per goal; not a test. `-- --reports N` makes N reports per vantage point
// instead (a quick look), `-- --keep` leaves the folder.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { VerdictName } from '../model/verdict.js';
import { makeReport } from './collection.js';

const RUN = fileURLToPath(new URL('./store-run.js', import.meta.url));
const LABELS = ['bj-unicom-1', 'sh-telecom-1', 'henan-mobile-1'];
const TARGETS = Array.from({ length: 50 }, (_, i) => `t${String(i).padStart(2, '0')}`);
const YEAR = 52_560;
const STEP_MS = 600_000;
const START = Date.UTC(2025, 0, 1);

const arg = (name: string) => process.argv.indexOf(name);
const perLabel = arg('--reports') > 0 ? Number(process.argv[arg('--reports') + 1]) : YEAR;
const keep = arg('--keep') > 0;

/** A small deterministic hash in [0, 1): the same collection on every run. */
function noise(...parts: number[]): number {
  let h = 2166136261;
  for (const p of parts) h = Math.imul(h ^ p, 16777619) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 2246822507) >>> 0;
  return (h >>> 0) / 2 ** 32;
}

/**
 * Most targets reachable (a rare timeout), ten always blocked, ten blocked on some days, differently per
 * vantage point.
 */
function verdictOf(label: number, report: number, i: number): VerdictName {
  if (i >= 30 && i < 40) return (['reset', 'dns-poisoned', 'timeout'] as const)[i % 3]!;
  if (i >= 40) return noise(label, i, Math.floor(report / 144)) < 0.3 ? 'reset' : 'reachable';
  return noise(label, i, report) < 0.01 ? 'timeout' : 'reachable';
}

function generate(root: string): { folders: string[]; bytes: number; ms: number } {
  const started = performance.now();
  let bytes = 0;
  const folders = LABELS.map((label, l) => {
    const folder = path.join(root, label);
    mkdirSync(folder);
    for (let r = 0; r < perLabel; r++) {
      const at = new Date(START + r * STEP_MS);
      const text = JSON.stringify(
        makeReport({ label, at, targets: TARGETS, verdictOf: (_, i) => verdictOf(l, r, i) }),
      );
      writeFileSync(path.join(folder, `${at.toISOString().replace(/[-:]/g, '').slice(0, 15)}Z.json`), text);
      bytes += text.length;
    }
    return folder;
  });
  return { folders, bytes, ms: performance.now() - started };
}

interface Figures {
  wallMs: number;
  status: number;
  maxRssMb: number;
}

function measure(root: string, args: string[]): Promise<Figures> {
  const out = path.join(root, 'figures.json');
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [RUN, ...args],
      { env: { ...process.env, REACHPROBE_BENCH_FIGURES: out }, maxBuffer: 1 << 26 },
      (err, _stdout, stderr) => {
        if (err) return reject(new Error(`${args[0]} failed: ${stderr}`));
        const figures = JSON.parse(readFileSync(out, 'utf8')) as Figures;
        if (figures.status !== 0) return reject(new Error(`${args[0]} exited ${figures.status}: ${stderr}`));
        resolve(figures);
      },
    );
  });
}

const f = (x: number, digits = 1) => x.toFixed(digits);
const goal = (label: string, ok: boolean, detail: string) =>
  console.log(`  ${ok ? 'MET ' : 'MISS'}  ${label}: ${detail}`);

const root = mkdtempSync(path.join(os.tmpdir(), 'reachprobe-bench-store-'));
try {
  const full = perLabel === YEAR;
  console.log(
    `store benchmark: ${LABELS.length} vantage points x ${perLabel} reports x ${TARGETS.length} ` +
      `targets${full ? ' (a year at 10 minutes)' : ' (NOT the full size: the goals are for 52,560)'}, ` +
      `in ${root}`,
  );
  const made = generate(root);
  console.log(
    `  generated ${LABELS.length * perLabel} reports, ${f(made.bytes / 1e9, 2)} GB, in ${f(made.ms / 1000)} s`,
  );
  const db = path.join(root, 'store.duckdb');
  const first = await measure(root, ['ingest', ...made.folders, '--db', db]);
  console.log(
    `  ingest from scratch: ${f(first.wallMs / 1000)} s, peak RSS ${f(first.maxRssMb, 0)} MB; ` +
      `store ${f(statSync(db).size / 1e6, 0)} MB`,
  );
  const again = await measure(root, ['ingest', ...made.folders, '--db', db]);
  console.log(
    `  ingest again, nothing new: ${f(again.wallMs / 1000, 2)} s, peak RSS ${f(again.maxRssMb, 0)} MB`,
  );
  const page = path.join(root, 'history.html');
  const history = await measure(root, ['history', '--db', db, '--by', 'day', '--html', page]);
  const pageMb = statSync(page).size / 1e6;
  console.log(
    `  history --db --by day --html: ${f(history.wallMs / 1000, 2)} s, peak ` +
      `RSS ${f(history.maxRssMb, 0)} MB, page ${f(pageMb, 2)} MB`,
  );
  goal('ingest from scratch within 10 minutes', first.wallMs < 600_000, `${f(first.wallMs / 1000)} s`);
  goal('ingest from scratch under 500 MB peak RSS', first.maxRssMb < 500, `${f(first.maxRssMb, 0)} MB`);
  goal('a repeat ingest with nothing new under 5 s', again.wallMs < 5000, `${f(again.wallMs / 1000, 2)} s`);
  goal('history --db --by day under 2 s', history.wallMs < 2000, `${f(history.wallMs / 1000, 2)} s`);
  goal('history --db --by day under 300 MB', history.maxRssMb < 300, `${f(history.maxRssMb, 0)} MB`);
  goal('its page under 2 MB', pageMb < 2, `${f(pageMb, 2)} MB`);
  if (!full) console.log('  (a smaller collection than the goals are set for: these MET/MISS say little)');
} finally {
  if (keep) console.log(`  kept ${root}`);
  else rmSync(root, { recursive: true, force: true });
}
