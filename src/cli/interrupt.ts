import { EXIT } from './meta.js';

// The signals that stop a command, SIGINT (Ctrl-C) and SIGTERM, for every command that waits for them.

export type StopSignal = 'SIGINT' | 'SIGTERM';

const STOP_SIGNALS: readonly StopSignal[] = ['SIGINT', 'SIGTERM'];

/** Calls `handler` at every SIGINT or SIGTERM (instead of the default exit) until the returned function is called. */
export function onStopSignals(handler: (signal: StopSignal) => void): () => void {
  const listeners = STOP_SIGNALS.map((name) => [name, () => handler(name)] as const);
  for (const [name, listener] of listeners) process.on(name, listener);
  return () => {
    for (const [name, listener] of listeners) process.off(name, listener);
  };
}

/**
 * The first SIGINT or SIGTERM, or undefined after `ms` when given. The listeners go then: a second
 * signal has its default effect.
 */
export function untilStopped(ms?: number): Promise<StopSignal | undefined> {
  return new Promise((resolve) => {
    const done = (signal?: StopSignal) => {
      clearTimeout(timer);
      dispose();
      resolve(signal);
    };
    const dispose = onStopSignals(done);
    const timer = ms === undefined ? undefined : setTimeout(done, ms);
  });
}

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
  const dispose = onStopSignals((name) => {
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
    stderr.write(
      `\nreachprobe: ${name}: finishing the running checks, then writing what finished (again to quit now)\n`,
    );
    controller.abort(name);
  });
  return { signal: controller.signal, dispose };
}
