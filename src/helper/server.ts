import { createHash } from 'node:crypto';
import { PassThrough } from 'node:stream';
import bearerAuth from '@fastify/bearer-auth';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { CONTROL_SCHEMA_VERSION, type ControlRequest } from '../model/control.js';
import { CONTROL_SCHEMA } from './schema.js';
import { measureControls } from './measure.js';
import type { ProbeEnv, ProbeOptions } from '../run/options.js';
import { VERSION } from '../model/version.js';

// `reachprobe helper`: the control measurements from abroad, over HTTPS. fastify does the routing,
// the body's size limit and its validation against control.schema.json, bearer-auth the tokens (in
// constant time), rate-limit the requests per token; what is left here is the measuring, and the
// count of measurements each token has under way.

export interface HelperLimits {
  /** Bytes of a request body at most (413 beyond). */
  bodyBytes: number;
  /** Targets in one request at most (429 beyond). */
  targetsPerRequest: number;
  /** Targets being measured at once for one token, all its requests together (429 beyond). */
  measurementsPerToken: number;
  /** Requests a minute for one token (429 beyond). */
  requestsPerMinute: number;
}

// The work a token can cause is bounded by its measurements at once; the request rate only bounds
// the cost of requests themselves. A probe sends a request per 50 targets: 6,000 a minute leaves it
// 5,000 targets a second (600, the first default, throttled a probe measuring a large list fast, and
// its controls came late or not at all).
export const DEFAULT_LIMITS: HelperLimits = {
  bodyBytes: 1024 * 1024,
  targetsPerRequest: 1000,
  measurementsPerToken: 512,
  requestsPerMinute: 6000,
};

export interface HelperServerSettings {
  tokens: string[];
  tls: { key: string; cert: string };
  /** Behind a reverse proxy: every route under this prefix ("/reachprobe"), or "". */
  basePath: string;
  limits: HelperLimits;
  options: ProbeOptions;
  env: ProbeEnv;
  /** One line per request, for the operator: never a token, never a URL. */
  log: (line: string) => void;
}

/** A token as the log may name it: a prefix of its hash, enough to tell tokens apart, useless to guess one. */
export const tokenLabel = (token: string) => createHash('sha256').update(token).digest('hex').slice(0, 8);

function bearerOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
}

const methodNotAllowed = (allow: string) => async (_request: FastifyRequest, reply: FastifyReply) =>
  reply
    .code(405)
    .header('allow', allow)
    .send({ statusCode: 405, error: 'Method Not Allowed', message: `use ${allow}` });

const OTHER_METHODS = ['DELETE', 'PATCH', 'PUT', 'OPTIONS'] as const;

/** The helper's routes, not yet listening (tests inject requests or listen on loopback). */
export async function buildHelper(s: HelperServerSettings): Promise<FastifyInstance> {
  // Strict validation: a field the schema does not know is refused, not silently dropped; no type is coerced.
  const ajv = { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false } } as const;
  const app = Fastify({
    https: s.tls,
    bodyLimit: s.limits.bodyBytes,
    logger: false,
    return503OnClosing: true,
    forceCloseConnections: true,
    ajv,
  });
  app.addSchema(CONTROL_SCHEMA);
  const underWay = new Map<string, number>();
  const counted = new WeakMap<FastifyRequest, number>();
  app.addHook('onResponse', async (request, reply) => {
    const token = bearerOf(request);
    const who = token !== undefined && s.tokens.includes(token) ? tokenLabel(token) : '-';
    const route = request.routeOptions.url ?? '-';
    s.log(
      `${new Date().toISOString()} ${request.method} ${route} ${reply.statusCode} token=${who} targets=${counted.get(request) ?? 0} ${Math.round(reply.elapsedTime)} ms`,
    );
  });
  await app.register(
    async (scope) => {
      scope.get('/v1/health', async () => ({
        status: 'ok',
        service: 'reachprobe-helper',
        version: VERSION,
        schema_version: CONTROL_SCHEMA_VERSION,
      }));
      scope.route({
        method: ['POST', ...OTHER_METHODS],
        url: '/v1/health',
        handler: methodNotAllowed('GET'),
      });
      await scope.register(async (measuring) => {
        await measuring.register(bearerAuth, {
          keys: new Set(s.tokens),
          addHook: 'onRequest',
          errorResponse: (err) => ({ statusCode: 401, error: 'Unauthorized', message: err.message }),
        });
        await measuring.register(rateLimit, {
          max: s.limits.requestsPerMinute,
          timeWindow: 60_000,
          hook: 'preHandler',
          keyGenerator: (request) => tokenLabel(bearerOf(request) ?? ''),
        });
        measuring.route({
          method: ['GET', ...OTHER_METHODS],
          url: '/v1/measure',
          handler: methodNotAllowed('POST'),
        });
        measuring.post<{ Body: ControlRequest }>(
          '/v1/measure',
          { schema: { body: { $ref: `${CONTROL_SCHEMA.$id}#/definitions/request` } } },
          async (request, reply) => {
            const { targets } = request.body;
            counted.set(request, targets.length);
            const token = tokenLabel(bearerOf(request) ?? '');
            const now = underWay.get(token) ?? 0;
            if (targets.length > s.limits.targetsPerRequest) {
              return reply.code(429).send({
                statusCode: 429,
                error: 'Too Many Requests',
                message: `at most ${s.limits.targetsPerRequest} targets a request (this one has ${targets.length}): send smaller batches`,
              });
            }
            if (now + targets.length > s.limits.measurementsPerToken) {
              return reply
                .code(429)
                .header('retry-after', '1')
                .send({
                  statusCode: 429,
                  error: 'Too Many Requests',
                  message: `at most ${s.limits.measurementsPerToken} measurements at once for a token (${now} under way)`,
                });
            }
            underWay.set(token, now + targets.length);
            return stream(reply, targets, s, () => {
              const left = (underWay.get(token) ?? 0) - targets.length;
              if (left > 0) underWay.set(token, left);
              else underWay.delete(token);
            });
          },
        );
      });
    },
    { prefix: s.basePath },
  );
  return app;
}

/** The answer: a control per line as each target is done, then the end line; measuring stops if the client goes away. */
function stream(
  reply: FastifyReply,
  targets: ControlRequest['targets'],
  s: HelperServerSettings,
  done: () => void,
) {
  const out = new PassThrough();
  const gone = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) gone.abort('the client went away');
  });
  const write = (line: unknown) => out.write(`${JSON.stringify(line)}\n`);
  measureControls(targets, s.options, s.env, write, gone.signal)
    .then(write, (err: unknown) => out.destroy(err instanceof Error ? err : new Error(String(err))))
    .finally(() => {
      done();
      out.end();
    });
  return reply.type('application/x-ndjson').send(out);
}
