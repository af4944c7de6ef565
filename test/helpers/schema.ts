// The report schema, compiled once: a report that does not validate fails with ajv's own words.
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { expect } from 'vitest';

export const SCHEMA = JSON.parse(
  readFileSync(new URL('../../src/report/report.schema.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats.default(ajv);
ajv.addSchema(SCHEMA);
const id = SCHEMA.$id as string;

/** What is wrong with `value` by the schema at `ref` (nothing: valid). */
function errorsBy(ref: string) {
  const validate = ajv.getSchema(ref);
  if (!validate) throw new Error(`no schema ${ref}`);
  return (value: unknown): string[] =>
    validate(value) ? [] : ajv.errorsText(validate.errors, { separator: '\n' }).split('\n');
}

const validator = (ref: string) => {
  const errors = errorsBy(ref);
  return (value: unknown) => expect(errors(value)).toEqual([]);
};

export const reportErrors = errorsBy(id);

/** Fails the test unless `doc` is a valid `-o` report. */
export const expectValidReport = validator(id);

/** Fails the test unless every line of `check --json` output is a valid result or summary line. */
export function expectValidJsonLines(stdout: string): Array<Record<string, unknown>> {
  const lines = stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const result = validator(`${id}#/$defs/result_line`);
  const summary = validator(`${id}#/$defs/summary_line`);
  lines.slice(0, -1).forEach(result);
  summary(lines.at(-1));
  return lines;
}
