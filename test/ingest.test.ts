// `reachprobe ingest`: incremental by report id, a repeat that adds nothing, a writer beside it,
// a store held by another process, and bad files and stores (exit 2, the store as it was).
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeReport } from '../src/bench/collection.js';
import { writeAtomically } from '../src/report/document/document.js';
import { run } from './helpers/cli.js';

let dir: string;
const at = (minute: number) => new Date(Date.UTC(2026, 10, 23, 12, minute));
const report = (minute: number, label = 'bj-1') =>
  JSON.stringify(
    makeReport({
      label,
      at: at(minute),
      targets: ['a', 'b', 'c'],
      verdictOf: (t) => (t === 'a' ? 'reset' : 'reachable'),
    }),
  );

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'reachprobe-ingest-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function folderOf(name: string, minutes: number[]): Promise<string> {
  const folder = path.join(dir, name);
  await mkdir(folder, { recursive: true });
  for (const m of minutes) await writeFile(path.join(folder, `${m}.json`), report(m));
  return folder;
}

/** Counts in the store, read by DuckDB itself. */
async function countsIn(db: string): Promise<{ reports: number; results: number; files: number }> {
  const instance = await DuckDBInstance.create(db, { access_mode: 'READ_ONLY' });
  const c = await instance.connect();
  const [row] = (
    await c.runAndReadAll(
      'SELECT (SELECT count(*) FROM reports), (SELECT count(*) FROM results), (SELECT count(*) FROM files)',
    )
  ).getRows();
  c.closeSync();
  instance.closeSync();
  return { reports: Number(row![0]), results: Number(row![1]), files: Number(row![2]) };
}

const ingest = (db: string, ...paths: string[]) => run(['ingest', ...paths, '--db', db]);

describe('ingest', () => {
  it('adds only the reports the store has not seen, and a repeat adds nothing', async () => {
    const folder = await folderOf('incremental', [0, 10]);
    const db = path.join(dir, 'incremental.duckdb');
    const first = await ingest(db, folder);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toContain('added 2 report(s), 6 row(s); 0 already in the store');
    await writeFile(path.join(folder, '20.json'), report(20));
    expect((await ingest(db, folder)).stdout).toContain(
      'added 1 report(s), 3 row(s); 2 already in the store',
    );
    expect((await ingest(db, folder)).stdout).toContain(
      'added 0 report(s), 0 row(s); 3 already in the store',
    );
    expect(await countsIn(db)).toEqual({ reports: 3, results: 9, files: 3 });
  });

  it('a copy of a report elsewhere is the same report; a path already read is not read again', async () => {
    const folder = await folderOf('copies', [0]);
    const db = path.join(dir, 'copies.duckdb');
    expect((await ingest(db, folder)).status).toBe(0);
    const other = await folderOf('copies-b', []);
    await copyFile(path.join(folder, '0.json'), path.join(other, 'same.json'));
    await writeFile(path.join(folder, '0.json'), await readFile(path.join(folder, '0.json'))); // a new mtime
    expect((await ingest(db, folder, other)).stdout).toContain('added 0 report(s)');
    expect(await countsIn(db)).toEqual({ reports: 1, results: 3, files: 2 });
  });

  it('reports made before report_id: a stable id from their bytes, ingested once', async () => {
    const folder = await folderOf('legacy', []);
    const { report_id: _, ...legacy } = JSON.parse(report(0)) as Record<string, unknown>;
    await writeFile(path.join(folder, 'old.json'), JSON.stringify(legacy));
    const db = path.join(dir, 'legacy.duckdb');
    expect((await ingest(db, folder)).stdout).toContain('added 1 report(s)');
    await writeFile(path.join(folder, 'old.json'), JSON.stringify(legacy)); // rewritten, same bytes
    expect((await ingest(db, folder)).stdout).toContain('added 0 report(s)');
  });

  it('beside a writer: files still being written (hidden temporaries, then renamed) are never half-read', async () => {
    const folder = await folderOf('writer', []);
    const db = path.join(dir, 'writer.duckdb');
    let written = 0;
    let stop = false;
    // The way check -o writes: a hidden temporary file, then a rename.
    const writer = (async () => {
      for (; !stop || written < 20; written++)
        await writeAtomically(path.join(folder, `${written}.json`), report(written));
    })();
    const runs = [];
    for (let i = 0; i < 4; i++) runs.push(await ingest(db, folder));
    stop = true;
    await writer;
    runs.push(await ingest(db, folder));
    for (const r of runs) {
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toBe(''); // nothing skipped: no file was seen half-written
    }
    expect(await countsIn(db)).toMatchObject({ reports: written, results: written * 3 });
  });

  it('a store another process holds: a clear message naming it, exit 2', async () => {
    const folder = await folderOf('locked', [0]);
    const db = path.join(dir, 'locked.duckdb');
    expect((await ingest(db, folder)).status).toBe(0);
    const holder = await DuckDBInstance.create(db);
    try {
      await writeFile(path.join(folder, '5.json'), report(5));
      const r = await ingest(db, folder);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(
        new RegExp(`locked\\.duckdb: another process \\(pid ${process.pid}\\) is using the store`),
      );
      const h = await run(['history', '--db', db]);
      expect(h.status).toBe(2);
      expect(h.stderr).toMatch(/another process .* is using the store/);
    } finally {
      holder.closeSync();
    }
    expect(await countsIn(db)).toMatchObject({ reports: 1 });
  });
});

