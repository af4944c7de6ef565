import { Agent, request, type Dispatcher } from 'undici';
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

async function readMessage(body: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > MAX_MESSAGE) throw misbehaving(`DoH answer larger than ${MAX_MESSAGE} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

async function exchange(q: DohQuery, signal: AbortSignal): Promise<DohResult> {
  const url = new URL(q.url);
  // ID 0, as RFC 8484 recommends: the HTTP exchange already pairs question and answer.
  url.searchParams.set('dns', encodeQuery(q.name, q.type, 0).toString('base64url'));
  const res = await request(url, {
    method: 'GET',
    headers: { accept: 'application/dns-message' },
    dispatcher: q.dispatcher,
    signal,
  });
  if (res.statusCode !== 200) {
    await res.body.dump();
    throw misbehaving(`DoH server answered HTTP ${res.statusCode}`);
  }
  const packet = decodeOrBlame(await readMessage(res.body));
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
 * is a race, since undici ignores an abort while a request still waits for a connection.
 */
export async function queryDoh(q: DohQuery): Promise<DohResult> {
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<DohResult>((resolve) => {
    timer = setTimeout(() => {
      abort.abort();
      resolve(failedWith(new DeadlineError(`DoH query to ${q.url}`, q.timeoutMs)));
    }, q.timeoutMs);
  });
  try {
    return await Promise.race([exchange(q, abort.signal).catch(failedWith), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
