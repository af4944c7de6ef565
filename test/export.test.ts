// `reachprobe export`: each format read back by something else than reachprobe (CSV by csv-parse,
// Parquet by DuckDB), the documented columns, legacy ids, and bad input.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeReport } from '../src/bench/collection.js';
import { COLUMN_NAMES } from '../src/report/export/columns.js';
import { ROOT, run } from './helpers/cli.js';
import { expectValidReport } from './helpers/schema.js';

let dir: string;
let reports: string;
const at = (minute: number) => new Date(Date.UTC(2026, 10, 23, 12, minute));

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'reachprobe-export-'));
  reports = path.join(dir, 'reports');
  await mkdir(reports);
  const first = makeReport({
    label: 'bj-1',
    at: at(0),
    targets: ['a', 'b'],
    verdictOf: (t) => (t === 'a' ? 'reachable' : 'reset'),
  });
  // A report of a later reachprobe: fields the schema here does not know yet, read where present.
  const later = makeReport({ label: 'bj-1', at: at(10), targets: ['a', 'b'], verdictOf: () => 'reachable' });
  Object.assign(later.results[0]!, { blocking: false, accessible: true, quic: { verdict: 'reachable' } });
  Object.assign(later.results[1]!, { blocking: 'dns', accessible: false, quic: null });
  // A report made before report_id and labels.
  const {
    report_id: _,
    vantage_point: __,
    ...legacy
  } = makeReport({ at: at(20), targets: ['a'], verdictOf: () => 'timeout' });
  expectValidReport(first);
  expectValidReport(legacy);
  await writeFile(path.join(reports, '1.json'), JSON.stringify(first, null, 2));
  await writeFile(path.join(reports, '2.json'), JSON.stringify(later));
  await writeFile(path.join(reports, '3.json'), JSON.stringify(legacy));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function exported(...args: string[]): Promise<string> {
  const r = await run(['export', reports, ...args]);
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

const jsonRows = async () =>
  (await exported('--format', 'jsonl'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('export --format jsonl', () => {
  it('one object per target per report, every column, null where the report has nothing', async () => {
    const rows = await jsonRows();
    expect(rows).toHaveLength(5);
    for (const row of rows) expect(Object.keys(row)).toEqual(COLUMN_NAMES);
    expect(rows.map((r) => [r.label, r.target, r.verdict, r.stage, r.failure, r.blocked_by])).toEqual([
      ['bj-1', 'a', 'reachable', null, null, null],
      ['bj-1', 'b', 'reset', 'tls_handshake', 'connection_reset', 'sni'],
      ['bj-1', 'a', 'reachable', null, null, null],
      ['bj-1', 'b', 'reachable', null, null, null],
      [null, 'a', 'timeout', 'connect', 'generic_timeout_error', null],
    ]);
    expect(rows[0]).toMatchObject({
      export_version: 1,
      started_at: at(0).toISOString(),
      partial: false,
      chain_ms: 180.4,
      tls_ms: null,
      blocking: null,
      accessible: null,
      quic_verdict: null,
    });
    expect(rows.slice(2, 4).map((r) => [r.blocking, r.accessible, r.quic_verdict])).toEqual([
      ['false', true, 'reachable'],
      ['dns', false, null],
    ]);
  });

  it('a report without report_id gets a UUID from its bytes, the same every time', async () => {
    const [once, again] = [await jsonRows(), await jsonRows()];
    expect(once[4]!.report_id).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(again[4]!.report_id).toBe(once[4]!.report_id);
    expect(new Set(once.map((r) => r.report_id)).size).toBe(3);
  });
});

describe('export --format csv', () => {
  it('a CSV reader reads back the header and the same values as the JSON Lines', async () => {
    const out = path.join(dir, 'rows.csv');
    await exported('--format', 'csv', '-o', out);
    const [header, ...rows] = parse(await readFile(out, 'utf8')) as string[][];
    expect(header).toEqual(COLUMN_NAMES);
    const json = await jsonRows();
    expect(rows).toEqual(json.map((r) => COLUMN_NAMES.map((c) => (r[c] === null ? '' : String(r[c])))));
  });
});

describe('export --format parquet', () => {
  it('DuckDB reads back the rows, with their types', async () => {
    const out = path.join(dir, 'rows.parquet');
    await exported('--format', 'parquet', '-o', out);
    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    const read = await c.runAndReadAll(`SELECT * FROM read_parquet('${out}')`);
    expect(read.columnNames()).toEqual(COLUMN_NAMES);
    const rows = read.getRowObjectsJS();
    expect(rows.map((r) => [r.target, r.verdict, r.blocking, r.accessible])).toEqual([
      ['a', 'reachable', null, null],
      ['b', 'reset', null, null],
      ['a', 'reachable', 'false', true],
      ['b', 'reachable', 'dns', false],
      ['a', 'timeout', null, null],
    ]);
    expect((rows[0]!.started_at as Date).toISOString()).toBe(at(0).toISOString());
    expect(rows[0]!.chain_ms).toBe(180.4);
    const types = await c.runAndReadAll(
      `SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('${out}')) WHERE ` +
        `column_name IN ('started_at', 'partial', 'export_version')`,
    );
    expect(types.getRows()).toEqual([
      ['export_version', 'INTEGER'],
      ['started_at', 'TIMESTAMP'],
      ['partial', 'BOOLEAN'],
    ]);
    c.closeSync();
    db.closeSync();
    expect((await readdir(dir)).filter((f) => f.startsWith('.'))).toEqual([]); // no staging file left
  });

  it('needs -o', async () => {
    const r = await run(['export', reports, '--format', 'parquet']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/-o FILE/);
  });
});

describe('bad input', () => {
  it.each(['csv', 'parquet'])(
    'a truncated report named on the command line: exit 2, and no %s file',
    async (format) => {
      const bad = path.join(dir, 'truncated.json');
      await writeFile(bad, (await readFile(path.join(reports, '1.json'), 'utf8')).slice(0, 300));
      const out = path.join(dir, `never.${format}`);
      const r = await run(['export', path.join(reports, '1.json'), bad, '--format', format, '-o', out]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/truncated\.json:\d+: not valid JSON/);
      expect((await readdir(dir)).filter((f) => f.startsWith('never') || f.startsWith('.'))).toEqual([]);
    },
  );

  it('a file in a folder that is not a report is skipped, naming it', async () => {
    const folder = path.join(dir, 'mixed');
    await mkdir(folder);
    await writeFile(path.join(folder, 'a.json'), await readFile(path.join(reports, '1.json')));
    await writeFile(path.join(folder, 'b.json'), '{"not": "a report"}');
    const r = await run(['export', folder]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/skipped .*b\.json: not a reachprobe report/);
    expect(r.stdout.trim().split('\n')).toHaveLength(2);
  });

  it('a folder with no report at all: exit 2', async () => {
    const empty = path.join(dir, 'empty');
    await mkdir(empty);
    const r = await run(['export', empty, '--format', 'csv']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/no reachprobe report/);
  });
});

/** The SQL in a fenced block of docs/store.md that follows `heading`. */
async function storeDocSql(heading: string): Promise<string> {
  const doc = await readFile(path.join(ROOT, 'docs/store.md'), 'utf8');
  const after = doc.slice(doc.indexOf(heading));
  return /```sql\n([^]*?)```/.exec(after)![1]!;
}

/** The column names of the first CREATE TABLE in `sql`. */
const createdColumns = (sql: string) =>
  [...sql.slice(sql.indexOf('(') + 1, sql.indexOf(')\n')).matchAll(/(?:^|[(,])\s*(\w+) [A-Z]/g)].map(
    (m) => m[1],
  );

describe('docs/store.md', () => {
  it('the ClickHouse and BigQuery tables have every column of the export, in order', async () => {
    expect(createdColumns(await storeDocSql('### ClickHouse'))).toEqual(COLUMN_NAMES);
    expect(createdColumns(await storeDocSql('### BigQuery'))).toEqual(COLUMN_NAMES);
  });

  it('the DuckDB loads run as written, on Parquet and JSON Lines exports', async () => {
    const folder = path.join(dir, 'loads');
    await mkdir(folder);
    for (const name of ['bj-unicom-1', 'sh-telecom-1', 'henan-mobile-1'])
      await exported('--format', 'parquet', '-o', path.join(folder, `${name}.parquet`));
    await writeFile(path.join(folder, 'rows.jsonl'), await exported('--format', 'jsonl'));
    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    await c.run(`SET file_search_path = '${folder}'`);
    const sql = (await storeDocSql('### DuckDB')).replace(/--.*$/gm, '');
    for (const statement of sql.split(';').filter((t) => t.trim() !== '')) await c.run(statement);
    const read = await c.runAndReadAll(
      'SELECT count(*), count(DISTINCT report_id), min(started_at)::VARCHAR, count(accessible) FROM reachprobe_results',
    );
    expect(read.getRowsJS()).toEqual([[20n, 3n, '2026-11-23 12:00:00', 8n]]);
    c.closeSync();
    db.closeSync();
  });
});

describe('docs/export.md', () => {
  it('documents every column, in order, with its type', async () => {
    const doc = await readFile(path.join(ROOT, 'docs/export.md'), 'utf8');
    const documented = [...doc.matchAll(/^\| `(\w+)` \| (\w+) \|/gm)].map((m) => m[1]);
    expect(documented).toEqual(COLUMN_NAMES);
  });
});
