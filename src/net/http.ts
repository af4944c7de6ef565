import type net from 'node:net';
import { Client } from 'undici';
import { DeadlineError, failureOf, type Failure } from '../model/failure.js';

export interface HttpGetOptions {
  /** scheme://host[:port]: sets the Host header; the connection itself is the socket given. */
  origin: string;
  path: string;
  timeoutMs: number;
  maxBodyBytes: number;
  userAgent: string;
}

export interface HttpGetResult {
  status?: number;
  location?: string;
  server?: string;
  bodyBytes: number;
  bodyTruncated: boolean;
  failure?: Failure;
}

const header = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/**
 * What the client is destroyed with once the GET is over. Without one, undici makes a fresh
 * ClientDestroyedError for every target, and its stack trace is taken and then formatted when the
 * socket is destroyed with it: a few percent of a 10,000-target run's CPU, for an error nobody reads.
 */
const DONE = Object.assign(new Error('the GET is over'), { code: 'REACHPROBE_DONE' });

/** A closed socket, refused to undici: it would ask for the connection again and again. */
const gone = () => Object.assign(new Error('the connection closed before the request'), { code: 'UND_ERR_SOCKET' });

/**
 * One GET over a connection the earlier checks already opened (TCP, or TLS on top of it), so the
 * request goes to the measured address whatever the name resolves to now. The whole round trip,
 * body included, has one deadline: a server that trickles bytes cannot stretch it.
 */
export async function httpGet(socket: net.Socket, opts: HttpGetOptions): Promise<HttpGetResult> {
  const result: HttpGetResult = { bodyBytes: 0, bodyTruncated: false };
  if (socket.destroyed || socket.readableEnded) return { ...result, failure: failureOf(gone(), 'http_round_trip') };
  let handedOver = false;
  const client = new Client(opts.origin, {
    // undici hangs if connect calls back synchronously; and the socket is ours to give only once.
    connect: (_options, callback) =>
      setImmediate(() => (handedOver ? callback(gone(), null) : ((handedOver = true), callback(null, socket)))),
    pipelining: 1,
  });
  let late: DeadlineError | undefined;
  // Destroying the client fails the request wherever it is, even before undici has sent it
  // (an AbortSignal is only looked at once the request is on a connection).
  const timer = setTimeout(() => {
    late = new DeadlineError('HTTP round trip', opts.timeoutMs);
    void client.destroy(late).catch(() => {});
  }, opts.timeoutMs);
  try {
    const res = await client.request({ method: 'GET', path: opts.path, headers: { 'user-agent': opts.userAgent, accept: '*/*' } });
    result.status = res.statusCode;
    result.location = header(res.headers.location);
    result.server = header(res.headers.server);
    for await (const chunk of res.body) {
      result.bodyBytes += (chunk as Buffer).length;
      if (result.bodyBytes >= opts.maxBodyBytes) {
        result.bodyTruncated = true;
        break; // leaving the loop destroys the body, so an endless one cannot hold us
      }
    }
  } catch (err) {
    result.failure = failureOf(late ?? err, 'http_round_trip');
  } finally {
    clearTimeout(timer);
    await client.destroy(DONE).catch(() => {});
    socket.destroy();
  }
  return result;
}
