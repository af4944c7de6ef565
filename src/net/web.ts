import type { LookupFunction } from 'node:net';
import { Agent, request } from 'undici';
import type { Failure } from '../model/failure.js';
import { DeadlineError, fetchFailure } from './errors/classify.js';
import type { Outcome } from '../model/outcome.js';
import { trustStore } from './tls.js';

// One HTTP(S) exchange for the preflight (`reachprobe doctor`): the status, the Date header and a
// little of the body, or the Failure. Names resolve through the run's resolver, not getaddrinfo.

export interface WebRequest {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
  /** Extra trusted CAs (PEM). */
  ca: string[];
  /** false: any certificate will do (when only whether, and when, a server answers is asked). */
  verify?: boolean;
  lookup: (host: string) => Promise<Outcome<string[]>>;
}

export interface WebAnswer {
  status?: number;
  /** The Date header, as sent. */
  date?: string;
  contentType?: string;
  /** The body, up to MAX_BODY bytes. */
  body: string;
  ms: number;
  failure?: Failure;
}

const MAX_BODY = 64 * 1024;

/** net.connect's lookup, answered by the resolver (both of its calling forms). */
function lookupWith(resolve: WebRequest['lookup']): LookupFunction {
  return (host, options, callback) => {
    void resolve(host).then((outcome) => {
      if (!outcome.ok)
        return callback(
          Object.assign(new Error(outcome.failure.message), { code: outcome.failure.code ?? 'ENOTFOUND' }),
          '',
          4,
        );
      const all = outcome.value.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
      if (options.all) return (callback as unknown as (e: null, a: typeof all) => void)(null, all);
      const [first] = all;
      return first
        ? callback(null, first.address, first.family)
        : callback(Object.assign(new Error(`no address for ${host}`), { code: 'ENOTFOUND' }), '', 4);
    });
  };
}

async function readSome(body: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= MAX_BODY) break;
  }
  return Buffer.concat(chunks).subarray(0, MAX_BODY).toString('utf8');
}

/** Never rejects. The deadline covers the whole exchange, body included. */
export async function fetchOnce(req: WebRequest): Promise<WebAnswer> {
  const started = performance.now();
  const trust = req.verify === false ? { rejectUnauthorized: false } : { secureContext: trustStore(req.ca) };
  const dispatcher = new Agent({
    connect: { ...trust, timeout: req.timeoutMs, lookup: lookupWith(req.lookup) },
  });
  const signal = AbortSignal.timeout(req.timeoutMs);
  const ms = () => Math.round(performance.now() - started);
  try {
    const res = await request(req.url, {
      method: req.method ?? 'GET',
      headers: req.headers ?? {},
      ...(req.body !== undefined ? { body: req.body } : {}),
      dispatcher,
      signal,
    });
    const header = (name: string) => [res.headers[name]].flat()[0];
    const body = await readSome(res.body);
    const date = header('date');
    const contentType = header('content-type');
    return {
      status: res.statusCode,
      ...(date ? { date } : {}),
      ...(contentType ? { contentType } : {}),
      body,
      ms: ms(),
    };
  } catch (err) {
    const cause = signal.aborted ? new DeadlineError(`request to ${req.url}`, req.timeoutMs) : err;
    return { body: '', ms: ms(), failure: fetchFailure(cause) };
  } finally {
    void dispatcher.destroy().catch(() => {});
  }
}
