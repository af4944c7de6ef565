import diagnostics_channel from 'node:diagnostics_channel';
import { channelName, STEPS, type TraceEvent } from '../net/trace.js';

// --verbose: the steps the layers trace (net/trace.ts), a line each on stderr as they happen.

/** "[  0.412 s] tls      TLS handshake, SNI x, 1.2.3.4:443: connection_reset after 12 ms" */
export function traceLine(event: TraceEvent, sinceStartMs: number): string {
  const at = `[${(sinceStartMs / 1000).toFixed(3).padStart(8)} s]`;
  const end =
    event.outcome === undefined
      ? ''
      : `: ${event.outcome}${event.durationMs === undefined ? '' : ` after ${Math.round(event.durationMs)} ms`}`;
  return `${at} ${event.step.padEnd(7)}  ${event.what}${end}`;
}

/** Prints every step to `stderr` until the returned function is called. */
export function traceTo(stderr: NodeJS.WritableStream): () => void {
  const start = performance.now();
  const print = (message: unknown) =>
    void stderr.write(`${traceLine(message as TraceEvent, performance.now() - start)}\n`);
  for (const step of STEPS) diagnostics_channel.subscribe(channelName(step), print);
  return () => {
    for (const step of STEPS) diagnostics_channel.unsubscribe(channelName(step), print);
  };
}

/** Runs `use` with the steps printed to stderr when `verbose`. */
export async function tracedWhen<T>(verbose: boolean | undefined, use: () => Promise<T>): Promise<T> {
  const stop = verbose ? traceTo(process.stderr) : undefined;
  try {
    return await use();
  } finally {
    stop?.();
  }
}
