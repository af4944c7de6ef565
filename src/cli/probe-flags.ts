import type { MockCheckOptions } from '../mock/network.js';
import { blockListOf } from '../model/addresses.js';
import { InputError } from '../model/input-error.js';
import type { Target } from '../model/target.js';
import { helperDispatcher } from '../net/helper-client.js';
import { HelperControls } from '../run/helper.js';
import { DEFAULT_OPTIONS, type ProbeEnv, type ProbeOptions } from '../run/options.js';
import { realEnv } from '../run/env.js';
import { readAddressList } from '../targets/address-list.js';
import { readCa, readTokens } from './files.js';
import type { CheckFlags } from './options.js';

// check's options as the run's options and environment, shared by the commands that measure as
// check does (check, doctor), and the --mock network under them.

/** How long a target waits for its control by default: the helper's own deadlines, and the trip. */
const HELPER_TIMEOUT_MS = 30_000;

/** The flags over `d`: the defaults, or a mock network's settings. */
export function optionsFrom(flags: CheckFlags, d: ProbeOptions = DEFAULT_OPTIONS): ProbeOptions {
  const all = flags.timeout;
  return {
    ...d,
    timeouts: {
      dns: flags.dnsTimeout ?? all ?? d.timeouts.dns,
      connect: flags.connectTimeout ?? all ?? d.timeouts.connect,
      tls: flags.tlsTimeout ?? all ?? d.timeouts.tls,
      http: flags.httpTimeout ?? all ?? d.timeouts.http,
    },
    dnsWindowMs: flags.dnsWindow ?? d.dnsWindowMs,
    concurrency: flags.concurrency ?? d.concurrency,
    maxBodyBytes: flags.maxBody ?? d.maxBodyBytes,
    transferBytes: flags.transfer ?? d.transferBytes,
    pins: new Map((flags.resolve ?? []).map((p) => [p.key, p.addresses])),
    sinkTimeoutMs: flags.sinkTimeout ?? d.sinkTimeoutMs,
    sinkCanaries: flags.sinkCanary ?? d.sinkCanaries,
    nxProbeDomain: flags.nxDomain ?? d.nxProbeDomain,
    forgedPool: flags.forgedPool ? readAddressList(flags.forgedPool) : d.forgedPool,
    allowedAnswers: blockListOf(flags.allowAnswers ?? []),
    decoyReuseMs: flags.decoyReuse ?? d.decoyReuseMs,
    tries: flags.tries ?? d.tries,
    maxRedirects: flags.maxRedirects ?? d.maxRedirects,
    ...(flags.sniProbeAddr ? { sniProbe: flags.sniProbeAddr } : {}),
    residualCheckMs: flags.residualCheck ?? d.residualCheckMs,
    quic: flags.quic === undefined ? d.quic : flags.quic ? 'all' : 'off',
    quicTimeoutMs: flags.quicTimeout ?? d.quicTimeoutMs,
  };
}

/** --helper: its token (the first in the file, or the mock network's), its pins, its pool. */
function helperFrom(flags: CheckFlags, ca: string[], token: string | undefined): HelperControls | undefined {
  if (flags.helper === undefined) return undefined;
  const secret = flags.helperTokenFile !== undefined ? readTokens(flags.helperTokenFile)[0]! : token;
  if (secret === undefined)
    throw new InputError('--helper needs --helper-token-file: the file with its bearer token');
  const pins = new Map((flags.helperResolve ?? []).map((p) => [p.key.replace(/:\d+$/, ''), p.addresses]));
  const timeoutMs = flags.helperTimeout ?? HELPER_TIMEOUT_MS;
  return new HelperControls({
    url: flags.helper,
    token: secret,
    dispatcher: helperDispatcher(ca, pins, timeoutMs),
    timeoutMs,
  });
}

/**
 * With --resolver, that server answers both lookups; otherwise getaddrinfo, and the system's first
 * nameserver for the raw query.
 */
export function envFrom(
  flags: CheckFlags,
  options: ProbeOptions,
  extraCa: string[],
  helperToken?: string,
): ProbeEnv {
  const ca = [...(flags.ca ?? []).map(readCa), ...extraCa];
  const helper = helperFrom(flags, ca, helperToken);
  const env = realEnv({
    ...(flags.resolver ? { resolver: flags.resolver } : {}),
    ...(flags.sink ? { sink: flags.sink } : {}),
    controls: flags.controlDoh ?? [],
    ca,
    dnsTimeoutMs: options.timeouts.dns,
    concurrency: options.concurrency,
  });
  return helper ? { ...env, helper } : env;
}

/** Runs `use` against the --mock network: its settings under the command line's, its targets and CA. */
export async function withMockNetwork<T>(
  flags: CheckFlags,
  use: (flags: CheckFlags, given: Given) => Promise<T>,
): Promise<T> {
  // The mock network's code (servers, certificates) is loaded only for a mock run: 13-25 ms off the
  // start of every real one.
  usableBeforeMock(flags);
  const [{ startMockNetwork }, { loadScenario }] = await Promise.all([
    import('../mock/network.js'),
    import('../mock/scenario.js'),
  ]);
  const network = await startMockNetwork(loadScenario(flags.mock!));
  try {
    // The mock network's settings, unless the command line says otherwise.
    const given = {
      ca: [network.check.ca],
      targets: network.targets,
      options: optionsFor(network.check),
      helperToken: network.check.helper.token,
    };
    return await use({ ...flagsFor(network.check), ...flags }, given);
  } finally {
    await network.close();
  }
}

/** Mistakes in what --mock does not replace, told before its servers start rather than after. */
function usableBeforeMock(flags: CheckFlags): void {
  if (flags.helper !== undefined && flags.helperTokenFile === undefined)
    throw new InputError(
      "--helper needs --helper-token-file: the mock network's token is for its own helper only",
    );
  if (flags.helperTokenFile !== undefined) readTokens(flags.helperTokenFile);
  for (const file of flags.ca ?? []) readCa(file);
}

/** Where the mock network is: the command line may point elsewhere. */
function flagsFor(mock: MockCheckOptions): CheckFlags {
  return {
    resolver: mock.resolver,
    sink: mock.sink,
    controlDoh: [mock.controlDoh],
    allowAnswers: mock.allowAnswers,
    helper: mock.helper.url,
  };
}

/** The mock network's deadlines, as defaults the command line overrides (--timeout included). */
function optionsFor(mock: MockCheckOptions): ProbeOptions {
  const d = DEFAULT_OPTIONS;
  const connect = mock.timeoutMs;
  return {
    ...d,
    timeouts: { dns: mock.dnsTimeoutMs, connect, tls: connect, http: mock.httpTimeoutMs },
    dnsWindowMs: mock.dnsWindowMs,
    sinkTimeoutMs: mock.sinkTimeoutMs,
    quicTimeoutMs: connect,
  };
}

export interface Given {
  ca: string[];
  targets: Target[];
  options: ProbeOptions;
  /** The mock network's helper's token (a value: no file to read). */
  helperToken?: string;
}
