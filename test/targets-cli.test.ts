import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, spawnCli } from './helpers/cli.js';

// `reachprobe targets`: what check would measure, without sending a packet.

let dir: string;
let csv: string;
const HEADER = 'url,category_code,category_description,date_added,source,notes';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'reachprobe-targets-cli-'));
  csv = join(dir, 'cn.csv');
  await writeFile(
    csv,
    `${HEADER}\nhttps://www.bbc.com/zhongwen/,NEWS,News ` +
      `Media,2014-04-15,citizenlab,\nhttps://www.hrw.org/,HUMR,Human Rights ` +
      `Issues,2014-04-15,citizenlab,\n`,
  );
});
afterAll(() => rm(dir, { recursive: true, force: true }));

interface Listed {
  name: string;
  service: string;
  url: string;
  tags: string[];
  quic: boolean | null;
  category?: string;
}

const parsed = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Listed);

describe('reachprobe targets', () => {
  it('lists a Citizen Lab file as JSON, one object per target, quic unknown', async () => {
    const r = await run(['targets', csv, '--json']);
    expect(r.status).toBe(0);
    expect(parsed(r.stdout)).toEqual([
      {
        name: 'bbc.com/zhongwen',
        service: 'bbc.com',
        url: 'https://www.bbc.com/zhongwen/',
        tags: ['NEWS'],
        quic: null,
        category: 'NEWS',
        source: `${csv}:2`,
      },
      {
        name: 'hrw.org',
        service: 'hrw.org',
        url: 'https://www.hrw.org/',
        tags: ['HUMR'],
        quic: null,
        category: 'HUMR',
        source: `${csv}:3`,
      },
    ]);
  });

  it('prints a table with the filters of check', async () => {
    const r = await run(['targets', csv, '--category', 'humr']);
    expect(r.status).toBe(0);
    const [header, row, count] = r.stdout.trim().split('\n');
    expect(header!.split(/\s+/)).toEqual(['name', 'service', 'url', 'tags', 'quic']);
    expect(row!.split(/\s+/)).toEqual(['hrw.org', 'hrw.org', 'https://www.hrw.org/', 'HUMR']);
    expect(count).toBe('1 target');
  });

  it('lists the bundled targets by default, filtered by service', async () => {
    const r = await run(['targets', '--service', 'google', '--json']);
    expect(r.status).toBe(0);
    const names = parsed(r.stdout).map((t) => t.name);
    expect(names).toContain('google-www');
    expect(parsed(r.stdout).every((t) => t.service === 'Google')).toBe(true);
  });

  it('reads a list of URLs from standard input', async () => {
    const child = spawnCli(['targets', '-', '--json']);
    child.stdin.end('# two\nhttps://a.example/\nhttp://a.example/\n');
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const status = await new Promise((resolve) => child.on('close', resolve));
    expect(status).toBe(0);
    expect(parsed(stdout).map((t) => [t.name, t.url])).toEqual([
      ['a.example', 'https://a.example/'],
      ['http:a.example', 'http://a.example/'],
    ]);
  });

  it('refuses a bad line with FILE:LINE, exit 2 and nothing listed', async () => {
    const bad = join(dir, 'bad.txt');
    await writeFile(bad, 'https://a.example/\nhttps://b.example:0/\n');
    const r = await run(['targets', bad]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`reachprobe: ${bad}:2: port 0 is out of range (1-65535)\n`);
  });

  it('refuses an unknown category with a suggestion', async () => {
    const r = await run(['targets', csv, '--category', 'NEWZ']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('unknown category "NEWZ" (did you mean `news`?)');
  });
});
