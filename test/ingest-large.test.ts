// `ingest` of reports too large to hold (a million targets make 1.2 GB): read as they stream into the
// store, every row landing, memory that does not follow the report's size, and bad ones refused whole.
import { mkdir, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBigReport } from '../src/bench/big-report.js';
import { makeReport } from '../src/bench/collection.js';
import { readReport } from '../src/report/document/read.js';
import { streamReport } from '../src/report/document/read-stream.js';
import { STREAM_FROM } from '../src/store/ingest.js';
import { BIN, exec, ROOT } from './helpers/cli.js';

const PEAK = path.join(ROOT, 'dist/bench/peak.js');
/** The CLI, given longer than the other tests' 15 s: a large report takes that long on a busy machine. */
const run = (args: string[]) => exec(process.execPath, [BIN, ...args], {}, 120_000);
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'reachprobe-ingest-large-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A big report of `count` results in `dir`, and its report_id. */
async function big(name: string, count: number): Promise<{ file: string; id: string }> {
  const file = path.join(dir, name);
  return { file, id: await writeBigReport(file, count) };
}

async function query(db: string, sql: string): Promise<unknown[][]> {
  const instance = await DuckDBInstance.create(db, { access_mode: 'READ_ONLY' });
  const c = await instance.connect();
  try {
    return (await c.runAndReadAll(sql)).getRows();
  } finally {
    c.closeSync();
    instance.closeSync();
  }
}

const counts = async (db: string) =>
  (await query(db, 'SELECT (SELECT count(*) FROM reports), (SELECT count(*) FROM results)'))[0]!.map(Number);

/** A small report file of three targets, for a store to hold before the large one is refused. */
async function small(name: string): Promise<string> {
  const file = path.join(dir, name);
  const doc = makeReport({ at: new Date(0), targets: ['a', 'b', 'c'], verdictOf: () => 'reachable' });
  await writeFile(file, JSON.stringify(doc));
  return file;
}

/** Runs `ingest` in a child of its own and reads its peak RSS (in MB) and status. */
async function peakIngest(db: string, ...files: string[]): Promise<{ maxRssMb: number; status: number }> {
  const r = await exec(process.execPath, [PEAK, 'ingest', ...files, '--db', db], {}, 120_000);
  return JSON.parse(r.stderr.trim().split('\n').at(-1)!) as { maxRssMb: number; status: number };
}

