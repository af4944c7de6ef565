import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../src/model/input-error.js';
import { filterTargets, loadTargets } from '../src/targets/load.js';
import { TakenNames } from '../src/targets/taken.js';
import { deriveName } from '../src/targets/names.js';
import type { Unnamed } from '../src/targets/names.js';

// Citizen Lab test lists and plain URL lists: reading, names, and every kind of bad line.

const HEADER = 'url,category_code,category_description,date_added,source,notes';
let dir: string;
let n = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'reachprobe-lists-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Writes the lines (or bytes) to a fresh file with this extension; returns its path. */
async function file(ext: string, ...lines: Array<string | Buffer>): Promise<string> {
  const path = join(dir, `list-${n++}${ext}`);
  await writeFile(path, Buffer.concat(lines.map((l) => Buffer.concat([Buffer.from(l), Buffer.from('\n')]))));
  return path;
}

async function errorOf(load: Promise<unknown>): Promise<InputError> {
  const err = await load.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (err instanceof InputError) return err;
  throw new Error(`expected an InputError, got ${String(err)}`);
}

describe('Citizen Lab test lists', () => {
  it(
    'reads one target a row, at the line it starts on: service from the host, tag and category from ' +
      'category_code',
    async () => {
      const csv = await file(
        '.csv',
        HEADER,
        'https://www.bbc.com/zhongwen/simp/,NEWS,News Media,2014-04-15,citizenlab,',
        'http://www.hrw.org/,HUMR,Human Rights Issues,2014-04-15,citizenlab,"a note, with a comma',
        'over two lines"',
        '',
        'https://twitter.com/,GRP,Social Networking,2017-04-12,,',
      );
      const targets = await loadTargets([csv]);
      expect(targets.map((t) => [t.name, t.service, t.url, t.tags, t.category, t.source.line])).toEqual([
        ['bbc.com/zhongwen/simp', 'bbc.com', 'https://www.bbc.com/zhongwen/simp/', ['NEWS'], 'NEWS', 2],
        ['http:hrw.org', 'hrw.org', 'http://www.hrw.org/', ['HUMR'], 'HUMR', 3],
        ['twitter.com', 'twitter.com', 'https://twitter.com/', ['GRP'], 'GRP', 6],
      ]);
    },
  );

  it('takes the service from the category when asked, and filters by category ignoring case', async () => {
    const csv = await file(
      '.csv',
      HEADER,
      'https://a.example/,NEWS,,,,',
      'https://b.example/,HUMR,,,,',
      'https://c.example/,NEWS,,,,',
    );
    const targets = await loadTargets([csv], { serviceFrom: 'category' });
    expect(targets.map((t) => t.service)).toEqual(['NEWS', 'HUMR', 'NEWS']);
    expect(filterTargets(targets, { categories: ['news'] }).map((t) => t.name)).toEqual([
      'a.example',
      'c.example',
    ]);
    expect(() => filterTargets(targets, { categories: ['NWES'] })).toThrow(
      'unknown category "NWES" (did you mean `news`?)',
    );
  });

  it('is recognised by its header whatever the file is called, and read from a folder', async () => {
    const listed = await file('.txt', HEADER, 'https://a.example/,NEWS,,,,');
    expect((await loadTargets([listed]))[0]!.category).toBe('NEWS');
    const folder = await mkdtemp(join(dir, 'folder-'));
    await writeFile(join(folder, 'cn.csv'), `${HEADER}\nhttps://b.example/,HUMR,,,,\n`);
    await writeFile(join(folder, 'README.md'), 'not a list');
    expect((await loadTargets([folder])).map((t) => t.name)).toEqual(['b.example']);
  });
});

