// The history page in a real browser: Debian's headless Chromium loads it from disk (nothing else:
// the page forbids itself any fetch), runs its script, and draws the heatmap. Skipped, saying so,
// where /usr/bin/chromium is not installed; failed in CI (.ci/run installs it).
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium as load, hasChromium, SKIPPED, titlesIn } from './helpers/chromium.js';
import { HISTORY_FIXTURES, mockReport, run } from './helpers/cli.js';

/** What a hostile server could have put in a reason: markup that would run if the page parsed it. */
const HOSTILE = '</script><b id=injected>x</b><img src=x onerror=document.title=1>';

let dir: string;
let page: string;

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
  }, 60_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('the script runs and draws a cell per target and report, with its verdict and hover text', async () => {
    const dom = await chromium('--dump-dom');
    expect(dom).toContain('data-drawn="10"'); // 5 targets x 2 reports
    const cells = [...dom.matchAll(/<td class="cell[^"]*"/g)];
    expect(cells).toHaveLength(10);
    expect(dom).toMatch(
      /<th class="name">news<\/th><td class="cell v-reachable" title="news at [^"]*\nreachable\n/,
    );
    expect(dom).toMatch(
      new RegExp(
        /<td class="cell v-reset" title="news at [^"]*\nreset, blocking http-failure/.source +
          /\ntls_handshake: connection_reset\nblocked by the name \(TLS SNI\)\n/.source,
      ),
    );
    expect(dom).toMatch(/<td class="cell absent" title="video: not in this report"/);
    // Each column labelled with its report's start time.
    expect([...dom.matchAll(/<th class="time"[^]*?>(\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ)<\/th>/g)]).toHaveLength(
      2,
    );
  }, 90_000);

  it('text from a report stays text: no element of it, no script of it ran', async () => {
    const dom = await chromium('--dump-dom');
    expect(dom).toContain('data-drawn="10"');
    expect(dom).not.toMatch(/<(b|img)[\s>]/);
    expect(dom).toContain('<title>reachprobe history</title>');
    expect(titlesIn(dom).some((t) => t.endsWith(`\n${HOSTILE}`))).toBe(true); // shown, as text, on hover
  }, 90_000);

  it('renders to a screenshot', async () => {
    const shot = path.join(dir, 'history.png');
    await chromium(`--screenshot=${shot}`, '--window-size=1200,900');
    const png = await readFile(shot);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.length).toBeGreaterThan(10_000);
  }, 90_000);
});
