import { STATUS_CODES } from 'node:http';
import type net from 'node:net';
import { PassThrough } from 'node:stream';
import bearerAuth from '@fastify/bearer-auth';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { CONTROL_SCHEMA_VERSION, type ControlRequest } from '../model/control.js';
import { VERSION } from '../model/version.js';
import type { ProbeEnv, ProbeOptions } from '../run/options.js';
import { Budget } from './budget.js';
import { capConnections } from './connections.js';
import { measureControls } from './measure.js';
import { CONTROL_SCHEMA } from './schema.js';
import { serverTls, type KeyPair } from './tls.js';
import { tokenLabel, type Tokens } from './tokens.js';

// `reachprobe helper`: the control measurements from abroad, over HTTPS, on a server open to the
// internet and to the censor's active probers. fastify does the routing, the timeouts, the body's
// size limit and its validation against control.schema.json, bearer-auth the tokens, rate-limit the
// requests per token; what is left here is the measuring, what each token and the whole helper have
// under way, and saying nothing about what it is to a client without a token.

export interface HelperLimits {
  /** Bytes of a request body at most (413 beyond). */
  bodyBytes: number;
  /** Targets in one request at most (429 beyond). */
  targetsPerRequest: number;
  /** Targets under way for one token, all its requests together (429 beyond): at least targetsPerRequest. */
  measurementsPerToken: number;
  /** Targets measured at once, all tokens together (503 beyond). */
  measurementsAtOnce: number;
  /** Requests a minute for one token (429 beyond). */
  requestsPerMinute: number;
  /** Connections open at once, and from one client address (closed at once beyond). */
  connections: number;
  connectionsPerAddress: number;
  /** The TLS handshake, the request's headers, and the whole request, each within so long. */
  handshakeMs: number;
  headersMs: number;
  requestMs: number;
  /** A connection with no byte either way for so long is closed (a body that makes no progress). */
  idleMs: number;
  /** How long an idle keep-alive connection stays open. */
  keepAliveMs: number;
}

// The work a token can cause is bounded by its targets under way, and the helper's by its targets
// measured at once; the request rate only bounds the cost of requests themselves. A probe sends 50
// targets a request, 4 requests at once: 6,000 requests a minute leaves it 5,000 targets a second.
export const DEFAULT_LIMITS: HelperLimits = {
  bodyBytes: 1024 * 1024,
  targetsPerRequest: 1000,
  measurementsPerToken: 2000,
  measurementsAtOnce: 256,
  requestsPerMinute: 6000,
  connections: 1024,
  connectionsPerAddress: 32,
  handshakeMs: 10_000,
  headersMs: 30_000,
  requestMs: 60_000,
  idleMs: 30_000,
  keepAliveMs: 15_000,
};

/** Why these limits contradict each other, if they do: a request within them must be measurable. */
export function limitsProblem(l: HelperLimits): string | undefined {
  if (l.measurementsPerToken < l.targetsPerRequest)
    return (
      `--max-measurements (${l.measurementsPerToken}) is below --max-targets (${l.targetsPerRequest}): ` +
      `a request of ${l.targetsPerRequest} targets could never be measured`
    );
  if (l.requestMs < l.headersMs)
    return `the request timeout (${l.requestMs} ms) is below the headers timeout (${l.headersMs} ms)`;
  return undefined;
}

export interface HelperServerSettings {
  tokens: Tokens;
  tls: KeyPair;
  /** Behind a reverse proxy: every route under this prefix ("/reachprobe"), or "". */
  basePath: string;
  limits: HelperLimits;
  options: ProbeOptions;
  env: ProbeEnv;
  /** One line per request, for the operator: never a token, never a URL. */
  log: (line: string) => void;
}

/** What a client without a token sees for anything but a health check: an ordinary server's page. */
function plainPage(reply: FastifyReply, status: number) {
  const title = `${status} ${STATUS_CODES[status]}`;
  return reply
    .code(status)
    .type('text/html')
    .send(`<html><head><title>${title}</title></head><body><h1>${title}</h1></body></html>\n`);
}

