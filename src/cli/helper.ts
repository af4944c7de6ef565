import net from 'node:net';
import { helperPipeline } from '../helper/pipeline.js';
import { buildHelper, DEFAULT_LIMITS, type HelperLimits } from '../helper/server.js';
import { formatServer, hostPort } from '../model/addresses.js';
import { InputError } from '../model/input-error.js';
import { readCa, readPem, readTokens } from './files.js';
import { untilStopped } from './interrupt.js';
import { EXIT } from './meta.js';
import { tracedWhen } from './verbose.js';
import type { HelperFlags } from './options.js';

/** "/reachprobe" from "reachprobe/", "/reachprobe", "/reachprobe/"; "" for none or "/". */
export function basePathOf(text: string | undefined): string {
  const trimmed = (text ?? '').replace(/^\/+|\/+$/g, '');
  if (trimmed === '') return '';
  if (!/^[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/.test(trimmed))
    throw new InputError(`--base-path "${text}": letters, digits, . _ ~ - and / only`);
  return `/${trimmed}`;
}

function limitsOf(flags: HelperFlags): HelperLimits {
  return {
    bodyBytes: flags.maxRequestBytes ?? DEFAULT_LIMITS.bodyBytes,
    targetsPerRequest: flags.maxTargets ?? DEFAULT_LIMITS.targetsPerRequest,
    measurementsPerToken: flags.maxMeasurements ?? DEFAULT_LIMITS.measurementsPerToken,
    requestsPerMinute: flags.rateLimit ?? DEFAULT_LIMITS.requestsPerMinute,
  };
}

/** Runs the helper until SIGINT or SIGTERM; bad flags or files exit 2 before it listens. */
export async function runHelper(flags: HelperFlags): Promise<number> {
  if (flags.sourceAddress !== undefined && net.isIP(flags.sourceAddress) === 0)
    throw new InputError(`--source-address "${flags.sourceAddress}" is not an IP address`);
  const basePath = basePathOf(flags.basePath);
  const tokens = readTokens(flags.tokenFile);
  const tls = {
    cert: readPem(flags.cert, 'certificate file'),
    key: readPem(flags.key, 'key file', 'PRIVATE KEY'),
  };
  const { options, env } = helperPipeline({
    ...(flags.allowAnswers ? { allowAnswers: flags.allowAnswers } : {}),
    ...(flags.timeout ? { timeoutMs: flags.timeout } : {}),
    ...(flags.concurrency ? { concurrency: flags.concurrency } : {}),
    ...(flags.resolver ? { resolver: flags.resolver } : {}),
    ...(flags.sourceAddress ? { sourceAddress: flags.sourceAddress } : {}),
    ca: (flags.ca ?? []).map(readCa),
  });
  const log = (line: string) => void process.stderr.write(`${line}\n`);
  const app = await buildHelper({ tokens, tls, basePath, limits: limitsOf(flags), options, env, log });
  try {
    await app.listen({ host: flags.listen.address, port: flags.listen.port });
  } catch (err) {
    await app.close();
    throw new InputError(
      `cannot listen on ${formatServer(flags.listen)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  const { port } = app.server.address() as net.AddressInfo;
  log(
    `reachprobe helper: listening on https://${hostPort(flags.listen.address, port)}${basePath} with ${tokens.length} token(s)`,
  );
  await tracedWhen(flags.verbose, async () => {
    const signal = await untilStopped();
    log(`reachprobe helper: ${signal}, stopping`);
    await app.close();
  });
  return EXIT.ok;
}