describe('bad input', () => {
  it('a truncated report named on the command line: exit 2, and nothing of the run is added', async () => {
    const folder = await folderOf('bad-named', [0]);
    const db = path.join(dir, 'bad-named.duckdb');
    expect((await ingest(db, folder)).status).toBe(0);
    await writeFile(path.join(folder, '10.json'), report(10));
    const truncated = path.join(dir, 'truncated.json');
    await writeFile(truncated, report(20).slice(0, 200));
    const r = await ingest(db, folder, truncated);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/truncated\.json:\d+: not valid JSON/);
    expect(await countsIn(db)).toEqual({ reports: 1, results: 3, files: 1 });
  });

  it('a first run that fails leaves no store behind', async () => {
    const db = path.join(dir, 'never.duckdb');
    const bad = path.join(dir, 'not-a-report.json');
    await writeFile(bad, '{"tool": {"name": "other"}}');
    const r = await ingest(db, bad);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/not-a-report\.json: not a reachprobe report/);
    expect(existsSync(db)).toBe(false);
  });

  it('a file in a folder that is not (yet) a report is skipped, named, and read again next time', async () => {
    const folder = await folderOf('bad-folder', [0]);
    const db = path.join(dir, 'bad-folder.duckdb');
    await writeFile(path.join(folder, '10.json'), report(10).slice(0, 100));
    const r = await ingest(db, folder);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/skipped .*10\.json:1: not valid JSON/);
    expect(r.stdout).toContain('added 1 report(s)');
    await writeFile(path.join(folder, '10.json'), report(10));
    expect((await ingest(db, folder)).stdout).toContain('added 1 report(s)');
  });

  it.each([
    [
      'a store of a newer version',
      "UPDATE meta SET value = '99' WHERE key = 'store_version'",
      /store version 99 is newer than this reachprobe reads \(2\): upgrade/,
    ],
    [
      'a store from before the transfer rates',
      "UPDATE meta SET value = '1' WHERE key = 'store_version'",
      /store version 1 is not the one this reachprobe reads \(2\): ingest the reports into a new store/,
    ],
    ['a DuckDB file that is no store', 'DROP TABLE meta', /a DuckDB database, but not a reachprobe store/],
  ])('%s: exit 2, untouched', async (_, sql, message) => {
    const folder = await folderOf(`version-${sql.length}`, [0]);
    const db = path.join(dir, `version-${sql.length}.duckdb`);
    expect((await ingest(db, folder)).status).toBe(0);
    const instance = await DuckDBInstance.create(db);
    const c = await instance.connect();
    await c.run(sql);
    c.closeSync();
    instance.closeSync();
    await writeFile(path.join(folder, '10.json'), report(10));
    const r = await ingest(db, folder);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(await countsIn(db)).toMatchObject({ reports: 1 });
  });

  it('a file that is not a DuckDB database at all', async () => {
    const db = path.join(dir, 'text.duckdb');
    await writeFile(db, 'hello');
    const r = await ingest(db, await folderOf('text', [0]));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/text\.duckdb: not a DuckDB database/);
    expect(await readFile(db, 'utf8')).toBe('hello');
  });
});

describe('ingest in batches', () => {
  it('reopens its appenders between batches, within the one transaction: every report once', async () => {
    const { ingest: ingestInto } = await import('../src/store/ingest.js');
    const { withStore } = await import('../src/store/store.js');
    const folder = await folderOf(
      'batches',
      Array.from({ length: 40 }, (_, i) => i),
    );
    const db = path.join(dir, 'batches.duckdb');
    let batches = 0;
    const done = await withStore(db, true, (c) =>
      ingestInto(c, [folder], () => undefined, { afterBatch: () => batches++, size: 16 }),
    );
    expect(batches).toBe(2); // after files 16 and 32; the last 8 close with the run
    expect(done).toEqual({ added: 40, rows: 120, unchanged: 0, duplicates: 0 });
    expect(await countsIn(db)).toEqual({ reports: 40, results: 120, files: 40 });
  });
});
