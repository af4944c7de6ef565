import { Agent, type Dispatcher } from 'undici';
import type { Failure } from '../model/failure.js';
import { DeadlineError, dohFailure } from './errors/classify.js';
import type { DnsAnswer } from '../model/observation.js';
import { bareName, contentOf, decodeMessage, encodeQuery, type QueryType } from './dns-message.js';
import { trustStore } from './tls.js';

// DNS-over-HTTPS (RFC 8484, GET with ?dns=) to a control resolver, through undici.

export interface DohQuery {
  url: string;
  name: string;
  type: QueryType;
  timeoutMs: number;
  dispatcher: Dispatcher;
}

export interface DohResult {
  rcode?: string;
  answers: DnsAnswer[];
  addresses: string[];
  failure?: Failure;
}

/** A DNS message is at most 64 KiB; a server that sends more is not a DoH server. */
const MAX_MESSAGE = 65_535;

/**
 * One connection pool for every DoH query of a run, trusting the extra CAs too, with at most
 * `connections` to each resolver. Close it with destroy(), not close(): queries a blocked control
 * never answers must not hold the process.
 */
export function dohDispatcher(ca: string[], timeoutMs: number, connections: number): Agent {
  return new Agent({
    connect: { secureContext: trustStore(ca), timeout: timeoutMs },
    connections,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
}

const misbehaving = (message: string) => Object.assign(new Error(message), { code: 'EBADRESP' });

/** Where a control URL's queries go: its origin, and its path and query with `dns=` to append. */
interface Endpoint {
  origin: string;
  /** Ends in `?` or `&`. */
  pathPrefix: string;
}

/** A run asks a control URL or two twice a target: each is parsed once (few URLs: the map stays small). */
const endpoints = new Map<string, Endpoint>();

function endpointOf(url: string): Endpoint {
  let endpoint = endpoints.get(url);
  if (!endpoint) {
    const parsed = new URL(url);
    parsed.searchParams.delete('dns');
    const query = parsed.searchParams.toString();
    endpoint = { origin: parsed.origin, pathPrefix: `${parsed.pathname}?${query ? `${query}&` : ''}` };
    endpoints.set(url, endpoint);
  }
  return endpoint;
}

/** The answer's DNS message, checked against the question. */
function answerTo(q: DohQuery, bytes: Buffer): DohResult {
  const packet = decodeOrBlame(bytes);
  const question = packet.questions?.[0];
  if (!question || bareName(question.name) !== bareName(q.name) || question.type !== q.type) {
    throw misbehaving(`DoH answer is for another question`);
  }
  return contentOf(packet);
}

function decodeOrBlame(bytes: Buffer) {
  try {
    return decodeMessage(bytes);
  } catch (err) {
    throw misbehaving(`DoH answer is not a DNS message: ${(err as Error).message}`);
  }
}

const failedWith = (err: unknown): DohResult => ({
  answers: [],
  addresses: [],
  failure: dohFailure(err),
});

/**
 * Never rejects: a control that fails is recorded, then ignored by the classification. The deadline
 * answers by itself, since undici ignores an abort while a request still waits for a connection.
 * The answer goes to a dispatch handler that collects its bytes: undici's `request()` wrapped it in a
 * stream with an abort signal, and its URL was parsed anew, for each of the two queries per target
 * (about a tenth of the CPU of a run with a DoH control).
 */
export function queryDoh(q: DohQuery): Promise<DohResult> {
  return new Promise((resolve) => {
    let done = false;
    let controller: Dispatcher.DispatchController | undefined;
    const finish = (result: DohResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(result);
    };
    /** Ends the query with this failure, and the request wherever it is. */
    const fail = (err: unknown) => {
      finish(failedWith(err));
      if (controller && !controller.aborted) controller.abort(err as Error);
    };
    const timer = setTimeout(
      () => fail(new DeadlineError(`DoH query to ${q.url}`, q.timeoutMs)),
      q.timeoutMs,
    );
    const chunks: Buffer[] = [];
    let size = 0;
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(c) {
        controller = c;
        if (done) c.abort(new Error('the DoH query is over'));
      },
      onResponseStart(_c, statusCode) {
        if (statusCode < 200) return; // an informational answer; the real one follows
        if (statusCode !== 200) fail(misbehaving(`DoH server answered HTTP ${statusCode}`));
      },
      onResponseData(_c, chunk) {
        if (done) return;
        size += chunk.length;
        if (size > MAX_MESSAGE) return fail(misbehaving(`DoH answer larger than ${MAX_MESSAGE} bytes`));
        chunks.push(chunk);
      },
      onResponseEnd() {
        if (done) return;
        try {
          finish(answerTo(q, Buffer.concat(chunks)));
        } catch (err) {
          fail(err);
        }
      },
      onResponseError: (_c, err) => fail(err),
    };
    let endpoint: Endpoint;
    try {
      endpoint = endpointOf(q.url);
    } catch (err) {
      return fail(err); // not a URL
    }
    // ID 0, as RFC 8484 recommends: the HTTP exchange already pairs question and answer.
    const dns = encodeQuery(q.name, q.type, 0).toString('base64url');
    // undici reports a request it cannot make to onResponseError, never by throwing.
    q.dispatcher.dispatch(
      {
        origin: endpoint.origin,
        path: `${endpoint.pathPrefix}dns=${dns}`,
        method: 'GET',
        headers: { accept: 'application/dns-message' },
      },
      handler,
    );
  });
}
