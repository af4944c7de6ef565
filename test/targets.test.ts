import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../src/model/input-error.js';
import type { Target } from '../src/model/target.js';
import { filterTargets, loadTargets } from '../src/targets/load.js';
import { parseTargets } from '../src/targets/parse.js';
import { closest, editDistance } from '../src/targets/suggest.js';

const FILE = 'fixture.yaml';

/** A YAML text from lines, so a test's line numbers can be read off the array. */
function yaml(...lines: string[]): string {
  return lines.join('\n') + '\n';
}

/** One target entry in flow style, on one line. */
function entry(fields: string): string {
  return `  - { ${fields} }`;
}

function errorOf(run: () => unknown): InputError {
  try {
    run();
  } catch (err) {
    if (err instanceof InputError) return err;
    throw new Error(`expected an InputError, got ${String(err)}`, { cause: err });
  }
  throw new Error('expected an InputError, got no error');
}

async function asyncErrorOf(run: () => Promise<unknown>): Promise<InputError> {
  try {
    await run();
  } catch (err) {
    if (err instanceof InputError) return err;
    throw new Error(`expected an InputError, got ${String(err)}`, { cause: err });
  }
  throw new Error('expected an InputError, got no error');
}

function urlCase(url: string): string {
  return yaml('targets:', entry(`name: t, service: S, url: "${url}"`));
}

