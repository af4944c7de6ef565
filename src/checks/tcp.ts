import type net from 'node:net';
import type { ConnectObservation } from '../model/observation.js';
import { hostPort } from '../model/addresses.js';
import type { Dialer } from '../net/tcp.js';
import { traceStep } from '../net/trace.js';
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
  const traced = traceStep<ConnectObservation>('connect', () => `TCP connect, ${hostPort(address, port)}`);
  const stop = watch.start();
  const outcome = await dial(address, port, timeoutMs);
  const base = { check: 'connect' as const, address, port };
  return outcome.ok
    ? { observation: traced({ ...base, ...stop() }), socket: outcome.value }
    : { observation: traced({ ...base, ...stop(), failure: outcome.failure }) };
}
