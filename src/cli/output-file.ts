import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../model/input-error.js';
import { writeAtomically } from '../report/document/document.js';

// The files a run writes (-o, --prom): a name from a template, made sure writable before anything is
// measured, held under a lock for the run, and written atomically at the end.

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** strftime's fields, in UTC like every time in a report. */
const FIELDS: Record<string, (d: Date) => string> = {
  Y: (d) => String(d.getUTCFullYear()),
  m: (d) => pad(d.getUTCMonth() + 1),
  d: (d) => pad(d.getUTCDate()),
  H: (d) => pad(d.getUTCHours()),
  M: (d) => pad(d.getUTCMinutes()),
  S: (d) => pad(d.getUTCSeconds()),
  F: (d) => `${FIELDS.Y!(d)}-${FIELDS.m!(d)}-${FIELDS.d!(d)}`,
  T: (d) => `${FIELDS.H!(d)}:${FIELDS.M!(d)}:${FIELDS.S!(d)}`,
  s: (d) => String(Math.floor(d.getTime() / 1000)),
  '%': () => '%',
};

/** `reports/%Y-%m-%dT%H%M%SZ.json` with the run's start time, in UTC. */
export function expandTemplate(template: string, at: Date): string {
  return template.replace(/%(.)?/g, (_all, field: string | undefined) => {
    const format = field === undefined ? undefined : FIELDS[field];
    if (!format)
      throw new InputError(
        `unknown %${field ?? ''} in the file name (known: %Y %m %d %H %M %S %F %T %s %%)`,
        template,
      );
    return format(at);
  });
}

interface LockOwner {
  pid: number;
  started_at: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(lock: string): LockOwner | undefined {
  try {
    return JSON.parse(readFileSync(lock, 'utf8')) as LockOwner;
  } catch {
    return undefined; // being written, or gone: treated as held, then retried
  }
}

/**
 * An output file of this run: its folder made and checked writable, and `FILE.lock` taken, so that
 * two overlapping runs (cron jobs that run long) cannot both write it: the second refuses. A lock
 * whose process is gone (killed, second Ctrl-C) is stale and taken over.
 */
export class OutputFile {
  private readonly lock: string;

  private constructor(readonly file: string) {
    this.lock = `${file}.lock`;
  }

  /** Fails before anything is measured, rather than after a long run. */
  static claim(template: string, startedAt: Date): OutputFile {
    const file = expandTemplate(template, startedAt);
    const dir = path.dirname(path.resolve(file));
    try {
      mkdirSync(dir, { recursive: true });
    } catch (err) {
      throw new InputError(`cannot make the folder ${dir}: ${(err as NodeJS.ErrnoException).code}`, file);
    }
    const output = new OutputFile(file);
    output.take(true);
    return output;
  }

  private take(retry: boolean): void {
    const owner: LockOwner = { pid: process.pid, started_at: new Date().toISOString() };
    try {
      // A real file, not access(): root passes access() even where no file can be made (/proc).
      writeFileSync(this.lock, JSON.stringify(owner), { flag: 'wx' });
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST')
        throw new InputError(
          `the folder ${path.dirname(path.resolve(this.file))} is not writable (${code})`,
          this.file,
        );
    }
    const holder = readOwner(this.lock);
    if (retry && holder && !alive(holder.pid)) {
      rmSync(this.lock, { force: true });
      return this.take(false);
    }
    const who = holder ? `pid ${holder.pid}, since ${holder.started_at}` : 'unknown process';
    throw new InputError(
      `another reachprobe run (${who}) is writing this file; remove ${this.lock} if it is stale`,
      this.file,
    );
  }

  async write(text: string): Promise<void> {
    try {
      await writeAtomically(this.file, text);
    } catch (err) {
      throw new InputError(`cannot write: ${(err as Error).message}`, this.file);
    }
  }

  release(): void {
    rmSync(this.lock, { force: true });
  }
}