describe('parseTargets errors', () => {
  const cases: { title: string; text: string; line: number; message: string[] }[] = [
    {
      title: 'unclosed quote',
      text: yaml('targets:', '  - name: a', '    url: "https://a/'),
      line: 4,
      message: ['invalid YAML', 'Missing closing'],
    },
    {
      title: 'duplicate key',
      text: yaml('targets:', '  - name: a', '    name: b'),
      line: 3,
      message: ['invalid YAML', 'unique'],
    },
    {
      title: 'tab indentation',
      text: yaml('targets:', '\t- name: a'),
      line: 2,
      message: ['invalid YAML', 'Tabs'],
    },
    {
      title: 'two documents',
      text: yaml('targets: []', '---', 'targets: []'),
      line: 2,
      message: ['one document', '"---"'],
    },
    { title: 'empty file', text: '', line: 1, message: ['no targets', 'empty'] },
    { title: 'comments only', text: yaml('# nothing', '# here'), line: 1, message: ['no targets'] },
    {
      title: 'top level a string',
      text: yaml('hello'),
      line: 1,
      message: ['mapping with "targets"', 'not a string'],
    },
    {
      title: 'targets missing',
      text: yaml('defaults:', '  service: S'),
      line: 1,
      message: ['no targets', 'field "targets" is missing'],
    },
    {
      title: 'targets empty',
      text: yaml('defaults: {service: S}', 'targets:'),
      line: 2,
      message: ['no targets', 'empty'],
    },
    {
      title: 'targets an empty list',
      text: yaml('', 'targets: []'),
      line: 2,
      message: ['no targets', 'list is empty'],
    },
    {
      title: 'top-level empty list',
      text: yaml('# none', '[]'),
      line: 2,
      message: ['no targets', 'list is empty'],
    },
    {
      title: 'targets not a list',
      text: yaml('targets:', '  name: a'),
      line: 2,
      message: ['field "targets": must be a list, not a mapping'],
    },
    {
      title: 'unknown top-level field',
      text: yaml('target:', '  - name: a'),
      line: 1,
      message: ['top level: unknown field "target"', 'did you mean `targets`?'],
    },
    {
      title: 'defaults not a mapping',
      text: yaml('defaults: [a]', 'targets: []'),
      line: 1,
      message: ['field "defaults": must be a mapping, not a list'],
    },
    {
      title: 'unknown defaults field',
      text: yaml('defaults:', '  serivce: S', 'targets: []'),
      line: 2,
      message: ['defaults: unknown field "serivce"', 'did you mean `service`?'],
    },
    {
      title: 'defaults cannot give a url',
      text: yaml('defaults:', '  url: https://a/', 'targets: []'),
      line: 2,
      message: [
        'defaults: unknown field "url"',
        'known fields: service, role, expect, quic, essential, tags',
      ],
    },
    {
      title: 'entry not a mapping',
      text: yaml('targets:', entry('name: a, service: S, url: "https://a/"'), '  - just-a-name'),
      line: 3,
      message: ['target #2: must be a mapping', 'not a string'],
    },
    {
      title: 'empty entry',
      text: yaml('targets:', '  -'),
      line: 2,
      message: ['target #1: must be a mapping', 'not empty'],
    },
    {
      title: 'unknown field urll',
      text: yaml('targets:', '  - name: a', '    service: S', '    urll: https://a/'),
      line: 4,
      message: ['target "a": unknown field "urll"', 'did you mean `url`?'],
    },
    {
      title: 'unknown field far from any',
      text: yaml('targets:', '  - name: a', '    colour: red'),
      line: 3,
      message: [
        'target "a": unknown field "colour"',
        'known fields: name, service, url, role, expect, expect_blocking, expect_accessible, quic, ' +
          'expect_quic, essential, tags',
      ],
    },
    {
      title: 'misspelt name reported before missing name',
      text: yaml('targets:', '  - nmae: a'),
      line: 2,
      message: ['target #1: unknown field "nmae"', 'did you mean `name`?'],
    },
    {
      title: 'complex key',
      text: yaml('targets:', '  - ? [a]', '    : b'),
      line: 2,
      message: ['field names must be plain words, not a list'],
    },
    {
      title: 'missing name',
      text: yaml('targets:', entry('service: S, url: "https://a/"')),
      line: 2,
      message: ['target #1: field "name" is missing'],
    },
    {
      title: 'empty name',
      text: yaml('targets:', entry('name: "  ", service: S, url: "https://a/"')),
      line: 2,
      message: ['target #1: field "name": is empty'],
    },
    {
      title: 'name a number',
      text: yaml('targets:', '  - service: S', '    name: 12'),
      line: 3,
      message: ['target #1: field "name": must be a string, not a number'],
    },
    {
      title: 'name with no value',
      text: yaml('targets:', '  - service: S', '    name:'),
      line: 3,
      message: ['target #1: field "name": is empty'],
    },
    {
      title: 'missing service',
      text: yaml('targets:', entry('name: a, url: "https://a/"')),
      line: 2,
      message: ['target "a": field "service" is missing', 'defaults'],
    },
    {
      title: 'service a list',
      text: yaml('targets:', '  - name: a', '    service: [S]'),
      line: 3,
      message: ['target "a": field "service": must be a string, not a list'],
    },
    {
      title: 'missing url',
      text: yaml('targets:', '  - name: a', '    service: S'),
      line: 2,
      message: ['target "a": field "url" is missing'],
    },
    {
      title: 'url a mapping',
      text: yaml('targets:', '  - name: a', '    service: S', '    url: {host: a}'),
      line: 4,
      message: ['target "a": field "url": must be a string, not a mapping'],
    },
    {
      title: 'duplicate names',
      text: yaml(
        'targets:',
        entry('name: a, service: S, url: "https://a/"'),
        entry('name: b, service: S, url: "https://b/"'),
        entry('name: a, service: S, url: "https://c/"'),
      ),
      line: 4,
      message: ['target "a": duplicate name', 'first defined at line 2'],
    },
    {
      title: 'bad role',
      text: yaml('targets:', entry('name: a, service: S, url: "https://a/", role: control-domestc')),
      line: 2,
      message: [
        'target "a": field "role": "control-domestc" is not one of control-domestic, control-foreign',
        'did you mean `control-domestic`?',
      ],
    },
    {
      title: 'bad expect',
      text: yaml('targets:', entry('name: a, service: S, url: "https://a/", expect: blocked')),
      line: 2,
      message: ['target "a": field "expect": "blocked" is not one of reachable, connected, dns-poisoned,'],
    },
    {
      title: 'tags not a list',
      text: yaml('targets:', entry('name: a, service: S, url: "https://a/", tags: x')),
      line: 2,
      message: ['target "a": field "tags": must be a list of strings, not a string'],
    },
    {
      title: 'tag not a string',
      text: yaml(
        'targets:',
        '  - name: a',
        '    service: S',
        '    url: https://a/',
        '    tags:',
        '      - ok',
        '      - 7',
      ),
      line: 7,
      message: ['target "a": field "tags": item 2: must be a string, not a number'],
    },
    {
      title: 'unknown alias',
      text: yaml('targets:', '  - *nope'),
      line: 2,
      message: ['unknown alias "*nope"'],
    },
    {
      title: 'url without scheme',
      text: urlCase('www.google.com'),
      line: 2,
      message: ['target "t": field "url": "www.google.com" is not a URL', 'tcp://host:port'],
    },
    {
      title: 'unsupported scheme',
      text: urlCase('ftp://a.example/'),
      line: 2,
      message: ['target "t": field "url": unsupported scheme "ftp"'],
    },
    {
      title: 'no slashes',
      text: urlCase('https:www.google.com'),
      line: 2,
      message: ['field "url": "https:www.google.com" is not a URL'],
    },
    {
      title: 'host and port only',
      text: urlCase('www.google.com:443'),
      line: 2,
      message: ['field "url": "www.google.com:443" is not a URL'],
    },
    {
      title: 'white space',
      text: urlCase('https://exa mple.com/'),
      line: 2,
      message: ['field "url":', 'contains white space'],
    },
    {
      title: 'credentials',
      text: urlCase('https://user:pass@a.example/'),
      line: 2,
      message: ['field "url": credentials (user:pass@) are not allowed'],
    },
    {
      title: 'user only',
      text: urlCase('https://user@a.example/'),
      line: 2,
      message: ['field "url": credentials'],
    },
    {
      title: 'port too big',
      text: urlCase('https://a.example:70000/'),
      line: 2,
      message: ['field "url": port 70000 is out of range (1-65535)'],
    },
    {
      title: 'port zero',
      text: urlCase('tcp://a.example:0'),
      line: 2,
      message: ['field "url": port 0 is out of range'],
    },
    {
      title: 'port not a number',
      text: urlCase('https://a.example:https/'),
      line: 2,
      message: ['field "url": port "https" is not a number'],
    },
    {
      title: 'port empty',
      text: urlCase('https://a.example:/'),
      line: 2,
      message: ['field "url": port "" is not a number'],
    },
    {
      title: 'no host',
      text: urlCase('https:///path'),
      line: 2,
      message: ['field "url": the URL has no host'],
    },
    {
      title: 'invalid IPv4 host',
      text: urlCase('https://1.2.3.999/'),
      line: 2,
      message: ['field "url": invalid host "1.2.3.999"'],
    },
    {
      title: 'IPv6 without brackets',
      text: urlCase('https://2001:db8::1/'),
      line: 2,
      message: ['field "url": an IPv6 address goes in brackets'],
    },
    {
      title: 'text after IPv6 brackets',
      text: urlCase('https://[2001:db8::1]x/'),
      line: 2,
      message: ['field "url": cannot read host and port from "[2001:db8::1]x"'],
    },
    {
      title: 'tcp without port',
      text: urlCase('tcp://a.example'),
      line: 2,
      message: ['field "url": a tcp:// URL needs a port'],
    },
    {
      title: 'tcp with path',
      text: urlCase('tcp://a.example:5222/chat'),
      line: 2,
      message: ['field "url": a tcp:// URL takes no path'],
    },
    {
      title: 'url error on its own line',
      text: yaml('targets:', '  - name: t', '    service: S', '', '    url: ftp://a/'),
      line: 5,
      message: ['unsupported scheme "ftp"'],
    },
  ];

  it.each(cases)('$title', ({ text, line, message }) => {
    const err = errorOf(() => parseTargets(text, FILE));
    expect(err.file).toBe(FILE);
    expect(err.line).toBe(line);
    for (const fragment of message) expect(err.message).toContain(fragment);
  });
});

