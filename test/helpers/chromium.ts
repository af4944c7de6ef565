// Debian's headless Chromium, for the tests of the pages: with a profile of its own and nothing that
// reaches out on its own. Tests skip, saying so, where /usr/bin/chromium is not installed, and fail
// in CI (.ci/run installs it).
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'vitest';
import { exec } from './cli.js';
import { CHROMIUM, unavailable } from './required.js';

const missing = unavailable(
  'the tests in headless Chromium',
  existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is missing (apt-get install chromium)`,
);
export const hasChromium = missing === undefined;
export const SKIPPED = hasChromium ? '' : ` (SKIPPED: ${missing})`;

/** Loads `page` (a file) with `args` (--dump-dom, --screenshot=...); a profile folder is made in `dir`. */
export async function chromium(page: string, dir: string, ...args: string[]): Promise<string> {
  const profile = await mkdtemp(path.join(dir, 'profile-'));
  const flags = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
  ];
  const quiet = ['--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`];
  const r = await exec(CHROMIUM, [...flags, ...quiet, ...args, pathToFileURL(page).href], {}, 60_000);
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

const ENTITIES: Record<string, string> = { '&lt;': '<', '&gt;': '>', '&quot;': '"', '&amp;': '&' };
const decoded = (text: string) => text.replace(/&(lt|gt|quot|amp);/g, (e) => ENTITIES[e]!);

/** The title attributes of the serialized DOM, decoded (Chromium escapes at least & and "). */
export function titlesIn(dom: string): string[] {
  return [...dom.matchAll(/title="([^"]*)"/g)].map((m) => decoded(m[1]!));
}

/** The texts of the SVG title elements (a plot's hover texts), decoded. */
export function svgTitlesIn(dom: string): string[] {
  return [...dom.matchAll(/<title>([^<]*)<\/title>/g)].map((m) => decoded(m[1]!));
}
