import { readFileSync } from 'node:fs';

/**
 * reachprobe's version, from package.json: the report's `tool`, `--version`, and the helper's answer to a
 * token holder.
 */
export const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
