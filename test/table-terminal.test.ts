// check's table in a real pseudo-terminal (util-linux `script`), at 80, 120 and 200 columns: no line
// longer than the terminal, a line per service with its verdict, no target row broken; `--wide` and
// piped output keep whole lines. Needs `npm run build`.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import stringWidth from 'string-width';
import { BIN, exec, ROOT } from './helpers/cli.js';

const ONLY =
  'control-domestic,control-foreign,sni-innocuous,sni-rst,ip-rst,dns-race,quic-sni,down-everywhere';
const ARGS = ['check', '--mock', 'gfw', '--only', ONLY];
const HEADINGS = [
  'Google — partly blocked: sni-rst (reset by SNI)',
  'LINE — blocked: reset by address',
  'YouTube — blocked: dns-poisoned',
  'Defunct — down (fails from abroad too)',
  'Control (domestic) — usable',
];

/** What the terminal shows: colours dropped, CRLF as newlines (stderr, the progress line, left out). */
async function inTerminal(columns: number, extra: string[] = [], args = ARGS): Promise<string[]> {
  const command = [process.execPath, BIN, ...args, ...extra].map((a) => `'${a}'`).join(' ');
  const shell = `stty cols ${columns} rows 50; COLUMNS=${columns} ${command} 2>/dev/null`;
  const r = await exec('script', ['-qfec', shell, '/dev/null'], {}, 60_000);
  expect(r.status, r.stderr).toBe(0);
  // eslint-disable-next-line no-control-regex
  return r.stdout.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').split(/\r?\n/);
}

const longest = (lines: string[]) => Math.max(...lines.map((l) => [...l].length));

describe('the check table in a terminal', () => {
  it.each([80, 120, 200])(
    'at %i columns every line fits, under a line per service',
    async (columns) => {
      const lines = await inTerminal(columns);
      expect(longest(lines)).toBeLessThanOrEqual(columns);
      for (const heading of HEADINGS) expect(lines).toContain(heading);
      // No row broken mid-column: each target's name and verdict are on one line.
      expect(lines.some((l) => /^ {2}sni-rst +reset\b/.test(l))).toBe(true);
      expect(lines.some((l) => /^ {4}quic +timeout\b/.test(l))).toBe(true);
      expect(lines.some((l) => l.startsWith(`(to fit ${columns} columns:`))).toBe(true);
    },
    90_000,
  );

  it('CJK names take two columns a character: at 80 columns no line is wider than the terminal', async () => {
    const scenario = path.join(ROOT, 'test/fixtures/wide-names.yaml');
    const lines = await inTerminal(80, [], ['check', '--mock', scenario]);
    // Terminal columns, not UTF-16 units: 微 takes two, the combining accent of café none.
    expect(Math.max(...lines.map((l) => stringWidth(l)))).toBeLessThanOrEqual(80);
    expect(lines.some((l) => l.startsWith('微信 WeChat — blocked: reset by SNI'))).toBe(true);
    expect(lines).toContain('ライン LINE — usable');
    // Each row whole on its line, its verdict in the column under the others'.
    const row = lines.find((l) => l.startsWith('  微信长连接上海华东机房  '));
    const other = lines.find((l) => l.startsWith('  ラインメッセージ配信サーバー  '));
    expect(row).toMatch(/ reset\b/);
    expect(other).toMatch(/ reachable\b/);
    const verdictAt = (l: string, word: string) => stringWidth(l.slice(0, l.indexOf(word)));
    expect(verdictAt(row!, 'reset')).toBe(verdictAt(other!, 'reachable'));
    expect(lines.some((l) => l.startsWith('  cafe\u0301-de-flore ') && / reachable\b/.test(l))).toBe(true);
  }, 90_000);

  it('--wide prints whole lines even in a terminal', async () => {
    const lines = await inTerminal(80, ['--wide']);
    expect(longest(lines)).toBeGreaterThan(120);
    expect(lines.some((l) => /blocked by the name \(TLS SNI\) .*\(all 3 tries\)$/.test(l))).toBe(true);
    expect(lines.join('\n')).not.toContain('to fit');
  }, 90_000);

  it('piped, the lines are whole (for grep), under the same service lines', async () => {
    // The same allowance as in a terminal: on a loaded CI machine this run once took over 15 s.
    const r = await exec(process.execPath, [BIN, ...ARGS], {}, 60_000);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines).toContain(HEADINGS[0]);
    expect(lines.some((l) => /^ {2}sni-rst +reset +as expected .*\(all 3 tries\)$/.test(l))).toBe(true);
    expect(r.stdout).not.toContain('…');
  }, 90_000);
});
