import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

// Observable Plot (and the d3 it draws with), read from the installed packages to be inlined in a
// page, so the page opens offline from a file. Read only by the commands that write a page: about
// 490 kB, which a terminal command has no use for.

const require = createRequire(import.meta.url);

/** A file of an installed package, from the package's folder (its `exports` name no dist files). */
function packageFile(name: string, file: string): string {
  const entry = require.resolve(name);
  const marker = `${path.sep}node_modules${path.sep}${name.split('/').join(path.sep)}${path.sep}`;
  return path.join(entry.slice(0, entry.lastIndexOf(marker) + marker.length), file);
}

/** The scripts a page needs before its own, d3 first (Plot's UMD build finds it as the global `d3`). */
export function plotLibraries(): Promise<string[]> {
  return Promise.all([
    readFile(packageFile('d3', 'dist/d3.min.js'), 'utf8'),
    readFile(packageFile('@observablehq/plot', 'dist/plot.umd.min.js'), 'utf8'),
  ]);
}
