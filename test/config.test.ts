import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { applyConfig } from '../src/cli/config.js';
import { positiveInteger } from '../src/cli/flags.js';
import { InputError } from '../src/model/input-error.js';
import { run } from './helpers/cli.js';

// The config file: keys from check's own options, the command line winning, typos refused.

let dir: string;
let xdg: string;
const env = () => ({ XDG_CONFIG_HOME: xdg });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'reachprobe-config-'));
  xdg = join(dir, 'xdg');
  await mkdir(join(xdg, 'reachprobe'), { recursive: true });
  await writeFile(join(dir, 'list.txt'), 'https://a.example/\nhttps://b.example/\n');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function config(name: string, ...lines: string[]): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, `${lines.join('\n')}\n`);
  return path;
}

/** The `config` command's line for an option: [value, from]. */
function line(stdout: string, key: string): string[] {
  const found = stdout.split('\n').find((l) => l.startsWith(`${key} `));
  if (!found) throw new Error(`no line for ${key} in:\n${stdout}`);
  return found
    .slice(key.length)
    .trim()
    .split(/\s{2,}/);
}

describe('reachprobe config', () => {
  it('says where each value came from: the command line over --config over the default', async () => {
    const file = await config(
      'a.yaml',
      'resolver: 192.0.2.53',
      'dns-timeout: 2',
      'control-doh:',
      '  - https://127.0.0.1:8443/dns-query',
      'no-decoy: true',
      'targets: [list.txt]',
    );
    const r = await run(['config', '--config', file, '--dns-timeout', '3'], env());
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`config file: ${file}`);
    expect(line(r.stdout, 'resolver')).toEqual(['192.0.2.53', `${file}:1`]);
    expect(line(r.stdout, 'dns-timeout')).toEqual(['3', 'command line']);
    expect(line(r.stdout, 'control-doh')).toEqual(['https://127.0.0.1:8443/dns-query', `${file}:3`]);
    expect(line(r.stdout, 'no-decoy')).toEqual(['true', `${file}:5`]);
    expect(line(r.stdout, 'targets')).toEqual([join(dir, 'list.txt'), `${file}:6`]);
    expect(line(r.stdout, 'concurrency')).toEqual(['-', 'default (32)']);
  });

  it('reads $XDG_CONFIG_HOME/reachprobe/config.yaml without --config, and --config replaces it', async () => {
    await writeFile(join(xdg, 'reachprobe', 'config.yaml'), 'concurrency: 4\n');
    try {
      const found = await run(['config'], env());
      expect(line(found.stdout, 'concurrency')).toEqual(['4', `${join(xdg, 'reachprobe', 'config.yaml')}:1`]);
      const other = await run(['config', '--config', await config('b.yaml', 'tries: 2')], env());
      expect(line(other.stdout, 'concurrency')).toEqual(['-', 'default (32)']);
    } finally {
      await rm(join(xdg, 'reachprobe', 'config.yaml'));
    }
    expect((await run(['config'], env())).stdout).toContain('config file: none');
  });

  it('knows the helper options check does not have yet', async () => {
    const file = await config(
      'helper.yaml',
      'helper: https://helper.example:8443/',
      'helper-resolve: helper.example:8443:127.0.0.1',
    );
    const r = await run(['config', '--config', file], env());
    expect(r.status).toBe(0);
    expect(line(r.stdout, 'helper')).toEqual(['https://helper.example:8443/', `${file}:1`]);
    // check reads such a file, and leaves to doctor the keys it has no option for (a helper
    // without its token file is a usage mistake of its own, with --mock too).
    const doctorOnly = await config('doctor-only.yaml', 'helper-resolve: helper.example:8443:127.0.0.1');
    const checked = await run(
      ['check', '--mock', 'clean', '--only', 'control-domestic', '--config', doctorOnly],
      env(),
    );
    expect(checked.status).toBe(0);
  });
});

