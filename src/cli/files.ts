import { readFileSync } from 'node:fs';
import { InputError } from '../model/input-error.js';

// The files options name: read whole, each mistake an InputError naming the file (and line).

const READ_ERRORS: Record<string, string> = {
  ENOENT: 'no such file (ENOENT)',
  EACCES: 'permission denied (EACCES)',
  EISDIR: 'a folder, not a file (EISDIR)',
};

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = (code && READ_ERRORS[code]) ?? code ?? (err as Error).message;
    throw new InputError(`cannot read the ${what}: ${why}`, file);
  }
}

/** A PEM file that must hold a block of `label` (CERTIFICATE, PRIVATE KEY...). */
export function readPem(file: string, what: string, label = 'CERTIFICATE'): string {
  const pem = readText(file, what);
  if (!new RegExp(`-----BEGIN [A-Z ]*${label}-----`).test(pem))
    throw new InputError(`no PEM ${label.toLowerCase()} in the ${what}`, file);
  return pem;
}

export const readCa = (file: string) => readPem(file, 'CA file');

/** A token is a secret: one short enough to guess is refused. */
const MIN_TOKEN_CHARS = 16;

/** Bearer tokens, one a line; blank lines and lines starting with # are skipped. */
export function readTokens(file: string): string[] {
  const tokens: string[] = [];
  readText(file, 'token file')
    .split('\n')
    .forEach((raw, i) => {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) return;
      if (!/^[\x21-\x7e]+$/.test(line))
        throw new InputError('a token is printable ASCII without spaces', file, i + 1);
      if (line.length < MIN_TOKEN_CHARS)
        throw new InputError(
          `a token of ${line.length} characters is too short (at least ${MIN_TOKEN_CHARS}: e.g. openssl rand -hex 32)`,
          file,
          i + 1,
        );
      tokens.push(line);
    });
  if (tokens.length === 0) throw new InputError('no token in the token file', file);
  return tokens;
}
