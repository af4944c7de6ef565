import net from 'node:net';
import os from 'node:os';
import { blockListOf, formatServer, hostPort, inList } from '../model/addresses.js';
import { InputError } from '../model/input-error.js';
import { dialerFrom } from '../net/tcp.js';
import { helperOptions } from '../run/control.js';
import { realEnv } from '../run/env.js';
import { DEFAULT_OPTIONS, type ProbeEnv, type ProbeOptions } from '../run/options.js';
import { readCa, readPem, readTokens } from './files.js';
import { buildHelper, DEFAULT_LIMITS, type HelperLimits } from './helper-server.js';
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

/**
 * The machine's own addresses: a target must not make the helper connect to itself (unless
 * --allow-answers says so).
 */
export function ownAddresses(allowed: net.BlockList): net.BlockList {
  const own = new net.BlockList();
  for (const info of Object.values(os.networkInterfaces()).flat()) {
    if (info && !inList(allowed, info.address))
      own.addAddress(info.address, info.family === 'IPv6' ? 'ipv6' : 'ipv4');
  }
  return own;
}

/** check's pipeline as a helper runs it, and the real network without the raw queries that look for injection. */
function measuring(flags: HelperFlags): { options: ProbeOptions; env: ProbeEnv } {
  const allowedAnswers = blockListOf(flags.allowAnswers ?? []);
  const d = DEFAULT_OPTIONS;
  const all = flags.timeout;
  const options = helperOptions({
    ...d,
    timeouts: all ? { dns: all, connect: all, tls: all, http: all } : d.timeouts,
    concurrency: flags.concurrency ?? d.concurrency,
    allowedAnswers,
    neverDial: ownAddresses(allowedAnswers),
  });
  const {
    dnsServer: _raw,
    sink: _sink,
    ...real
  } = realEnv({
    ...(flags.resolver ? { resolver: flags.resolver } : {}),
    controls: [],
    ca: (flags.ca ?? []).map(readCa),
    dnsTimeoutMs: options.timeouts.dns,
    concurrency: options.concurrency,
  });
  return {
    options,
    env: { ...real, ...(flags.sourceAddress ? { dial: dialerFrom(flags.sourceAddress) } : {}) },
  };
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
  const { options, env } = measuring(flags);
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
