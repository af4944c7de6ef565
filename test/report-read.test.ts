import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../src/model/input-error.js';
import { collectReports, readReport } from '../src/report/document/read.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'reachprobe-read-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const result = { name: 'a', service: 'S', verdict: 'reachable', reason: 'fine' };
const report = (over: Record<string, unknown> = {}) => ({
  schema_version: 1,
  tool: { name: 'reachprobe', version: '0.1.0' },
  options: {},
  summary: { started_at: '2026-11-23T12:00:00.000Z' },
  results: [result],
  ...over,
});

async function file(name: string, content: unknown): Promise<string> {
  const p = path.join(dir, name);
  await writeFile(p, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return p;
}

/** The InputError reading `content` gives, as the CLI prints it (file name replaced by F). */
async function errorFor(content: unknown): Promise<string> {
  const p = await file('bad.json', content);
  const err = await readReport(p).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InputError);
  return (err as InputError).describe().replace(p, 'F');
}

describe('readReport', () => {
  it('reads a report; partial is false when absent, true when the document says so', async () => {
    expect((await readReport(await file('ok.json', report()))).partial).toBe(false);
    const partial = await readReport(await file('partial.json', report({ partial: true })));
    expect(partial).toMatchObject({ partial: true, doc: { results: [result] } });
  });

  it.each<[string, unknown, string | RegExp]>([
    [
      'bad JSON, with its line',
      '{\n  "schema_version": 1,\n  "tool": 1,\n}\n',
      /^F:4: not valid JSON: Expected double-quoted property name/,
    ],
    [
      'a file cut short, at its last line',
      '{\n  "schema_version": 1,\n  "tool": \n',
      /^F:3: not valid JSON: Unexpected end/,
    ],
    [
      'bad JSON V8 quotes, on one line',
      '{\n  "tool": }\n',
      /^F: not valid JSON: Unexpected token '}', .* is not valid JSON$/,
    ],
    ['an array', [1], 'F: not a reachprobe report (no "tool": {"name": "reachprobe"})'],
    [
      'another tool',
      report({ tool: { name: 'other' } }),
      'F: not a reachprobe report (no "tool": {"name": "reachprobe"})',
    ],
    [
      'a newer schema',
      report({ schema_version: 2 }),
      'F: schema_version 2 is newer than this reachprobe reads (1): upgrade reachprobe',
    ],
    [
      'no schema_version',
      report({ schema_version: undefined }),
      'F: unknown schema_version undefined (this reachprobe reads 1)',
    ],
    ['no start time', report({ summary: {} }), 'F: no valid summary.started_at'],
    [
      'a start that is no time',
      report({ summary: { started_at: 'yesterday' } }),
      'F: no valid summary.started_at',
    ],
    ['no results', report({ results: {} }), 'F: no results list'],
    [
      'a result without a name',
      report({ results: [{ ...result, name: 3 }] }),
      'F: results[0]: no name or service',
    ],
    [
      'an unknown verdict',
      report({ results: [{ ...result, verdict: 'blocked' }] }),
      'F: results[0]: unknown verdict "blocked"',
    ],
    [
      'a failure that is no string',
      report({ results: [{ ...result, failure: 7 }] }),
      'F: results[0]: failure is not a string',
    ],
    ['a name twice', report({ results: [result, { ...result }] }), 'F: results[1]: target "a" appears twice'],
  ])('%s is an InputError naming the file', async (_, content, message) => {
    const described = await errorFor(content);
    if (typeof message === 'string') expect(described).toBe(message);
    else expect(described).toMatch(message);
  });

  it('a missing file is an InputError naming it', async () => {
    const missing = path.join(dir, 'missing.json');
    await expect(readReport(missing)).rejects.toThrow(/cannot read the report: ENOENT/);
  });
});

describe('collectReports', () => {
  it('in a folder: every *.json by name, bad ones skipped and listed; hidden and other files left alone', async () => {
    const folder = path.join(dir, 'folder');
    await mkdir(folder);
    await writeFile(path.join(folder, 'b.json'), JSON.stringify(report()));
    await writeFile(path.join(folder, 'a.json'), JSON.stringify(report()));
    await writeFile(path.join(folder, 'notes.json'), '{"todo": []}');
    await writeFile(path.join(folder, '.b.json.1234.tmp'), '{');
    await writeFile(path.join(folder, 'README.txt'), 'hello');
    const { reports, skipped } = await collectReports([folder], (r) => path.basename(r.file));
    expect(reports).toEqual(['a.json', 'b.json']);
    expect(skipped.map((e) => e.describe())).toEqual([
      `${path.join(folder, 'notes.json')}: not a reachprobe report (no "tool": {"name": "reachprobe"})`,
    ]);
  });

  it('a bad file named on the command line is an error, not skipped', async () => {
    const good = await file('good.json', report());
    const bad = await file('named-bad.json', '{"tool": {"name": "reachprobe"}, "schema_version": 1}');
    await expect(collectReports([good, bad], (r) => r.file)).rejects.toThrow(InputError);
  });

  it('no report at all is an error', async () => {
    const empty = path.join(dir, 'empty');
    await mkdir(empty);
    await expect(collectReports([empty], (r) => r.file)).rejects.toThrow(`no reachprobe report in ${empty}`);
  });
});
