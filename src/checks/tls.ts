import net from 'node:net';
import type tls from 'node:tls';
import type { TlsObservation } from '../model/observation.js';
import { hostPort } from '../model/addresses.js';
import { handshake } from '../net/tls.js';
import { traceStep } from '../net/trace.js';
import type { Stopwatch } from './stopwatch.js';

export interface TlsCheck {
  observation: TlsObservation;
  /** The secured connection, only when the certificate is valid for the name (or not checked). */
  socket?: tls.TLSSocket;
}

export interface TlsCheckOptions {
  host: string;
  address: string;
  port: number;
  ca: string[];
  /** False for the decoy: its certificate is for another name by design, and is not checked. */
  verify: boolean;
  timeoutMs: number;
}

export async function checkTls(tcp: net.Socket, opts: TlsCheckOptions, watch: Stopwatch): Promise<TlsCheck> {
  // Only the decoy's certificate goes unchecked (and doctor's, which reads the server's clock).
  const traced = traceStep<TlsObservation>(
    opts.verify ? 'tls' : 'decoy',
    () =>
      `TLS handshake, SNI ${opts.host}${opts.verify ? '' : ' (certificate unchecked)'}, ` +
      hostPort(opts.address, opts.port),
  );
  const stop = watch.start();
  const { socket, ...details } = await handshake(tcp, {
    host: opts.host,
    ca: opts.ca,
    verify: opts.verify,
    timeoutMs: opts.timeoutMs,
  });
  const observation: TlsObservation = {
    check: 'tls_handshake',
    address: opts.address,
    port: opts.port,
    ...(net.isIP(opts.host) === 0 ? { sni: opts.host } : {}),
    ...stop(),
    ...details,
  };
  traced(observation);
  return socket ? { observation, socket } : { observation };
}