describe('parseTargets', () => {
  it('fills every field from a full entry', () => {
    const text = yaml(
      'targets:',
      '  - name: google-www',
      '    service: Google',
      '    url: https://WWW.Google.com/search?q=x#frag',
      '    role: control-foreign',
      '    expect: reachable',
      '    tags: [a, b]',
    );
    expect(parseTargets(text, FILE)).toEqual<Target[]>([
      {
        name: 'google-www',
        service: 'Google',
        url: 'https://WWW.Google.com/search?q=x#frag',
        scheme: 'https',
        host: 'www.google.com',
        port: 443,
        path: '/search?q=x',
        role: 'control-foreign',
        expect: 'reachable',
        tags: ['a', 'b'],
        source: { file: FILE, line: 2 },
      },
    ]);
  });

  it('measures an internationalised name under its punycode, whatever its case', () => {
    const text = yaml(
      'targets:',
      '  - {name: lower, service: Yandex, url: "http://яндекс.рф/"}',
      '  - {name: upper, service: Yandex, url: "https://Яндекс.рф/"}',
    );
    expect(parseTargets(text, FILE).map((t) => [t.host, t.url])).toEqual([
      ['xn--d1acpjx3f.xn--p1ai', 'http://яндекс.рф/'],
      ['xn--d1acpjx3f.xn--p1ai', 'https://Яндекс.рф/'],
    ]);
  });

  it('reads a top-level list and leaves out role and expect when not given', () => {
    const [t] = parseTargets(yaml('# list', '- {name: a, service: S, url: "http://a.example"}'), FILE);
    expect(t).toEqual({
      name: 'a',
      service: 'S',
      url: 'http://a.example',
      scheme: 'http',
      host: 'a.example',
      port: 80,
      path: '/',
      tags: [],
      source: { file: FILE, line: 2 },
    });
    expect(t).not.toHaveProperty('role');
    expect(t).not.toHaveProperty('expect');
  });

  it('applies defaults, lets entries override them, and merges tags', () => {
    const text = yaml(
      'defaults:',
      '  service: Default',
      '  role: control-domestic',
      '  expect: dns-poisoned',
      '  tags: [base, shared]',
      'targets:',
      entry('name: a, url: "https://a.example/"'),
      entry(
        'name: b, service: Own, role: control-foreign, expect: reset, url: "https://b.example/", tags: [shared, own]',
      ),
    );
    const [a, b] = parseTargets(text, FILE);
    expect(a).toMatchObject({
      service: 'Default',
      role: 'control-domestic',
      expect: 'dns-poisoned',
      tags: ['base', 'shared'],
      source: { line: 7 },
    });
    expect(b).toMatchObject({
      service: 'Own',
      role: 'control-foreign',
      expect: 'reset',
      tags: ['base', 'shared', 'own'],
      source: { line: 8 },
    });
  });

  it.each([
    ['https://[2001:DB8::1]/', 'https', '2001:db8::1', 443, '/'],
    ['https://[2001:db8::1]:8443/x', 'https', '2001:db8::1', 8443, '/x'],
    ['tcp://[2001:db8::1]:443', 'tcp', '2001:db8::1', 443, '/'],
    ['tcp://149.154.167.51:443/', 'tcp', '149.154.167.51', 443, '/'],
    ['http://A.Example:8080', 'http', 'a.example', 8080, '/'],
    ['https://a.example:443/', 'https', 'a.example', 443, '/'],
    ['HTTPS://bücher.example/', 'https', 'xn--bcher-kva.example', 443, '/'],
  ])('splits %s', (url, scheme, host, port, path) => {
    const [t] = parseTargets(urlCase(url), FILE);
    expect(t).toMatchObject({ url, scheme, host, port, path });
  });

  it("reads essential from an entry or from defaults, an entry's own false winning", () => {
    const text = yaml(
      'defaults: { service: LINE, essential: true }',
      'targets:',
      entry('name: chat, url: "https://chat.example/"'),
      entry('name: web, essential: false, url: "https://web.example/"'),
    );
    const [chat, web] = parseTargets(text, FILE);
    expect(chat?.essential).toBe(true);
    expect(web?.essential).toBeUndefined();
    const bad = yaml('targets:', entry('name: a, service: S, essential: maybe, url: "https://a.example/"'));
    expect(() => parseTargets(bad, FILE)).toThrow(/target "a": field "essential"/);
  });

  it('follows aliases', () => {
    const text = yaml(
      'targets:',
      '  - name: a',
      '    service: &s Shared',
      '    url: https://a.example/',
      '  - {name: b, service: *s, url: "https://b.example/"}',
    );
    expect(parseTargets(text, FILE).map((t) => t.service)).toEqual(['Shared', 'Shared']);
  });
});

