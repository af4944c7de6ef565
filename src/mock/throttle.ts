// How the mock network slows a response: a policer keyed on a name holds a flow to a rate, a
// freeze stops every connection to an address after so many bytes, and a slow server is slow for
// everyone. A server in user space cannot drop segments on loopback as the 2021 policer did (that
// needs root and a qdisc); it holds the bytes over the rate back instead, which the receiver sees
// as the same ceiling. The freeze sends nothing more and keeps the connection open, as TSPU does.
import type net from 'node:net';

/** How one response is paced; nothing set sends it as fast as the client reads. */
export interface Pace {
  bytesPerSecond?: number;
  /** Response bytes after which nothing more is sent. */
  freezeAfterBytes?: number;
}

/** The policer's rate when a scenario names none: the 2021 Twitter policer's, 130 kbit/s. */
export const POLICER_BYTES_PER_SECOND = 130_000 / 8;

const TICK_MS = 20;

const bodies = new Map<number, Buffer>();

/** A body of `size` bytes: one buffer per size, shared by every response (the bench serves a thousand). */
export function bodyOf(size: number): Buffer {
  let body = bodies.get(size);
  if (!body) {
    body = Buffer.alloc(size, 'reachprobe mock body\n');
    bodies.set(size, body);
  }
  return body;
}

export const isPaced = (pace: Pace) =>
  pace.bytesPerSecond !== undefined || pace.freezeAfterBytes !== undefined;

/**
 * Writes `data` at the pace given, then calls `done` (never, for a frozen response). Each tick sends
 * what the rate allows since the start, so the average holds whatever the timer's lag.
 */
export function sendPaced(stream: net.Socket, data: Buffer, pace: Pace, done: () => void): void {
  const limit = Math.min(data.length, pace.freezeAfterBytes ?? Infinity);
  const rate = pace.bytesPerSecond ?? Infinity;
  const started = Date.now();
  let sent = 0;
  const tick = () => {
    if (stream.destroyed) return stop();
    if (stream.writableNeedDrain) return;
    const allowed = Math.min(limit, Math.floor(((Date.now() - started + TICK_MS) * rate) / 1000));
    if (allowed > sent) {
      stream.write(data.subarray(sent, allowed));
      sent = allowed;
    }
    if (sent < data.length && sent < limit) return;
    stop();
    if (sent === data.length) done(); // a frozen response stays open, silent
  };
  const timer = setInterval(tick, TICK_MS);
  const stop = () => clearInterval(timer);
  stream.once('close', stop);
  tick();
}
