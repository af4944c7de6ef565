// The QUIC handshake check: one QUIC v1 handshake to an address and UDP port, recorded as a
// QuicObservation. A decoy (another SNI, certificate unchecked) goes first when attribution asks.
import type dgram from 'node:dgram';
import type { CheckPurpose } from '../model/observation.js';
import type { QuicObservation } from '../model/quic.js';
import { hostPort } from '../model/addresses.js';
import { dialQuic, type QuicDialResult } from '../net/quic/dial.js';
import { traceStep } from '../net/trace.js';
import type { Stopwatch } from './stopwatch.js';
import type { TlsCheckOptions } from './tls.js';

/** As a TLS check's (the port is 443, or the one the Alt-Svc header names), and: */
export interface QuicCheckOptions extends TlsCheckOptions {
  purpose?: CheckPurpose;
  /** The SNI to send instead of the host (the decoy's name). */
  sni?: string;
  /** Tests pass their own (a fixed source port, say). */
  createSocket?: (type: 'udp4' | 'udp6') => dgram.Socket;
  onAnswer?: () => void;
  cancel?: AbortSignal;
}

export async function checkQuic(opts: QuicCheckOptions, watch: Stopwatch): Promise<QuicObservation> {
  const traced = traceStep<QuicObservation>(
    opts.purpose === 'decoy' ? 'decoy' : 'quic',
    () => `QUIC handshake, SNI ${opts.sni ?? opts.host}, ${hostPort(opts.address, opts.port)}`,
    (o) => `${o.stage}`,
  );
  const stop = watch.start();
  const result = await dialQuic({
    address: opts.address,
    port: opts.port,
    host: opts.host,
    ...(opts.sni !== undefined ? { sni: opts.sni } : {}),
    ca: opts.ca,
    verify: opts.verify,
    timeoutMs: opts.timeoutMs,
    clock: watch.clock,
    ...(opts.createSocket ? { createSocket: opts.createSocket } : {}),
    ...(opts.onAnswer ? { onAnswer: opts.onAnswer } : {}),
    ...(opts.cancel ? { cancel: opts.cancel } : {}),
  });
  return traced({
    check: 'quic_handshake',
    ...(opts.purpose ? { purpose: opts.purpose } : {}),
    ...stop(),
    ...observed(result),
  });
}

/** The dial's result in the report's field names; absent facts stay absent. */
function observed(
  r: QuicDialResult,
): Omit<QuicObservation, 'check' | 'purpose' | 'started_ms' | 'duration_ms'> {
  const o: ReturnType<typeof observed> = {
    address: r.address,
    port: r.port,
    stage: r.stage,
    retry: r.retry,
    initials_sent: r.initialsSent,
    datagrams_sent: r.datagramsSent,
    datagrams_received: r.datagramsReceived,
    datagrams_unread: r.datagramsUnread,
    bytes_received: r.bytesReceived,
    ignored: r.ignored.reasons,
    ignored_total: r.ignored.total,
  };
  const optional = {
    local_port: r.localPort,
    sni: r.sni,
    cipher: r.cipher,
    alpn: r.alpn,
    signature_scheme: r.signatureScheme,
    certificate: r.certificate,
    server_versions: r.serverVersions?.map((v) => `0x${v.toString(16).padStart(8, '0')}`),
    first_response_ms: r.firstResponseMs,
    handshake_ms: r.handshakeMs,
    failure: r.failure,
  };
  for (const [key, value] of Object.entries(optional))
    if (value !== undefined) Object.assign(o, { [key]: value });
  return o;
}