describe('bad config files: FILE:LINE, exit 2', () => {
  const cases: Array<{ title: string; lines: string[]; line: number; message: string }> = [
    {
      title: 'an unknown key, with a suggestion',
      lines: ['# mine', 'resolvr: 192.0.2.53'],
      line: 2,
      message: 'unknown field "resolvr" (did you mean `resolver`?)',
    },
    {
      title: 'a value its option refuses',
      lines: ['dns-timeout: soon'],
      line: 1,
      message: '"dns-timeout": expected a number of seconds',
    },
    {
      title: 'a switch that is not true or false',
      lines: ['json: please'],
      line: 1,
      message: '"json": must be true or false',
    },
    {
      title: 'a list for a one-value option',
      lines: ['resolver: [192.0.2.1, 192.0.2.2]'],
      line: 1,
      message: '"resolver": takes one value, not a list',
    },
    {
      title: 'a bad item in a list',
      lines: ['control-doh:', '  - https://127.0.0.1/q', '  - http://127.0.0.1/q'],
      line: 3,
      message: 'needs an https:// URL',
    },
    {
      title: 'a list at the top',
      lines: ['- resolver'],
      line: 1,
      message: 'must be a mapping of option names',
    },
    { title: 'invalid YAML', lines: ['resolver: "192.0.2.1'], line: 2, message: 'invalid YAML' },
  ];
  for (const c of cases) {
    it(c.title, async () => {
      const file = await config(`bad-${c.line}-${c.title.length}.yaml`, ...c.lines);
      for (const command of [['config'], ['targets'], ['check']]) {
        const r = await run([...command, '--config', file], env());
        expect(r.status).toBe(2);
        expect(r.stderr).toContain(`${file}:${c.line}: `);
        expect(r.stderr).toContain(c.message);
        expect(r.stdout).toBe('');
      }
    });
  }

  it('names a --config file that does not exist', async () => {
    const r = await run(['targets', '--config', join(dir, 'nope.yaml')], env());
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('nope.yaml: cannot read the config file: ENOENT');
  });
});

describe('check and targets with a config file', () => {
  it('take their targets and filters from it, the command line winning', async () => {
    const file = await config('sel.yaml', 'targets: list.txt', 'only: [b.example]');
    expect((await run(['targets', '--config', file, '--json'], env())).stdout).toContain(
      '"name":"b.example"',
    );
    const over = await run(['targets', '--config', file, '--only', 'a.example', '--json'], env());
    expect(
      over.stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { name: string }).name),
    ).toEqual(['a.example']);
  });

  it('check runs the mock network with options from the file', async () => {
    const file = await config('mock.yaml', 'mock: clean', 'json: true', 'only: [control-domestic]');
    const r = await run(['check', '--config', file], env());
    expect(r.status).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { name?: string; type?: string });
    expect(lines.filter((l) => l.name !== undefined).map((l) => l.name)).toEqual(['control-domestic']);
  });
});

describe('config keys come from the options themselves', () => {
  it(
    'takes an option added to a command later as a key, parsed by its own parser, with suggestions ' +
      'among them all',
    async () => {
      const command = new Command('probe')
        .option('--added-later <n>', 'an option another branch adds', positiveInteger(9))
        .option('--other <x>', 'another');
      command.parse(['--other', 'given'], { from: 'user' });
      const good = await config('later.yaml', 'added-later: 7', 'other: from-file');
      const loaded = applyConfig(command, good, command.options);
      expect(command.opts()).toEqual({ addedLater: 7, other: 'given' });
      expect(loaded.lines.get('addedLater')).toBe(1);
      const typo = await config('later-typo.yaml', 'added-latr: 7');
      expect(() => applyConfig(command, typo, command.options)).toThrow(InputError);
      expect(() => applyConfig(command, typo, command.options)).toThrow(
        'unknown field "added-latr" (did you mean `added-later`?)',
      );
      const refused = await config('later-bad.yaml', 'added-later: 70');
      expect(() => applyConfig(command, refused, command.options)).toThrow(
        '"added-later": expected a whole number from 1 to 9.',
      );
    },
  );
});