describe('a large report', () => {
  it('every row lands, with the cells the report gives after its results (summary, partial)', async () => {
    const { file, id } = await big('rows.json', 20_000);
    const db = path.join(dir, 'rows.duckdb');
    const r = await run(['ingest', file, '--db', db]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('added 1 report(s), 20000 row(s)');
    const [row] = await query(
      db,
      `SELECT count(*), count(DISTINCT target), count(DISTINCT report_id), min(report_id),
        strftime(min(started_at), '%Y-%m-%dT%H:%M:%S'), bool_or(partial), min(label), count(connect_ms),
        (SELECT targets FROM reports) FROM results`,
    );
    expect(row!.map((v) => (typeof v === 'bigint' ? Number(v) : v))).toEqual([
      20_000,
      20_000,
      1,
      id,
      '2026-12-06T00:00:00',
      false,
      'scale',
      20_000,
      20_000,
    ]);
  }, 60_000);

  // Held whole, 100,000 results took 550 MB (5 KB each). What still grows here is DuckDB's: the rows of the
  // transaction until it writes them out as row groups (122,880 rows each), about 0.7 KB a row up to a few
  // hundred thousand rows, then flat: 20-30% more at these sizes, 33% once with the whole suite running
  // beside it. Held whole, the four times as many results would add some 190 MB: twice the memory.
  it('peaks at about the same memory for 4 times the results', async () => {
    const n = 12_500;
    const [one, four] = [await big('n.json', n), await big('4n.json', 4 * n)];
    expect((await readFile(one.file)).length).toBeGreaterThan(STREAM_FROM);
    const a = await peakIngest(path.join(dir, 'n.duckdb'), one.file);
    const b = await peakIngest(path.join(dir, '4n.duckdb'), four.file);
    expect([a.status, b.status]).toEqual([0, 0]);
    expect(b.maxRssMb / a.maxRssMb, `${a.maxRssMb} MB, then ${b.maxRssMb} MB`).toBeLessThan(1.45);
    expect(await counts(path.join(dir, '4n.duckdb'))).toEqual([1, 4 * n]);
  }, 120_000);

  it('truncated: refused with the line where it ends, and nothing of the run is added', async () => {
    const { file } = await big('truncated.json', 10_000);
    await truncate(file, Math.floor((await readFile(file)).length / 2));
    const db = path.join(dir, 'truncated.duckdb');
    expect((await run(['ingest', await small('before.json'), '--db', db])).status).toBe(0);
    const r = await run(['ingest', await small('with.json'), file, '--db', db]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/truncated\.json:\d{5,}: not valid JSON: the document ends too soon/);
    expect(await counts(db)).toEqual([1, 3]);
  }, 60_000);

  it('truncated in a folder: skipped, and none of its rows stay beside the others', async () => {
    const folder = path.join(dir, 'folder');
    await mkdir(folder);
    const { file } = await big('folder/big.json', 10_000);
    await truncate(file, Math.floor((await readFile(file)).length * 0.9));
    await small('folder/small.json');
    const db = path.join(dir, 'folder.duckdb');
    const r = await run(['ingest', folder, '--db', db]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/skipped .*big\.json:\d+: not valid JSON: the document ends too soon/);
    expect(await counts(db)).toEqual([1, 3]);
  }, 60_000);

  it('a target named twice: the second named, as for a small report, and nothing added', async () => {
    const { file } = await big('twice.json', 10_000);
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace('"tcp:127.0.0.9:9#9"', '"tcp:127.0.0.3:9#3"'));
    const db = path.join(dir, 'twice.duckdb');
    const r = await run(['ingest', file, '--db', db]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/twice\.json: results\[9\]: target "tcp:127\.0\.0\.3:9#3" appears twice/);
  }, 60_000);

  it('a report already in the store, under another name: read, counted as a duplicate, no row twice', async () => {
    const { file } = await big('copy-a.json', 5_000);
    const copy = path.join(dir, 'copy-b.json');
    await writeFile(copy, await readFile(file));
    const db = path.join(dir, 'copy.duckdb');
    const r = await run(['ingest', file, copy, '--db', db]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('added 1 report(s), 5000 row(s); 1 already in the store');
    expect(await counts(db)).toEqual([1, 5_000]);
  }, 60_000);
});

describe('streamReport', () => {
  const write = async (name: string, text: string) => {
    const file = path.join(dir, name);
    await writeFile(file, text);
    return file;
  };
  const streamed = async (file: string) => {
    const results: unknown[] = [];
    const report = await streamReport(file, (r) => results.push(r));
    return { report, results };
  };
  const doc = () =>
    makeReport({ at: new Date(0), targets: ['a', 'b'], verdictOf: () => 'reachable' }) as unknown as Record<
      string,
      unknown
    >;

  it('reads what readReport reads, the id of a report without report_id included', async () => {
    const { report_id: _, ...legacy } = doc();
    const file = await write('legacy.json', JSON.stringify(legacy, null, 2));
    const whole = await readReport(file);
    const { report, results } = await streamed(file);
    expect(results).toEqual(whole.doc.results);
    expect(report.id).toBe(whole.id);
    expect({ ...report.doc, results: whole.doc.results }).toEqual(whole.doc);
  });

  it.each([
    ['not an object', '[1, 2]', /not a reachprobe report/],
    [
      'another tool, its results first',
      '{"results": [{}], "tool": {"name": "other"}}',
      /not a reachprobe report/,
    ],
    [
      'a bad result',
      (d: Record<string, unknown>) => ({ ...d, results: [{ name: 'a' }] }),
      /results\[0\]: no name/,
    ],
    ['no results', (d: Record<string, unknown>) => ({ ...d, results: 5 }), /no results list/],
    [
      'a bad summary',
      (d: Record<string, unknown>) => ({ ...d, summary: {} }),
      /no valid summary\.started_at/,
    ],
    ['a stray character', '{"tool": x}', /not valid JSON: Parser cannot parse input/],
  ])("%s: readReport's message", async (name, content, message) => {
    const text = typeof content === 'string' ? content : JSON.stringify(content(doc()));
    const file = await write(`${name.replace(/\W/g, '-')}.json`, text);
    await expect(streamReport(file, () => undefined)).rejects.toThrow(message);
  });
});
