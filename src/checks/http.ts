import net from 'node:net';
import type { HttpObservation } from '../model/observation.js';
import type { Target } from '../model/target.js';
import { hostPort } from '../model/addresses.js';
import { httpGet } from '../net/http.js';
import { traceStep } from '../net/trace.js';
import type { Stopwatch } from './stopwatch.js';

export interface HttpCheckOptions {
  address: string;
  /** Send this Host instead of the target's (the decoy). */
  host?: string;
  timeoutMs: number;
  maxBodyBytes: number;
  userAgent: string;
  /** Measure the body's transfer, with this stall threshold (see httpGet). */
  transferStallMs?: number;
}

/** The origin as a browser would send it in the Host header: brackets for IPv6, no default port. */
function originOf(target: Target, name = target.host): string {
  const host = net.isIPv6(name) ? `[${name}]` : name;
  const defaultPort = target.scheme === 'https' ? 443 : 80;
  return `${target.scheme}://${host}${target.port === defaultPort ? '' : `:${target.port}`}`;
}

export async function checkHttp(
  socket: net.Socket,
  target: Target,
  opts: HttpCheckOptions,
  watch: Stopwatch,
): Promise<HttpObservation> {
  const origin = originOf(target, opts.host);
  const traced = traceStep<HttpObservation>(
    opts.host === undefined ? 'http' : 'decoy',
    () => `HTTP GET ${origin}${target.path}, ${hostPort(opts.address, target.port)}`,
    (o) => `status ${o.status ?? '-'}, ${o.body_bytes} bytes`,
  );
  const stop = watch.start();
  const {
    failure,
    status,
    location,
    server,
    headers,
    headerNames,
    bodyBytes,
    bodyTruncated,
    title,
    bodySha256,
    transfer,
  } = await httpGet(socket, {
    origin,
    path: target.path,
    timeoutMs: opts.timeoutMs,
    maxBodyBytes: opts.maxBodyBytes,
    userAgent: opts.userAgent,
    ...(opts.transferStallMs !== undefined ? { transferStallMs: opts.transferStallMs } : {}),
  });
  const observation: HttpObservation = {
    check: 'http_round_trip',
    address: opts.address,
    port: target.port,
    url: `${origin}${target.path}`,
    ...stop(),
    body_bytes: bodyBytes,
    body_truncated: bodyTruncated,
  };
  if (opts.host !== undefined) observation.host_header = opts.host;
  if (status !== undefined) observation.status = status;
  if (location !== undefined) observation.location = location;
  if (server !== undefined) observation.server_header = server;
  if (headers !== undefined) observation.headers = headers;
  if (headerNames !== undefined) observation.header_names = headerNames;
  if (title !== undefined) observation.title = title;
  if (bodySha256 !== undefined) observation.body_sha256 = bodySha256;
  if (transfer) observation.transfer = transfer;
  if (failure) observation.failure = failure;
  return traced(observation);
}
