import dns from 'node:dns';
import type { LookupFunction } from 'node:net';
import { Agent, request, type Dispatcher } from 'undici';
import type { Control, ControlEnd, ControlRequest } from '../model/control.js';
import type { Failure } from '../model/failure.js';
import { fetchFailure } from './errors/classify.js';
import { trustStore } from './tls.js';

// The probe's side of the conversation with a helper abroad: one POST per batch of targets, its
// answer read line by line as the helper streams it. Every way this can fail ends as a sentence
// for the run's summary, never as an exception: without a control, a target keeps its local verdict.

export interface HelperEndpoint {
  /** The helper's base URL (a path prefix allowed): /v1/measure is under it. */
  url: string;
  token: string;
  dispatcher: Dispatcher;
}

export type HelperAnswer =
  | { ok: true; end?: ControlEnd }
  | {
      ok: false;
      why: string;
      /** Asking again would get the same answer (a refused token, no such helper). */
      final: boolean;
      /** 429 or 503: how long the helper asked us to wait. */
      retryAfterMs?: number;
      /** The HTTP status, when the helper answered with one. */
      status?: number;
    };

/** GET /v1/health: what the helper says of itself, its Date header, how long it took; or the Failure. */
export interface HealthAnswer {
  status?: number;
  /** The body, parsed when it is JSON. */
  body?: unknown;
  date?: string;
  ms: number;
  failure?: Failure;
}

/** A control line is a few KiB; a helper that sends more in one line is not one. */
const MAX_LINE_BYTES = 1024 * 1024;

/** --helper-resolve pins the helper's name, as curl's --resolve does (the lookup must answer with an array). */
function pinnedLookup(pins: Map<string, string[]>): LookupFunction {
  return (hostname, options, callback) => {
    const pinned = pins.get(hostname.toLowerCase());
    if (!pinned) return dns.lookup(hostname, { ...options, all: true }, callback as never);
    const all = pinned.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    (callback as unknown as (e: null, a: typeof all) => void)(null, all);
  };
}

/**
 * The connection pool to the helper, trusting the extra CAs too. `pins` is keyed by host name (the
 * port is the URL's). Close it with destroy(): a helper that hangs must not hold the process.
 */
export function helperDispatcher(ca: string[], pins: Map<string, string[]>, timeoutMs: number): Agent {
  return new Agent({
    connect: { secureContext: trustStore(ca), timeout: timeoutMs, lookup: pinnedLookup(pins) },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    connections: 8,
  });
}

const endpointUrl = (base: string, path: string) => new URL(`${base.replace(/\/+$/, '')}${path}`);
export const measureUrl = (base: string) => endpointUrl(base, '/v1/measure');

/** Asks GET /v1/health (with the token, when given: a helper says what it is only to a token holder). Never rejects. */
export async function askHealth(
  h: Omit<HelperEndpoint, 'token'> & { token?: string },
): Promise<HealthAnswer> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  try {
    const response = await request(endpointUrl(h.url, '/v1/health'), {
      dispatcher: h.dispatcher,
      headers: h.token === undefined ? {} : { authorization: `Bearer ${h.token}` },
    });
    const text = (await response.body.text()).slice(0, MAX_LINE_BYTES);
    const date = [response.headers.date].flat()[0];
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: no body to read
    }
    return { status: response.statusCode, body, ...(date ? { date } : {}), ms: ms() };
  } catch (err) {
    return { ms: ms(), failure: fetchFailure(err) };
  }
}

const why = (err: unknown) => {
  const f = fetchFailure(err);
  return `${f.failure} (${f.message})`;
};

/** Asks the helper for the controls of `body.targets`; each comes to `onControl` as soon as it arrives. */
export async function askHelper(
  h: HelperEndpoint,
  body: ControlRequest,
  onControl: (c: Control) => void,
  signal?: AbortSignal,
): Promise<HelperAnswer> {
  let response: Dispatcher.ResponseData;
  try {
    response = await request(measureUrl(h.url), {
      method: 'POST',
      dispatcher: h.dispatcher,
      headers: {
        authorization: `Bearer ${h.token}`,
        'content-type': 'application/json',
        accept: 'application/x-ndjson',
      },
      body: JSON.stringify(body),
      ...(signal ? { signal } : {}),
    });
  } catch (err) {
    return { ok: false, why: `cannot reach the helper: ${why(err)}`, final: false };
  }
  if (response.statusCode !== 200) return refusal(response);
  try {
    return { ok: true, ...(await readLines(response.body, onControl)) };
  } catch (err) {
    response.body.destroy();
    return { ok: false, why: `the helper's answer broke off: ${why(err)}`, final: false };
  }
}

async function refusal(response: Dispatcher.ResponseData): Promise<HelperAnswer> {
  const text = (await response.body.text().catch(() => '')).slice(0, 300);
  let message = text;
  try {
    message = String((JSON.parse(text) as { message?: unknown }).message ?? text);
  } catch {
    // not JSON: the text as it came
  }
  const status = response.statusCode;
  const said = `the helper answered HTTP ${status}${message ? `: ${message}` : ''}`;
  if (status === 429 || status === 503) {
    const seconds = Number(response.headers['retry-after']);
    return {
      ok: false,
      why: said,
      final: false,
      retryAfterMs: Number.isFinite(seconds) ? seconds * 1000 : 1000,
      status,
    };
  }
  // A refused token or a wrong URL stays so for the rest of the run; a server error may pass.
  return { ok: false, why: said, final: status === 401 || status === 403 || status === 404, status };
}

const protocolError = (message: string) =>
  Object.assign(new Error(message), { code: 'HPE_INVALID_CONSTANT' });

function parseLine(line: string): Control | ControlEnd {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw protocolError(`a line that is not JSON: ${line.slice(0, 80)}`);
  }
  const v = value as { type?: unknown; name?: unknown; tcp?: unknown };
  if (v.type === 'end') return value as ControlEnd;
  if (v.type === 'control' && typeof v.name === 'string' && Array.isArray(v.tcp)) return value as Control;
  throw protocolError(`a line that is not a control: ${line.slice(0, 80)}`);
}

async function readLines(
  body: AsyncIterable<Buffer>,
  onControl: (c: Control) => void,
): Promise<{ end?: ControlEnd }> {
  let pending = '';
  let end: ControlEnd | undefined;
  for await (const chunk of body) {
    pending += chunk.toString('utf8');
    let newline: number;
    while ((newline = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, newline).trim();
      pending = pending.slice(newline + 1);
      if (line === '') continue;
      const parsed = parseLine(line);
      if (parsed.type === 'end') end = parsed;
      else onControl(parsed);
    }
    if (pending.length > MAX_LINE_BYTES) throw protocolError(`a line longer than ${MAX_LINE_BYTES} bytes`);
  }
  if (pending.trim() !== '') throw protocolError('the last line is cut off');
  return end ? { end } : {};
}