const OTHER_METHODS = ['DELETE', 'PATCH', 'PUT', 'OPTIONS'] as const;

/** What the log says of each request, set as it goes. */
interface Seen {
  token?: string;
  targets?: number;
  aborted?: boolean;
}

/** The helper's routes, not yet listening (tests inject requests or listen on loopback). */
export async function buildHelper(s: HelperServerSettings): Promise<FastifyInstance> {
  const { limits } = s;
  // Strict validation: a field the schema does not know is refused, not silently dropped; no type is coerced.
  const ajv = { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false } } as const;
  const seen = new WeakMap<FastifyRequest, Seen>();
  const note = (request: FastifyRequest, what: Seen) => seen.set(request, { ...seen.get(request), ...what });
  const line = (method: string, route: string, status: string | number, ms: number, who: Seen = {}) =>
    s.log(
      `${new Date().toISOString()} ${method} ${route} ${status} token=${who.token ?? '-'} ` +
        `targets=${who.targets ?? 0} ${Math.round(ms)} ms`,
    );
  const app = Fastify({
    https: {
      ...serverTls(s.tls),
      handshakeTimeout: limits.handshakeMs,
      headersTimeout: limits.headersMs,
      // node checks the headers and request deadlines this often (30 s unless told).
      connectionsCheckingInterval: Math.min(1000, limits.headersMs),
    },
    connectionTimeout: limits.idleMs,
    requestTimeout: limits.requestMs,
    keepAliveTimeout: limits.keepAliveMs,
    bodyLimit: limits.bodyBytes,
    logger: false,
    return503OnClosing: true,
    forceCloseConnections: true,
    ajv,
    // A request the HTTP parser refuses (malformed, headers too large, too slow): logged, answered
    // without a body, closed.
    clientErrorHandler: (err: NodeJS.ErrnoException, socket: net.Socket) => {
      if (err.code === 'ECONNRESET' || socket.destroyed) return;
      const status =
        err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
      line('-', '-', status, 0);
      if (socket.writable)
        socket.write(
          `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
        );
      socket.destroy();
    },
  });
  capConnections(app.server, { total: limits.connections, perAddress: limits.connectionsPerAddress });
  app.addSchema(CONTROL_SCHEMA);
  app.setNotFoundHandler((_request, reply) => plainPage(reply, 404));
  const budget = new Budget({
    perToken: limits.measurementsPerToken,
    atOnce: limits.measurementsAtOnce,
    concurrency: s.options.concurrency,
  });
  app.addHook('onRequest', async (request) => {
    // A body must make progress; the answer, streamed, keeps the connection busy with its lines.
    request.raw.socket?.setTimeout?.(limits.idleMs);
  });
  app.addHook('onSend', async (request, reply) => {
    // Answered before its body came (a 401, a 413): the rest is not read, the connection closes.
    if (request.raw.complete === false) reply.header('connection', 'close');
    if (reply.statusCode === 401) reply.header('www-authenticate', 'Bearer');
  });
  const logRequest = (request: FastifyRequest, reply: FastifyReply, status: number | string) =>
    line(request.method, request.routeOptions.url ?? '-', status, reply.elapsedTime, seen.get(request));
  // A client gone before the end of its answer was logged as such when it went.
  app.addHook('onResponse', async (request, reply) => {
    if (!seen.get(request)?.aborted) logRequest(request, reply, reply.statusCode);
  });
  const bearer = (request: FastifyRequest) => {
    const header = request.headers.authorization;
    return header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
  };
  await app.register(
    async (scope) => {
      // Healthy, and nothing else, to whoever asks (a load balancer); what it is, to a token holder.
      scope.get('/v1/health', async (request) => {
        const token = bearer(request);
        if (token === undefined || !s.tokens.has(token)) return { status: 'ok' };
        note(request, { token: tokenLabel(token) });
        return {
          status: 'ok',
          service: 'reachprobe-helper',
          version: VERSION,
          schema_version: CONTROL_SCHEMA_VERSION,
        };
      });
      scope.route({
        method: ['POST', ...OTHER_METHODS],
        url: '/v1/health',
        handler: async (_request, reply) => plainPage(reply.header('allow', 'GET'), 405),
      });
      await scope.register(async (measuring) => {
        await measuring.register(bearerAuth, {
          keys: [],
          auth: (key: string, request: FastifyRequest) => {
            const ok = s.tokens.has(key);
            if (ok) note(request, { token: tokenLabel(key) });
            return ok;
          },
          addHook: 'onRequest',
          errorResponse: () => ({ error: 'Unauthorized' }),
        });
        await measuring.register(rateLimit, {
          max: limits.requestsPerMinute,
          timeWindow: 60_000,
          hook: 'preHandler',
          keyGenerator: (request) => seen.get(request)?.token ?? '-',
        });
        measuring.route({
          method: ['GET', ...OTHER_METHODS],
          url: '/v1/measure',
          handler: async (_request, reply) =>
            reply
              .code(405)
              .header('allow', 'POST')
              .send({ statusCode: 405, error: 'Method Not Allowed', message: 'use POST' }),
        });
        measuring.post<{ Body: ControlRequest }>(
          '/v1/measure',
          { schema: { body: { $ref: `${CONTROL_SCHEMA.$id}#/definitions/request` } } },
          async (request, reply) => {
            const { targets } = request.body;
            note(request, { targets: targets.length });
            const refuse = (status: number, message: string) =>
              reply.code(status).send({ statusCode: status, error: STATUS_CODES[status], message });
            if (targets.length > limits.targetsPerRequest)
              return refuse(
                429,
                `at most ${limits.targetsPerRequest} targets a request (this one ` +
                  `has ${targets.length}): send smaller batches`,
              );
            const twice = duplicateName(targets);
            if (twice) return refuse(400, twice);
            const room = budget.take(seen.get(request)?.token ?? '-', targets.length);
            if (!('release' in room)) return refuse(room.status, room.message).header('retry-after', '1');
            return stream(request, reply, s, room.release, () => {
              note(request, { aborted: true });
              logRequest(request, reply, 'aborted');
            });
          },
        );
      });
    },
    { prefix: s.basePath },
  );
  return app;
}

