import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, exec, ROOT, run } from './helpers/cli.js';

// The mistakes of a first hour with reachprobe, told at once and in the tool's own voice.

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'reachprobe-first-hour-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('usage errors', () => {
  it.each([
    [['check', '--bogus'], "reachprobe: unknown option '--bogus'", '(reachprobe check --help for usage)'],
    [['history', '--last', 'x'], "reachprobe: option '--last <n>'", '(reachprobe history --help for usage)'],
    [['bogus'], "reachprobe: unknown command 'bogus'", '(reachprobe --help for usage)'],
  ])('%j starts with "reachprobe:" and points to its own help', async (args, first, help) => {
    const r = await run(args);
    expect(r.status).toBe(2);
    const [line1, line2] = r.stderr.trim().split('\n');
    expect(line1).toContain(first);
    expect(line1!.startsWith('reachprobe: ')).toBe(true);
    expect(line2).toBe(help);
  });

  it('check --help fits in 100 columns, verdicts included', async () => {
    const r = await run(['check', '--help']);
    expect(r.stdout).toContain('Verdicts:');
    expect(r.stdout).toMatch(/\n {2}http-diff {8}both answered over plain HTTP/);
    const wide = r.stdout.split('\n').filter((l) => l.length > 100);
    expect(wide).toEqual([]);
  });
});

describe('--mock with a helper of ones own', () => {
  it('refuses --helper without its token file before the mock network starts', async () => {
    const r = await run(['check', '--mock', 'gfw', '--helper', 'https://127.0.0.1:9']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      "reachprobe: --helper needs --helper-token-file: the mock network's token is for its own helper only\n",
    );
  });

  it('names a missing token file at once', async () => {
    const r = await run(['check', '--mock', 'gfw', '--helper-token-file', '/nonexistent/token']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      'reachprobe: /nonexistent/token: cannot read the token file: no such file (ENOENT)\n',
    );
  });
});

describe('a check that misses its expect_blocking', () => {
  it('lists the blocking it expected and the one it got, not the verdict twice', async () => {
    const scenario = path.join(dir, 'blocking.yaml');
    await writeFile(
      scenario,
      [
        'description: a reachable target expected to be blocked by DNS',
        'servers:',
        '  web: { tls: good }',
        'targets:',
        '  - { name: fine, service: S, url: "https://fine.reachprobe.test/", server: web, expect: ' +
          'reachable, expect_blocking: dns }',
        '',
      ].join('\n'),
    );
    const r = await run(['check', '--mock', scenario]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(
      new RegExp(
        /1 target\(s\) did not meet their expect:\nTARGET +EXPECTED +GOT +WHY/.source +
          /\nfine +blocking=dns accessible=true +blocking=false accessible=true +HTTP 200/.source,
      ),
    );
  });
});

describe('-o', () => {
  it('says where it wrote on a terminal, and keeps quiet elsewhere (cron)', async () => {
    const out = path.join(dir, 'r.json');
    const command = `"${process.execPath}" "${BIN}" check --mock clean --only control-domestic -o ${out}`;
    const onTerminal = await exec('script', ['-qec', `${command} >/dev/null`, '/dev/null'], {}, 60_000);
    expect(onTerminal.stdout).toContain(`wrote ${out}: 1 target(s)`);
    const piped = await run(['check', '--mock', 'clean', '--only', 'control-domestic', '-o', out]);
    expect(piped.stderr).not.toContain('wrote');
  });
});

describe('history over the reports of two vantage points', () => {
  const labelled = 'test/fixtures/reports/labelled/';
  const rowOf = (out: string, name: string) => out.split('\n').find((l) => l.startsWith(`  ${name}  `));

  it('keeps each vantage point on rows of its own, and names it in the report list', async () => {
    const r = await run(['history', path.join(ROOT, labelled)]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/#\s+STARTED \(UTC\)\s+AFTER\s+LABEL\s+TARGETS/);
    // Reports 1 and 3 are sh-mock-1's, 2 and 4 ha-mock-1's: one vantage point blocked, not a flapping target.
    expect(rowOf(r.stdout, 'google-www @sh-mock-1')).toMatch(/ \. \.  +reachable$/);
    expect(rowOf(r.stdout, 'google-www @ha-mock-1')).toMatch(/ {2}R R {2}reset, blocking http-failure$/);
    expect(rowOf(r.stdout, 'google-www')).toBeUndefined();
  });

  it('keeps them apart in the HTML page too', async () => {
    const page = path.join(dir, 'two.html');
    const r = await run(['history', path.join(ROOT, labelled), '--html', page]);
    expect(r.status).toBe(0);
    const html = await readFile(page, 'utf8');
    expect(html).toContain('"name":"google-www @ha-mock-1"');
    expect(html).toMatch(/"label":"2026-12-02 \d\d:\d\d:\d\dZ @sh-mock-1"/);
  });

  it('shows one vantage point with --label, without a store', async () => {
    const r = await run(['history', path.join(ROOT, labelled), '--label', 'ha-mock-1']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^2 report\(s\)/);
    expect(rowOf(r.stdout, 'google-www')).toMatch(/ {2}RR {2}reset/);
    const none = await run(['history', path.join(ROOT, labelled), '--label', 'bj-1']);
    expect(none.status).toBe(2);
    expect(none.stderr).toBe(
      'reachprobe: no report of --label bj-1 (the reports have ha-mock-1, sh-mock-1)\n',
    );
  });
});

describe('ingest of a folder of folders', () => {
  it('adds the reports of its subfolders, and an empty query names the labels the store has', async () => {
    const db = path.join(dir, 'store.duckdb');
    const r = await run(['ingest', path.join(ROOT, 'test/fixtures/reports/'), '--db', db]);
    expect(r.stdout).toBe(`${db}: added 6 report(s), 32 row(s); 0 already in the store\n`);
    const compared = await run(['history', '--db', db, '--compare', 'sh-mock-1,ha-mock-1']);
    expect(compared.status).toBe(0);
    const none = await run(['history', '--db', db, '--label', 'bj-1']);
    expect(none.status).toBe(2);
    expect(none.stderr).toContain(
      'no result in the store for this span and these labels (the store has --label ha-mock-1, ' +
        '--label sh-mock-1, results without a label)',
    );
  }, 60_000); // three runs that open DuckDB
});
