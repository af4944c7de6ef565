// The history page in a real browser: Debian's headless Chromium loads it from disk (nothing else:
// the page forbids itself any fetch), runs its script, and draws the heatmap. Skipped, saying so,
// where /usr/bin/chromium is not installed (.ci/run installs it).
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exec, HISTORY_FIXTURES, mockReport, run } from './helpers/cli.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const SKIPPED = hasChromium ? '' : ` (SKIPPED: ${CHROMIUM} is missing; apt-get install chromium)`;
if (!hasChromium) console.warn(`history-browser.test.ts${SKIPPED}`);

/** What a hostile server could have put in a reason: markup that would run if the page parsed it. */
const HOSTILE = '</script><b id=injected>x</b><img src=x onerror=document.title=1>';

/** The title attributes of the serialized DOM, decoded (Chromium escapes at least & and "). */
function titlesIn(dom: string): string[] {
  const entities: Record<string, string> = { '&lt;': '<', '&gt;': '>', '&quot;': '"', '&amp;': '&' };
  return [...dom.matchAll(/title="([^"]*)"/g)].map((m) => m[1]!.replace(/&(lt|gt|quot|amp);/g, (e) => entities[e]!));
}

let dir: string;
let page: string;

/** A copy of the report where the first reset's reason is HOSTILE. */
async function hostileCopy(file: string): Promise<string> {
  const doc = JSON.parse(await readFile(file, 'utf8')) as { results: Array<{ verdict: string; reason: string }> };
  doc.results.find((r) => r.verdict === 'reset')!.reason = HOSTILE;
  const copy = path.join(dir, 'hostile.json');
  await writeFile(copy, JSON.stringify(doc));
  return copy;
}

/** Headless Chromium, with a profile of its own and nothing that reaches out on its own. */
async function chromium(...args: string[]): Promise<string> {
  const profile = await mkdtemp(path.join(dir, 'profile-'));
  const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking'];
  const quiet = ['--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`];
  const r = await exec(CHROMIUM, [...flags, ...quiet, ...args, pathToFileURL(page).href], {}, 60_000);
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

describe.skipIf(!hasChromium)(`the history page in headless Chromium${SKIPPED}`, () => {
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'reachprobe-browser-'));
    const before = await mockReport(path.join(HISTORY_FIXTURES, 'before.yaml'), path.join(dir, 'before.json'));
    const after = await hostileCopy(await mockReport(path.join(HISTORY_FIXTURES, 'after.yaml'), path.join(dir, 'after.json')));
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
    expect(dom).toMatch(/<th class="name">news<\/th><td class="cell v-reachable" title="news at [^"]*\nreachable\n/);
    expect(dom).toMatch(/<td class="cell v-reset" title="news at [^"]*\nreset\ntls_handshake: connection_reset\nblocked by the name \(TLS SNI\)\n/);
    expect(dom).toMatch(/<td class="cell absent" title="video: not in this report"/);
    // Each column labelled with its report's start time.
    expect([...dom.matchAll(/<th class="time"[^]*?>(\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ)<\/th>/g)]).toHaveLength(2);
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