/** "target name "x" twice (targets 2 and 5)": each name stands for one target in the answer. */
function duplicateName(targets: ControlRequest['targets']): string | undefined {
  const first = new Map<string, number>();
  for (const [i, t] of targets.entries()) {
    const earlier = first.get(t.name);
    if (earlier !== undefined)
      return `target name "${t.name}" twice (targets ${earlier + 1} and ${i + 1}): names must be unique`;
    first.set(t.name, i);
  }
  return undefined;
}

/**
 * The answer: a control per line as each target is done, then the end line. A blank line now and
 * then while nothing is done keeps the connection from looking idle (a client skips blank lines).
 * When the client goes away, its measurements are cancelled, their connections closed at once.
 */
function stream(
  request: FastifyRequest<{ Body: ControlRequest }>,
  reply: FastifyReply,
  s: HelperServerSettings,
  done: () => void,
  aborted: () => void,
) {
  const out = new PassThrough();
  const gone = new AbortController();
  let measured = false;
  reply.raw.once('close', () => {
    if (measured || reply.raw.writableFinished) return;
    aborted();
    gone.abort('the client went away');
  });
  const write = (line: unknown) => out.write(`${JSON.stringify(line)}\n`);
  const heartbeat = setInterval(() => out.write('\n'), Math.max(100, s.limits.idleMs / 3));
  measureControls(request.body.targets, s.options, s.env, write, gone.signal)
    .then(write, (err: unknown) => out.destroy(err instanceof Error ? err : new Error(String(err))))
    .finally(() => {
      measured = true;
      clearInterval(heartbeat);
      done();
      out.end();
    });
  return reply.type('application/x-ndjson').send(out);
}

/** A new certificate and key for the connections to come (SIGHUP); those open keep theirs. */
export function useKeyPair(app: FastifyInstance, pair: KeyPair): void {
  (app.server as unknown as { setSecureContext(o: object): void }).setSecureContext(serverTls(pair));
}