describe('editDistance and closest', () => {
  it.each([
    ['', '', 0],
    ['url', 'urll', 1],
    ['name', 'nmae', 1],
    ['kitten', 'sitting', 3],
    ['abc', '', 3],
  ])('%s → %s is %i', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });

  it('suggests only close candidates, ignoring case', () => {
    expect(closest('URLL', ['name', 'url'])).toBe('url');
    expect(closest('colour', ['name', 'url'])).toBeUndefined();
    expect(closest('google-wwww', ['google-www', 'google-mail'])).toBe('google-www');
  });
});

describe('loadTargets', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'reachprobe-targets-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const one = (name: string): string =>
    yaml('targets:', entry(`name: ${name}, service: S, url: "https://${name}.example/"`));

  it('reads the YAML files of a folder in name order, skipping other files and subfolders', async () => {
    // Written out of order, so the order a directory listing happens to give is not name order.
    for (const name of ['m', 'c', 'x', 'a', 'q', 'f']) await writeFile(join(dir, `${name}.yaml`), one(name));
    await writeFile(join(dir, 'b.yml'), one('b'));
    await writeFile(join(dir, 'notes.txt'), 'not yaml');
    await mkdir(join(dir, 'sub.yaml'));
    await writeFile(join(dir, 'sub.yaml', 'z.yaml'), one('z'));
    const targets = await loadTargets([dir]);
    expect(targets.map((t) => t.name)).toEqual(['a', 'b', 'c', 'f', 'm', 'q', 'x']);
    expect(targets[1]?.source).toEqual({ file: join(dir, 'b.yml'), line: 2 });
  });

  it('reads files and folders together', async () => {
    await mkdir(join(dir, 'more'));
    await writeFile(join(dir, 'more', 'x.yaml'), one('x'));
    await writeFile(join(dir, 'y.yaml'), one('y'));
    const targets = await loadTargets([join(dir, 'y.yaml'), join(dir, 'more')]);
    expect(targets.map((t) => t.name)).toEqual(['y', 'x']);
  });

  it('refuses a folder without YAML files', async () => {
    await writeFile(join(dir, 'notes.txt'), 'x');
    const err = await asyncErrorOf(() => loadTargets([dir]));
    expect(err.file).toBe(dir);
    expect(err.message).toContain('no *.yaml, *.yml or *.csv files');
  });

  it('names a missing file and the reason', async () => {
    const missing = join(dir, 'missing.yaml');
    const err = await asyncErrorOf(() => loadTargets([missing]));
    expect(err.file).toBe(missing);
    expect(err.message).toBe('cannot read: no such file or directory (ENOENT)');
  });

  it('refuses a file that is not UTF-8', async () => {
    const file = join(dir, 'latin1.yaml');
    await writeFile(file, Buffer.concat([Buffer.from(one('a')), Buffer.from([0x23, 0x20, 0xe9, 0x0a])]));
    const err = await asyncErrorOf(() => loadTargets([file]));
    expect(err.file).toBe(file);
    expect(err.message).toContain('not UTF-8');
  });

  it('refuses a file larger than 5 MiB', async () => {
    const file = join(dir, 'big.yaml');
    await writeFile(file, one('a') + '#'.repeat(5 * 1024 * 1024));
    const err = await asyncErrorOf(() => loadTargets([file]));
    expect(err.file).toBe(file);
    expect(err.message).toContain('larger than 5 MiB');
  });

  it.skipIf(process.platform === 'win32')('stops reading an endless file at the limit', async () => {
    const file = join(dir, 'endless.yaml');
    await symlink('/dev/zero', file);
    const err = await asyncErrorOf(() => loadTargets([file]));
    expect(err.describe()).toBe(`${file}: file is larger than 5 MiB; is it really a targets file?`);
  });

  it('passes on parse errors with their file and line', async () => {
    const file = join(dir, 'bad.yaml');
    await writeFile(file, yaml('targets:', '  - name: a', '    service: S', '    urll: https://a/'));
    const err = await asyncErrorOf(() => loadTargets([file]));
    expect(err.describe()).toBe(`${file}:4: target "a": unknown field "urll" (did you mean \`url\`?)`);
  });

  it('refuses a name used in two files, naming both places', async () => {
    await writeFile(join(dir, 'a.yaml'), one('same'));
    await writeFile(
      join(dir, 'b.yaml'),
      yaml(
        '# b',
        'targets:',
        entry('name: other, service: S, url: "https://o/"'),
        entry('name: same, service: S, url: "https://s/"'),
      ),
    );
    const err = await asyncErrorOf(() => loadTargets([dir]));
    const b = join(dir, 'b.yaml');
    expect(err.file).toBe(b);
    expect(err.line).toBe(4);
    expect(err.message).toBe(`target "same": duplicate name, defined at ${join(dir, 'a.yaml')}:2 and ${b}:4`);
  });

  it('refuses an empty list of paths', async () => {
    const err = await asyncErrorOf(() => loadTargets([]));
    expect(err.message).toContain('no targets file');
  });
});

