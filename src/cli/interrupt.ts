import { EXIT } from './meta.js';

export type StopSignal = 'SIGINT' | 'SIGTERM';

export interface Interrupt {
  /** Aborted, with the signal's name as reason, at the first SIGINT or SIGTERM. */
  signal: AbortSignal;
  dispose(): void;
}

/**
 * The first Ctrl-C (or SIGTERM) asks the run to stop and report what finished; the second exits at
 * once, leaving no report (the atomic write means no half-written one either).
 */
export function interruptOnSignals(stderr: NodeJS.WritableStream): Interrupt {
  const controller = new AbortController();
  const handler = (name: StopSignal) => {
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
    stderr.write(
      `\nreachprobe: ${name}: finishing the running checks, then writing what finished (again to quit now)\n`,
    );
    controller.abort(name);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
