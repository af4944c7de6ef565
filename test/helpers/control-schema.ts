// The helper protocol's schema (draft-07, as fastify validates with it), compiled once.
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { expect } from 'vitest';

const SCHEMA = JSON.parse(
  readFileSync(new URL('../../src/helper/control.schema.json', import.meta.url), 'utf8'),
) as { $id: string };
const ajv = new Ajv({ allErrors: true, strict: true });
ajv.addSchema(SCHEMA);

function validator(name: string) {
  const validate = ajv.getSchema(`${SCHEMA.$id}#/definitions/${name}`)!;
  return (value: unknown) =>
    expect(validate(value) ? [] : ajv.errorsText(validate.errors, { separator: '\n' }).split('\n')).toEqual(
      [],
    );
}

export const expectValidRequest = validator('request');
export const expectValidLine = validator('line');

/** Every line of a helper's answer, each valid, the last one the end line. */
export function controlLines(body: string): Array<Record<string, unknown>> {
  const lines = body
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  lines.forEach(expectValidLine);
  expect(lines.at(-1)?.type).toBe('end');
  return lines;
}