describe('filterTargets', () => {
  const targets = parseTargets(
    yaml(
      'targets:',
      entry('name: google-www, service: Google, url: "https://www.google.com/"'),
      entry('name: google-mail, service: Google, url: "https://mail.google.com/"'),
      entry('name: line-www, service: LINE, url: "https://line.me/"'),
    ),
    FILE,
  );
  const names = (ts: Target[]): string[] => ts.map((t) => t.name);

  it('keeps everything without filters', () => {
    expect(names(filterTargets(targets, {}))).toEqual(['google-www', 'google-mail', 'line-www']);
    expect(names(filterTargets(targets, { only: [], services: [] }))).toEqual([
      'google-www',
      'google-mail',
      'line-www',
    ]);
  });

  it('picks by exact name, in file order', () => {
    expect(names(filterTargets(targets, { only: ['line-www', 'google-www'] }))).toEqual([
      'google-www',
      'line-www',
    ]);
  });

  it('picks by service ignoring case', () => {
    expect(names(filterTargets(targets, { services: ['google'] }))).toEqual(['google-www', 'google-mail']);
  });

  it('applies both filters together', () => {
    expect(names(filterTargets(targets, { only: ['google-www', 'line-www'], services: ['LINE'] }))).toEqual([
      'line-www',
    ]);
  });

  it('refuses an unknown name with a suggestion', () => {
    const err = errorOf(() => filterTargets(targets, { only: ['google-wwww'] }));
    expect(err.message).toBe('unknown target name "google-wwww" (did you mean `google-www`?)');
  });

  it('refuses an unknown service', () => {
    const err = errorOf(() => filterTargets(targets, { services: ['lien'] }));
    expect(err.message).toBe('unknown service "lien" (did you mean `line`?)');
  });
});

