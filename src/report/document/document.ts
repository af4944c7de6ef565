import { open, rename, rm } from 'node:fs/promises';
import type { RunSummary, TargetResult } from '../../model/result.js';
import type { VantagePoint } from '../../model/vantage-point.js';
import { temporaryBeside } from './atomic-stream.js';

export const SCHEMA_VERSION = 1;

/** What an interrupted run did not measure (see report.schema.json). */
export interface InterruptedRun {
  signal: 'SIGINT' | 'SIGTERM';
  at: string;
  abandoned: string[];
  not_started: number;
}

/** The whole report as one JSON document, for -o FILE; report.schema.json describes every field. */
export interface ReportDocument {
  schema_version: number;
  /** A random UUID per run, which tells reports apart (`ingest`). Absent in reports made before it. */
  report_id?: string;
  tool: { name: string; version: string };
  /** --label, --network, --country: absent when no --label was given. */
  vantage_point?: VantagePoint;
  /** Interrupted: `results` holds only the targets that finished. */
  partial: boolean;
  interrupted?: InterruptedRun;
  /** The options that shape results: timeouts, resolver, concurrency... */
  options: Record<string, unknown>;
  summary: RunSummary;
  results: TargetResult[];
}

/**
 * Writes a file so that a reader sees the old content or the new, never half of it: a temporary
 * file in the same folder, flushed to disk, then renamed over the target.
 */
export async function writeAtomically(file: string, text: string): Promise<void> {
  const temporary = temporaryBeside(file);
  try {
    const handle = await open(temporary, 'wx', 0o644);
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
  } catch (err) {
    await rm(temporary, { force: true });
    throw err;
  }
}