describe('lists of URLs', () => {
  it('reads one URL a line, skipping blank lines and # comments', async () => {
    const txt = await file(
      '.txt',
      '# from OONI',
      'https://example.com/',
      '',
      '  http://example.com/a?b=1   # a comment',
      'tcp://[2001:db8::1]:22',
      'https://example.com:8443/x/',
    );
    const targets = await loadTargets([txt]);
    expect(targets.map((t) => [t.name, t.service, t.scheme, t.source.line])).toEqual([
      ['example.com', 'example.com', 'https', 2],
      ['http:example.com/a', 'example.com', 'http', 4],
      ['tcp:[2001:db8::1]:22', '2001:db8::1', 'tcp', 5],
      ['example.com:8443/x', 'example.com', 'https', 6],
    ]);
    expect(targets.every((t) => t.tags.length === 0 && t.category === undefined)).toBe(true);
  });

  it('accepts Windows line ends and a file without a final newline', async () => {
    const path = join(dir, 'crlf.txt');
    await writeFile(path, 'https://a.example/\r\nhttps://b.example/');
    expect((await loadTargets([path])).map((t) => t.url)).toEqual([
      'https://a.example/',
      'https://b.example/',
    ]);
  });
});

describe('bad lines: FILE:LINE and the reason', () => {
  const cases: Array<{
    title: string;
    ext: string;
    lines: Array<string | Buffer>;
    line: number;
    message: string;
  }> = [
    {
      title: 'a line that is not a URL',
      ext: '.txt',
      lines: ['https://a.example/', 'example.com'],
      line: 2,
      message: '"example.com" is not a URL',
    },
    {
      title: 'two words on a line',
      ext: '.txt',
      lines: ['https://a.example/ https://b.example/'],
      line: 1,
      message: 'contains white space',
    },
    {
      title: 'an unsupported scheme',
      ext: '.txt',
      lines: ['# x', 'ftp://a.example/'],
      line: 2,
      message: 'unsupported scheme "ftp"',
    },
    {
      title: 'a bad port',
      ext: '.txt',
      lines: ['https://a.example:99999/'],
      line: 1,
      message: 'port 99999 is out of range',
    },
    { title: 'credentials', ext: '.txt', lines: ['https://u:p@a.example/'], line: 1, message: 'credentials' },
    {
      title: 'a YAML file under another name',
      ext: '',
      lines: ['targets:', '  - { name: a }'],
      line: 1,
      message: 'must be named *.yaml or *.yml',
    },
    {
      title: 'comments only',
      ext: '.txt',
      lines: ['# nothing', ''],
      line: 2,
      message: 'no targets: the list has no URLs',
    },
    {
      title: 'bytes that are not UTF-8',
      ext: '.txt',
      lines: ['https://a.example/', Buffer.from([0x68, 0xff, 0xfe])],
      line: 2,
      message: 'not UTF-8 text',
    },
    {
      title: "a CSV header that is not Citizen Lab's",
      ext: '.csv',
      lines: ['url,category,notes', 'https://a/,NEWS,'],
      line: 1,
      message: 'not a Citizen Lab test list header',
    },
    {
      title: 'a row with a column missing',
      ext: '.csv',
      lines: [HEADER, 'https://a.example/,NEWS,,,,', 'https://b.example/,NEWS,,,'],
      line: 3,
      message: 'invalid CSV: Invalid Record Length',
    },
    {
      title: 'an unclosed quote',
      ext: '.csv',
      lines: [HEADER, 'https://a.example/,NEWS,,,,"never closed'],
      line: 2,
      message: 'invalid CSV',
    },
    {
      title: 'a quote left open on a row followed by others: the line of the quote, not the last',
      ext: '.csv',
      lines: [
        HEADER,
        'https://a.example/,NEWS,,,,',
        '"https://b.example/,NEWS,,,,',
        'https://c.example/,NEWS,,,,',
      ],
      line: 3,
      message: 'invalid CSV: a quote opened on this line is never closed',
    },
    {
      title: 'an empty url',
      ext: '.csv',
      lines: [HEADER, ',NEWS,,,,'],
      line: 2,
      message: 'column "url" is empty',
    },
    {
      title: 'a bad url',
      ext: '.csv',
      lines: [HEADER, 'https://a.example/,NEWS,,,,', 'www.b.example,NEWS,,,,'],
      line: 3,
      message: 'column "url": "www.b.example" is not a URL',
    },
    {
      title: 'a bad url after a note over two lines',
      ext: '.csv',
      lines: [HEADER, 'https://a.example/,NEWS,,,,"one', 'two"', '', 'https//b.example/,NEWS,,,,'],
      line: 5,
      message: 'is not a URL',
    },
    {
      title: 'an empty category',
      ext: '.csv',
      lines: [HEADER, 'https://a.example/,,,,,'],
      line: 2,
      message: 'column "category_code" is empty',
    },
    {
      title: 'a category with spaces',
      ext: '.csv',
      lines: [HEADER, 'https://a.example/,NEWS MEDIA,,,,'],
      line: 2,
      message: 'is not a code like NEWS',
    },
    {
      title: 'a header and no rows',
      ext: '.csv',
      lines: [HEADER],
      line: 1,
      message: 'no targets: the list has a header and no rows',
    },
  ];
  for (const c of cases) {
    it(c.title, async () => {
      const path = await file(c.ext, ...c.lines);
      const err = await errorOf(loadTargets([path]));
      expect(err.file).toBe(path);
      expect(err.line).toBe(c.line);
      expect(err.message).toContain(c.message);
    });
  }

  it('refuses an endless line without reading it all', async () => {
    const err = await errorOf(loadTargets(['/dev/zero']));
    expect(err.describe()).toBe(
      '/dev/zero:1: line longer than 65536 characters; is it really a list of URLs?',
    );
  });
});

