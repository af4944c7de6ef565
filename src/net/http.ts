import { createHash, type Hash } from 'node:crypto';
import type net from 'node:net';
import { Client, type Dispatcher } from 'undici';
import type { Failure } from '../model/failure.js';
import { DeadlineError, httpFailure } from './errors/classify.js';
import type { Transfer } from '../model/transfer.js';
import { TransferMeter } from './transfer.js';

export interface HttpGetOptions {
  /** scheme://host[:port]: sets the Host header; the connection itself is the socket given. */
  origin: string;
  path: string;
  timeoutMs: number;
  maxBodyBytes: number;
  userAgent: string;
  /**
   * Measure the body's transfer, with this stall threshold: a deadline that comes while bytes are
   * still arriving then cuts the body (a slow transfer is data, not a failure); one that comes after
   * a stall's silence is a freeze, and the timeout it always was.
   */
  transferStallMs?: number;
}

export interface HttpGetResult {
  status?: number;
  location?: string;
  server?: string;
  /** The selected headers that were sent (SELECTED_HEADERS). */
  headers?: Record<string, string>;
  /** Every header's name, lower case, sorted. */
  headerNames?: string[];
  bodyBytes: number;
  bodyTruncated: boolean;
  title?: string;
  /** SHA-256 (hex) of the body bytes read. */
  bodySha256?: string;
  transfer?: Transfer;
  failure?: Failure;
}

/** What a comparison with the page seen from abroad reads of the headers (and a person debugging). */
const SELECTED_HEADERS = ['server', 'location', 'alt-svc', 'content-type', 'via'];

/** The title is looked for in the body's first bytes only: a page names itself in its head. */
const TITLE_SCAN_BYTES = 64 * 1024;
const TITLE_MAX_CHARS = 200;

const header = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

function selected(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string> | undefined {
  const picked: Record<string, string> = {};
  for (const name of SELECTED_HEADERS) {
    const value = header(headers[name]);
    if (value !== undefined) picked[name] = value.slice(0, 500);
  }
  return Object.keys(picked).length > 0 ? picked : undefined;
}

/** The <title> of an HTML page, white space folded; undefined when there is none. */
export function titleOf(head: Buffer): string | undefined {
  const match = /<title[^>]*>([^<]*)<\/title>/i.exec(head.toString('utf8'));
  const title = match?.[1]?.replace(/\s+/g, ' ').trim();
  return title ? title.slice(0, TITLE_MAX_CHARS) : undefined;
}

/** The body as it streams past: counted and hashed, its first bytes kept for the title. */
class BodyReader {
  bytes = 0;
  private readonly hash: Hash = createHash('sha256');
  private readonly head: Buffer[] = [];
  private headBytes = 0;

  add(chunk: Uint8Array): void {
    this.bytes += chunk.length;
    this.hash.update(chunk);
    if (this.headBytes >= TITLE_SCAN_BYTES) return;
    this.head.push(Buffer.from(chunk));
    this.headBytes += chunk.length;
  }

  finish(result: HttpGetResult): void {
    result.bodySha256 = this.hash.digest('hex');
    if (this.headBytes === 0) return;
    const title = titleOf(Buffer.concat(this.head).subarray(0, TITLE_SCAN_BYTES));
    if (title !== undefined) result.title = title;
  }
}

/**
 * What the client is destroyed with once the GET is over. Without one, undici makes a fresh
 * ClientDestroyedError for every target, and its stack trace is taken and then formatted when the
 * socket is destroyed with it: a few percent of a 10,000-target run's CPU, for an error nobody reads.
 */
const DONE = Object.assign(new Error('the GET is over'), { code: 'REACHPROBE_DONE' });

/** A closed socket, refused to undici: it would ask for the connection again and again. */
const gone = () =>
  Object.assign(new Error('the connection closed before the request'), { code: 'UND_ERR_SOCKET' });

/**
 * One GET over a connection the earlier checks already opened (TCP, or TLS on top of it), so the
 * request goes to the measured address whatever the name resolves to now. The whole round trip,
 * body included, has one deadline: a server that trickles bytes cannot stretch it. The response
 * goes to a dispatch handler that counts the body as it comes: undici's `request()` would wrap it
 * in a stream to read, which cost about a tenth of a target's CPU here.
 */
export function httpGet(socket: net.Socket, opts: HttpGetOptions): Promise<HttpGetResult> {
  const result: HttpGetResult = { bodyBytes: 0, bodyTruncated: false };
  if (socket.destroyed || socket.readableEnded)
    return Promise.resolve({ ...result, failure: httpFailure(gone()) });
  return new Promise((resolve) => {
    let handedOver = false;
    const client = new Client(opts.origin, {
      // undici hangs if connect calls back synchronously; and the socket is ours to give only once.
      connect: (_options, callback) =>
        setImmediate(() =>
          handedOver ? callback(gone(), null) : ((handedOver = true), callback(null, socket)),
        ),
      pipelining: 1,
    });
    let done = false;
    let body: BodyReader | undefined;
    let meter: TransferMeter | undefined;
    const began = performance.now();
    const finish = (err?: unknown, how: 'complete' | 'cut' | 'failed' = err ? 'failed' : 'complete') => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err !== undefined) result.failure = httpFailure(err);
      if (meter) result.transfer = meter.finish(how);
      body?.finish(result);
      resolve(result);
      // Destroying the client ends the request wherever it is, even before undici has sent it.
      client.destroy(DONE).catch(() => {});
      socket.destroy();
    };
    const deadline = () => {
      const transfer = meter?.finish('deadline');
      meter = undefined;
      if (transfer) result.transfer = transfer;
      if (transfer?.end !== 'deadline') return finish(new DeadlineError('HTTP round trip', opts.timeoutMs));
      // Still arriving: the deadline cut the body, as the limit would have.
      result.bodyTruncated = true;
      finish();
    };
    const timer = setTimeout(deadline, opts.timeoutMs);
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart() {}, // its presence tells undici this handler speaks the current API
      onResponseStart(_controller, statusCode, headers) {
        if (statusCode < 200) return; // an informational answer; the real one follows
        result.status = statusCode;
        result.location = header(headers.location);
        result.server = header(headers.server);
        const picked = selected(headers);
        if (picked) result.headers = picked;
        result.headerNames = Object.keys(headers)
          .map((h) => h.toLowerCase())
          .sort();
        body = new BodyReader();
        if (opts.transferStallMs !== undefined)
          meter = new TransferMeter({
            limitBytes: opts.maxBodyBytes,
            stallMs: opts.transferStallMs,
            ttfbMs: performance.now() - began,
          });
      },
      onResponseData(_controller, chunk) {
        // A measured transfer stops exactly where --transfer says, the chunk past it cut there.
        const room = opts.maxBodyBytes - result.bodyBytes;
        const kept = meter && chunk.length > room ? chunk.subarray(0, room) : chunk;
        body?.add(kept);
        meter?.add(kept.length);
        result.bodyBytes += kept.length;
        if (result.bodyBytes < opts.maxBodyBytes) return;
        result.bodyTruncated = true;
        finish(undefined, 'cut'); // enough read: an endless body cannot hold us
      },
      onResponseEnd: () => finish(),
      onResponseError: (_controller, err) => finish(err),
    };
    // undici reports a request it cannot make to onResponseError too, never by throwing.
    client.dispatch(
      {
        method: 'GET',
        origin: opts.origin,
        path: opts.path,
        headers: { 'user-agent': opts.userAgent, accept: '*/*' },
      },
      handler,
    );
  });
}
