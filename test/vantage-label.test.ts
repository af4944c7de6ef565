// --label, --network, --country and the report id: in the document, the JSON Lines summary and the
// metrics, all valid by the schema; bad values are usage errors.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from './helpers/cli.js';
import { expectValidJsonLines, expectValidReport } from './helpers/schema.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'reachprobe-label-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('a labelled run', () => {
  it('carries the vantage point and one report id in the document, the summary line and the metrics', async () => {
    const out = path.join(dir, 'r.json');
    const prom = path.join(dir, 'r.prom');
    const r = await run([
      'check',
      '--mock',
      'clean',
      '--json',
      '-o',
      out,
      '--prom',
      prom,
      '--label',
      'bj-unicom-1',
      '--network',
      'China "Unicom"',
      '--country',
      'cn',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(await readFile(out, 'utf8')) as Record<string, unknown>;
    expectValidReport(doc);
    expect(doc.vantage_point).toEqual({ label: 'bj-unicom-1', network: 'China "Unicom"', country: 'CN' });
    expect(doc.report_id).toMatch(UUID);
    const summary = expectValidJsonLines(r.stdout).at(-1)!;
    expect(summary).toMatchObject({
      type: 'summary',
      report_id: doc.report_id,
      vantage_point: doc.vantage_point,
    });
    const metrics = await readFile(prom, 'utf8');
    expect(metrics).toContain(
      'reachprobe_vantage_point_info{label="bj-unicom-1",network="China \\"Unicom\\"",country="CN"} 1',
    );
  });

  it('without --label: no vantage point, no info metric, but still a fresh report id per run', async () => {
    const [a, b] = [path.join(dir, 'a.json'), path.join(dir, 'b.json')];
    const prom = path.join(dir, 'a.prom');
    expect((await run(['check', '--mock', 'clean', '-o', a, '--prom', prom])).status).toBe(0);
    expect((await run(['check', '--mock', 'clean', '-o', b])).status).toBe(0);
    const [da, db] = await Promise.all(
      [a, b].map(async (f) => JSON.parse(await readFile(f, 'utf8')) as Record<string, unknown>),
    );
    expectValidReport(da);
    expect(da).not.toHaveProperty('vantage_point');
    expect(da!.report_id).toMatch(UUID);
    expect(da!.report_id).not.toBe(db!.report_id);
    expect(await readFile(prom, 'utf8')).not.toContain('reachprobe_vantage_point_info');
  });
});

describe('bad vantage flags', () => {
  it.each([
    [['--label', 'has space'], /--label.*letters, digits/],
    [['--label', 'x'.repeat(65)], /--label.*1 to 64/],
    [['--label', 'a', '--country', 'CHN'], /--country.*two-letter/],
    [['--label', 'a', '--network', 'two\nlines'], /--network[^]*one line/],
    [['--country', 'CN'], /give its --label too/],
  ])('%j is a usage error (exit 2)', async (flags, message) => {
    const out = path.join(dir, 'never.json');
    const r = await run(['check', '--mock', 'clean', '-o', out, ...(flags as string[])]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    await expect(readFile(out)).rejects.toThrow(/ENOENT/);
  });
});