describe('targets/default.yaml', () => {
  const path = fileURLToPath(new URL('../targets/default.yaml', import.meta.url));
  const SEEDS = [
    'www.google.com',
    'mail.google.com',
    'accounts.google.com',
    'www.gstatic.com',
    'www.googleapis.com',
    'www.youtube.com',
    'www.dropbox.com',
    'dl.dropboxusercontent.com',
    'api.dropboxapi.com',
    'content.dropboxapi.com',
    'onedrive.live.com',
    'skyapi.onedrive.live.com',
    'api.onedrive.com',
    '1drv.ms',
    'www.flickr.com',
    'api.flickr.com',
    'live.staticflickr.com',
    'line.me',
    'gd2.line.naver.jp',
    'legy-jp.line.naver.jp',
    'obs.line-apps.com',
    'access.line.me',
    'kakao.com',
    'katalk.kakao.com',
    'booking-loco.kakao.com',
    'talk-pilsner.kakao.com',
  ];

  it('parses, with at least 40 uniquely named targets', async () => {
    const targets = await loadTargets([path]);
    expect(targets.length).toBeGreaterThanOrEqual(40);
    expect(new Set(targets.map((t) => t.name)).size).toBe(targets.length);
    for (const t of targets) expect(t.name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  it('has every seed host as an https target tagged seed-2014', async () => {
    const targets = await loadTargets([path]);
    for (const host of SEEDS) {
      const seed = targets.find((t) => t.scheme === 'https' && t.host === host);
      expect(seed, host).toBeDefined();
      expect(seed?.tags, host).toContain('seed-2014');
    }
  });

  it('has the tcp endpoints and plain-HTTP twins', async () => {
    const targets = await loadTargets([path]);
    const urls = targets.map((t) => t.url);
    expect(urls).toEqual(
      expect.arrayContaining([
        'tcp://g.whatsapp.net:5222',
        'tcp://149.154.167.51:443',
        'tcp://149.154.175.50:443',
      ]),
    );
    for (const host of ['www.google.com', 'www.dropbox.com', 'www.facebook.com', 'www.wikipedia.org']) {
      const plain = targets.find((t) => t.scheme === 'http' && t.host === host);
      const secure = targets.find((t) => t.scheme === 'https' && t.host === host);
      expect(plain?.tags, host).toContain('plain-http');
      expect(plain?.service, host).toBe(secure?.service);
    }
  });

  it('gives the controls their roles', async () => {
    const targets = await loadTargets([path]);
    const roleOf = (host: string): [string | undefined, string | undefined] => {
      const t = targets.find((x) => x.host === host);
      return [t?.role, t?.service];
    };
    for (const host of ['www.baidu.com', 'www.qq.com', 'weixin.qq.com'])
      expect(roleOf(host)).toEqual(['control-domestic', 'Control (domestic)']);
    for (const host of ['example.org', 'www.iana.org'])
      expect(roleOf(host)).toEqual(['control-foreign', 'Control (foreign)']);
    expect(targets.filter((t) => t.role !== undefined)).toHaveLength(5);
  });
});
