import net from 'node:net';
import { helperPipeline } from '../helper/pipeline.js';
import {
  buildHelper,
  DEFAULT_LIMITS,
  limitsProblem,
  useKeyPair,
  type HelperLimits,
} from '../helper/server.js';
import { pairProblem, type KeyPair } from '../helper/tls.js';
import { Tokens } from '../helper/tokens.js';
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
  const d = DEFAULT_LIMITS;
  const limits = {
    ...d,
    bodyBytes: flags.maxRequestBytes ?? d.bodyBytes,
    targetsPerRequest: flags.maxTargets ?? d.targetsPerRequest,
    measurementsPerToken: flags.maxMeasurements ?? d.measurementsPerToken,
    measurementsAtOnce: flags.maxRunning ?? d.measurementsAtOnce,
    requestsPerMinute: flags.rateLimit ?? d.requestsPerMinute,
    connections: flags.maxConnections ?? d.connections,
    connectionsPerAddress: flags.maxConnectionsPerAddress ?? d.connectionsPerAddress,
  };
  const problem = limitsProblem(limits);
  if (problem) throw new InputError(problem);
  return limits;
}

/** The certificate, its key and the tokens, read and checked: a pair that cannot serve is refused here. */
function readMaterial(flags: HelperFlags): { tls: KeyPair; tokens: string[] } {
  const tokens = readTokens(flags.tokenFile);
  const tls = {
    cert: readPem(flags.cert, 'certificate file'),
    key: readPem(flags.key, 'key file', 'PRIVATE KEY'),
  };
  const problem = pairProblem(tls);
  if (problem) throw new InputError(`${problem}: give --key the certificate's own key`, flags.key);
  return { tls, tokens };
}

/** Runs the helper until SIGINT or SIGTERM; bad flags or files exit 2 before it listens. */
export async function runHelper(flags: HelperFlags): Promise<number> {
  if (flags.sourceAddress !== undefined && net.isIP(flags.sourceAddress) === 0)
    throw new InputError(`--source-address "${flags.sourceAddress}" is not an IP address`);
  const basePath = basePathOf(flags.basePath);
  const limits = limitsOf(flags);
  const material = readMaterial(flags);
  const tokens = new Tokens(material.tokens);
  const { options, env } = helperPipeline({
    ...(flags.allowAnswers ? { allowAnswers: flags.allowAnswers } : {}),
    ...(flags.timeout ? { timeoutMs: flags.timeout } : {}),
    ...(flags.concurrency ? { concurrency: flags.concurrency } : {}),
    ...(flags.transfer !== undefined ? { transferBytes: flags.transfer } : {}),
    ...(flags.resolver ? { resolver: flags.resolver } : {}),
    ...(flags.sourceAddress ? { sourceAddress: flags.sourceAddress } : {}),
    ca: (flags.ca ?? []).map(readCa),
  });
  const log = (line: string) => void process.stderr.write(`${line}\n`);
  const app = await buildHelper({ tokens, tls: material.tls, basePath, limits, options, env, log });
  try {
    await app.listen({ host: flags.listen.address, port: flags.listen.port });
  } catch (err) {
    await app.close();
    throw new InputError(
      `cannot listen ` +
        `on ${formatServer(flags.listen)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  const { port } = app.server.address() as net.AddressInfo;
  log(
    `reachprobe helper: listening on https://${hostPort(flags.listen.address, port)}${basePath} ` +
      `with ${tokens.count} token(s)`,
  );
  const reload = () => {
    try {
      const fresh = readMaterial(flags);
      useKeyPair(app, fresh.tls);
      tokens.replace(fresh.tokens);
      log(`reachprobe helper: SIGHUP, certificate, key and ${tokens.count} token(s) reloaded`);
    } catch (err) {
      const why = err instanceof InputError ? err.describe() : (err as Error).message;
      log(
        `reachprobe helper: SIGHUP, nothing reloaded (${why}); serving with the certificate and tokens it had`,
      );
    }
  };
  // SIGHUP would end the process (exit 129, which Restart=on-failure does not restart): it reloads.
  process.on('SIGHUP', reload);
  await tracedWhen(flags.verbose, async () => {
    const signal = await untilStopped();
    process.off('SIGHUP', reload);
    log(`reachprobe helper: ${signal}, stopping`);
    await app.close();
  });
  return EXIT.ok;
}
