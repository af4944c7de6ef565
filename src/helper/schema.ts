import { readFileSync } from 'node:fs';

/**
 * The helper protocol's schema (shipped beside the code, as the report's is): the helper validates requests
 * with it.
 */
export const CONTROL_SCHEMA = JSON.parse(
  readFileSync(new URL('./control.schema.json', import.meta.url), 'utf8'),
) as { $id: string } & Record<string, unknown>;
