import type net from 'node:net';
import type { ConnectObservation } from '../model/observation.js';
import type { Dialer } from '../net/tcp.js';
import type { Stopwatch } from './stopwatch.js';

export interface ConnectCheck {
  observation: ConnectObservation;
  /** The open connection, for the TLS or HTTP check that follows. */
  socket?: net.Socket;
}

export async function checkConnect(
  dial: Dialer,
  address: string,
  port: number,
  timeoutMs: number,
  watch: Stopwatch,
): Promise<ConnectCheck> {
  const stop = watch.start();
  const outcome = await dial(address, port, timeoutMs);
  const base = { check: 'connect' as const, address, port };
  return outcome.ok
    ? { observation: { ...base, ...stop() }, socket: outcome.value }
    : { observation: { ...base, ...stop(), failure: outcome.failure } };
}
