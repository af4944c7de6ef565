import net from 'node:net';
import { DeadlineError, connectFailure } from './errors/classify.js';
import { failed, ok, type Outcome } from '../model/outcome.js';

/**
 * Opens a TCP connection to an IP literal; what the checks use to reach a server. When `cancel`
 * aborts, the connection is destroyed, whether still connecting or open: a run given up leaves no
 * descriptor behind it.
 */
export type Dialer = (
  address: string,
  port: number,
  timeoutMs: number,
  cancel?: AbortSignal,
) => Promise<Outcome<net.Socket>>;

/**
 * Connects with an explicit deadline: without one Linux retries a SYN for about two minutes.
 * The returned socket has an error listener, so a RST that arrives while nobody reads it cannot
 * crash the process; whoever uses the socket listens for errors itself.
 */
export const dialTcp: Dialer = (address, port, timeoutMs, cancel) => dial(address, port, timeoutMs, cancel);

/** A dialer whose connections come from `localAddress` (a machine with several: the helper's --source-address). */
export const dialerFrom =
  (localAddress: string): Dialer =>
  (address, port, timeoutMs, cancel) =>
    dial(address, port, timeoutMs, cancel, localAddress);

const dial = (
  address: string,
  port: number,
  timeoutMs: number,
  cancel?: AbortSignal,
  localAddress?: string,
): Promise<Outcome<net.Socket>> =>
  new Promise((resolve) => {
    if (cancel?.aborted) return resolve(failed(connectFailure(new CancelledError())));
    const socket = net.connect({
      host: address,
      port,
      noDelay: true,
      ...(localAddress ? { localAddress } : {}),
    });
    const done = (outcome: Outcome<net.Socket>) => {
      clearTimeout(timer);
      socket.removeListener('error', onError);
      resolve(outcome);
    };
    const onError = (err: Error) => {
      socket.destroy();
      done(failed(connectFailure(err)));
    };
    const timer = setTimeout(() => {
      socket.destroy();
      done(failed(connectFailure(new DeadlineError('TCP connect', timeoutMs))));
    }, timeoutMs);
    socket.once('error', onError);
    socket.once('connect', () => {
      socket.on('error', () => {});
      done(ok(socket));
    });
    if (!cancel) return;
    const onCancel = () => (socket.connecting ? onError(new CancelledError()) : socket.destroy());
    cancel.addEventListener('abort', onCancel, { once: true });
    socket.once('close', () => cancel.removeEventListener('abort', onCancel));
  });

/** What a dial ends with when its run is given up (its result is never reported). */
class CancelledError extends Error {
  constructor() {
    super('cancelled: the run that asked for it was given up');
  }
}