describe('derived names', () => {
  const unnamed = (
    url: string,
    scheme: 'https' | 'http' | 'tcp',
    host: string,
    port: number,
    path: string,
  ): Unnamed => ({
    service: host,
    url,
    scheme,
    host,
    port,
    path,
    tags: [],
    source: { file: 'x', line: 1 },
  });

  it('keep what tells targets apart and drop what they share', () => {
    expect(deriveName(unnamed('https://www.google.com/', 'https', 'www.google.com', 443, '/'))).toBe(
      'google.com',
    );
    expect(
      deriveName(unnamed('https://google.com:8443/a/b/?q=1', 'https', 'google.com', 8443, '/a/b/?q=1')),
    ).toBe('google.com:8443/a/b');
    expect(deriveName(unnamed('http://www.google.com/', 'http', 'www.google.com', 80, '/'))).toBe(
      'http:google.com',
    );
    expect(deriveName(unnamed('tcp://1.2.3.4:22', 'tcp', '1.2.3.4', 22, '/'))).toBe('tcp:1.2.3.4:22');
    // An internationalised name is measured under punycode and shown in Unicode.
    expect(deriveName(unnamed('http://яндекс.рф/', 'http', 'xn--d1acpjx3f.xn--p1ai', 80, '/'))).toBe(
      'http:яндекс.рф',
    );
    const long = `/${'a'.repeat(60)}`;
    expect(deriveName(unnamed(`https://x.example${long}`, 'https', 'x.example', 443, long))).toBe(
      `x.example/${'a'.repeat(39)}…`,
    );
  });

  it('are the same on every run, collisions settled by list order and never taking a YAML name', async () => {
    const yaml = join(dir, 'named.yaml');
    await writeFile(
      yaml,
      'targets:\n  - { name: "example.com#2", service: S, url: "https://example.org/" }\n',
    );
    const txt = await file(
      '.txt',
      'https://www.example.com/',
      'https://example.com/',
      'https://example.com',
      'https://www.example.com/',
    );
    const first = (await loadTargets([yaml, txt])).map((t) => t.name);
    expect(first).toEqual([
      'example.com#2',
      'example.com',
      'example.com#3',
      'example.com#4',
      'example.com#5',
    ]);
    expect((await loadTargets([yaml, txt])).map((t) => t.name)).toEqual(first);
  });
});

describe('TakenNames', () => {
  it('finds a taken name among thousands, and tells apart two names of the same hash', () => {
    const names: string[] = [];
    const taken = new TakenNames(new Set(['given']), (ref) => names[ref]!);
    const take = (name: string) => {
      taken.add(name, names.length);
      names.push(name);
    };
    for (let i = 0; i < 5_000; i++) take(`tcp:127.0.0.1:${i}`);
    expect(taken.has('given')).toBe(true);
    expect(taken.has('tcp:127.0.0.1:4999')).toBe(true);
    expect(taken.has('tcp:127.0.0.1:5000')).toBe(false);
    // These two have the same 32-bit FNV-1a hash.
    take('tcp:127.0.0.1:17288/17288');
    expect(taken.has('tcp:127.0.0.1:25429/25429')).toBe(false);
    take('tcp:127.0.0.1:25429/25429');
    expect(taken.has('tcp:127.0.0.1:25429/25429')).toBe(true);
  });
});
