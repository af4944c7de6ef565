import net from 'node:net';
import { checkHttp } from '../checks/http.js';
import type { Stopwatch } from '../checks/stopwatch.js';
import { checkConnect } from '../checks/tcp.js';
import { checkTls } from '../checks/tls.js';
import { isSlow } from '../classify/throttle.js';
import { own, type Observation } from '../model/observation.js';
import type { Target } from '../model/target.js';
import { bodyLimits, type ProbeEnv, type ProbeOptions } from './options.js';

// The control on the same path, made only after a slow transfer (so a healthy run costs one
// transfer a target): the same URL from the same address, on a fresh connection, with the
// innocuous name where the censor reads the name. Over TLS that is the SNI (the certificate, for
// the target's name, is not checked against it) and the Host stays the target's, so the server
// sends the same page; over plain HTTP it is the Host, the only name there is.

const tagged = <T extends Observation>(o: T): T => Object.assign(o, { purpose: 'transfer_control' as const });

/** The connect, TLS and HTTP of the control, when the target's own transfer was slow; none otherwise. */
export async function transferControl(
  target: Target,
  address: string,
  checks: Observation[],
  world: { env: ProbeEnv; options: ProbeOptions; watch: Stopwatch },
): Promise<Observation[]> {
  const { env, options, watch } = world;
  const decoy = options.decoyName;
  const transfer = own(checks, 'http_round_trip').at(-1)?.transfer;
  if (!decoy || !transfer || !isSlow(transfer)) return [];
  const dialled = await checkConnect(env.dial, address, target.port, options.timeouts.connect, watch);
  const steps: Observation[] = [tagged(dialled.observation)];
  let socket = dialled.socket;
  if (!socket) return steps;
  try {
    if (target.scheme === 'https') {
      const tls = await checkTls(
        socket,
        {
          host: decoy,
          address,
          port: target.port,
          ca: env.ca,
          verify: false,
          timeoutMs: options.timeouts.tls,
        },
        watch,
      );
      steps.push(tagged(tls.observation));
      if (!tls.socket) return steps;
      socket = tls.socket;
    }
    const http = await checkHttp(
      socket,
      target,
      {
        address,
        timeoutMs: options.timeouts.http,
        userAgent: options.userAgent,
        ...bodyLimits(options),
        ...(target.scheme === 'http' && net.isIP(decoy) === 0 ? { host: decoy } : {}),
      },
      watch,
    );
    steps.push(tagged(http));
    return steps;
  } finally {
    socket.destroy();
  }
}
