// The history page in a real browser: Debian's headless Chromium loads it from disk (nothing else:
// the page forbids itself any fetch, and Observable Plot is inlined), runs its script, and Plot draws
// a row per service, then the targets. Screenshots at two sizes go to test-output/ for a person to
// look at. Skipped, saying so, where /usr/bin/chromium is not installed; failed in CI (.ci/run
// installs it).
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium as load, hasChromium, SKIPPED, svgTitlesIn } from './helpers/chromium.js';
import { HISTORY_FIXTURES, mockReport, ROOT, run } from './helpers/cli.js';

/** What a hostile server could have put in a reason: markup that would run if the page parsed it. */
const HOSTILE = '</script><b id=injected>x</b><img src=x onerror=document.title=1>';
const SHOTS = path.join(ROOT, 'test-output');

let dir: string;
let page: string;
let written: string;

/** A copy of the report where the first reset's reason is HOSTILE. */
async function hostileCopy(file: string): Promise<string> {
  const doc = JSON.parse(await readFile(file, 'utf8')) as {
    results: Array<{ verdict: string; reason: string }>;
  };
  doc.results.find((r) => r.verdict === 'reset')!.reason = HOSTILE;
  const copy = path.join(dir, 'hostile.json');
  await writeFile(copy, JSON.stringify(doc));
  return copy;
}

const chromium = (...args: string[]) => load(page, dir, ...args);
/** The rects Plot drew, with their fill and hover text. */
const rectsIn = (dom: string) =>
  [...dom.matchAll(/<rect [^>]*fill="(#[0-9a-f]{6})" data-cell="\d+"><title>([^<]*)<\/title>/g)].map((m) => ({
    fill: m[1]!,
    title: m[2]!.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>'),
  }));
/** The width and height in a PNG's header. */
const sizeOf = (png: Buffer) => [png.readUInt32BE(16), png.readUInt32BE(20)];

describe.skipIf(!hasChromium)(`the history page in headless Chromium${SKIPPED}`, () => {
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'reachprobe-browser-'));
    const before = await mockReport(
      path.join(HISTORY_FIXTURES, 'before.yaml'),
      path.join(dir, 'before.json'),
    );
    const after = await hostileCopy(
      await mockReport(path.join(HISTORY_FIXTURES, 'after.yaml'), path.join(dir, 'after.json')),
    );
    page = path.join(dir, 'history.html');
    const r = await run(['history', before, after, '--html', page]);
    expect(r.status, r.stderr).toBe(0);
    written = r.stdout;
  }, 60_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('Plot draws a row per service coloured by its state, then a row per target by verdict', async () => {
    const dom = await chromium('--dump-dom');
    // Services: 4 in the first report, 4 in the second; targets: 4 and 4 (retired went, video came).
    expect(dom).toContain('data-drawn="16"');
    const rects = rectsIn(dom);
    expect(rects).toHaveLength(16);
    const news = rects.filter((r) => r.title.startsWith('News at '));
    expect(news.map((r) => r.title.split('\n')[1])).toEqual(['usable', 'blocked']);
    expect(news.map((r) => r.fill)).toEqual(['#2e9e4f', '#d7301f']); // STATE_COLOR
    expect(news[1]!.title).toMatch(/\nno endpoint that gave evidence works: reset by SNI$/);
    const newsTarget = rects.find((r) => r.title.startsWith('news at ') && r.title.includes('\nreset'));
    expect(newsTarget!.title).toMatch(/\ntls_handshake: connection_reset\nblocked by the name \(TLS SNI\)\n/);
    // The axes: a name per row (services above, targets in the <details>), times along the bottom.
    const labels = [...dom.matchAll(/<text [^>]*>([^<]+)<\/text>/g)].map((m) => m[1]);
    for (const name of ['reports', 'News', 'Video', 'Control (domestic)', 'news', 'retired'])
      expect(labels).toContain(name);
    expect(dom).toMatch(/<details id="targets"><summary>Targets \(5 rows\)/);
    // A tick per report on the "reports" row, its hover text naming the file.
    expect(svgTitlesIn(dom).filter((t) => /^\S+\.json\nstarted /.test(t))).toHaveLength(2);
    expect(written).toMatch(
      /wrote .*history\.html: 2 report\(s\), 5 service row\(s\), 5 target row\(s\), \d+ kB/,
    );
  }, 90_000);

  it('text from a report stays text: no element of it, no script of it ran', async () => {
    const dom = await chromium('--dump-dom');
    expect(dom).toContain('data-drawn="16"');
    expect(dom).not.toMatch(/<(b|img)[\s>]/);
    expect(dom).toContain('<title>reachprobe history</title>');
    expect(svgTitlesIn(dom).some((t) => t.endsWith(`\n${HOSTILE}`))).toBe(true); // shown, as text, on hover
  }, 90_000);

  it('fits the window: screenshots at 1200x900 and 420x900 in test-output/', async () => {
    await mkdir(SHOTS, { recursive: true });
    for (const [w, h] of [
      [1200, 900],
      [420, 900],
    ] as const) {
      const shot = path.join(SHOTS, `history-${w}x${h}.png`);
      await chromium(`--screenshot=${shot}`, `--window-size=${w},${h}`);
      const png = await readFile(shot);
      expect(png.subarray(1, 4).toString()).toBe('PNG');
      expect(sizeOf(png)).toEqual([w, h]);
      expect(png.length).toBeGreaterThan(10_000);
    }
    // The plot is as wide as the page, never wider than the window. (Only at 1200: headless Chromium
    // lays a --dump-dom out at least 500 pixels wide.)
    const dom = await chromium('--dump-dom', '--window-size=1200,900');
    const widths = [...dom.matchAll(/<svg [^>]*width="(\d+)"/g)].map((m) => Number(m[1]));
    expect(Math.max(...widths)).toBeLessThanOrEqual(1200);
    expect(Math.max(...widths)).toBeGreaterThan(1000);
  }, 180_000);
});
