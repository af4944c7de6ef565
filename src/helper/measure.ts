import net from 'node:net';
import { classifyQuic } from '../classify/quic.js';
import { impossibleReason, inList } from '../model/addresses.js';
import type {
  Control,
  ControlEnd,
  ControlHttp,
  ControlQuic,
  ControlTarget,
  ControlTls,
} from '../model/control.js';
import { InputError } from '../model/input-error.js';
import { tenths } from '../model/clock.js';
import { find, own, type Observation } from '../model/observation.js';
import type { Target } from '../model/target.js';
import type { Transfer, TransferFigures } from '../model/transfer.js';
import { targetFromUrl } from '../targets/parse.js';
import type { ProbeEnv, ProbeOptions } from '../run/options.js';
import type { Measured } from '../run/result.js';
import { runProbe } from '../run/run.js';

// The helper's side: the targets a probe sent, measured by the very pipeline `check` runs (its own
// resolver, then a connect to each of its addresses and each of the probe's, TLS, one GET), each
// summarized into a control as soon as it is done. The helper opens connections for whoever holds
// a token, so nothing here dials an address no public name can have, nor the helper's own.

/**
 * The same pipeline as `check`, without what only a probe inside needs: no decoy, one try, no SNI
 * probe, no residual check, and no listening for injected DNS replies after the first (abroad, the
 * first answer is the answer: a window would hold every control for nothing).
 */
export function helperOptions(base: ProbeOptions): ProbeOptions {
  const { sniProbe: _probe, ...rest } = base;
  return { ...rest, decoyName: undefined, tries: 1, residualCheckMs: 0, dnsWindowMs: 0 };
}

/** Why the helper will not connect to `address`, if it will not. */
function refusedAddress(address: string, options: ProbeOptions): string | undefined {
  if (net.isIP(address) === 0) return 'not an IP address';
  const impossible = impossibleReason(address, options.allowedAnswers);
  if (impossible) return `${impossible} address`;
  if (options.neverDial && inList(options.neverDial, address)) return "the helper's own address";
  return undefined;
}

interface Planned {
  targets: Target[];
  refused: Control[];
  alsoDial: Map<string, string[]>;
  /** The probe's addresses the helper will not dial, by target. */
  skipped: Map<string, string[]>;
}

function plan(requests: ControlTarget[], options: ProbeOptions): Planned {
  const planned: Planned = { targets: [], refused: [], alsoDial: new Map(), skipped: new Map() };
  requests.forEach((r, i) => {
    const refuse = (why: string) =>
      planned.refused.push({
        type: 'control',
        name: r.name,
        url: r.url,
        refused: why,
        tcp: [],
        duration_ms: 0,
      });
    let target: Target;
    try {
      target = targetFromUrl(r.name, r.url, { file: 'request', line: i + 1 });
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      return refuse(`bad URL: ${err.message}`);
    }
    const literal = net.isIP(target.host) !== 0 ? refusedAddress(target.host, options) : undefined;
    if (literal) return refuse(`${target.host}: ${literal}`);
    const kept = r.addresses.filter((a) => refusedAddress(a, options) === undefined);
    const skipped = r.addresses
      .filter((a) => !kept.includes(a))
      .map((a) => `${a} (${refusedAddress(a, options)})`);
    planned.targets.push(r.quic ? { ...target, quic: true } : target);
    planned.alsoDial.set(target.name, kept);
    if (skipped.length > 0) planned.skipped.set(target.name, skipped);
  });
  return planned;
}

const CERTIFICATE_FAILURES = new Set([
  'ssl_invalid_hostname',
  'ssl_unknown_authority',
  'ssl_invalid_certificate',
]);

function tlsOf(checks: Observation[]): ControlTls | undefined {
  const t = own(checks, 'tls_handshake').at(-1);
  if (!t) return undefined;
  const f = t.failure?.failure;
  const handshake = f === undefined || CERTIFICATE_FAILURES.has(f);
  return {
    address: t.address,
    port: t.port,
    handshake,
    ...(f ? { failure: f } : {}),
    ...(t.version ? { version: t.version } : {}),
    ...(t.certificate ? { certificate: t.certificate } : {}),
    trusted: handshake && f !== 'ssl_unknown_authority' && f !== 'ssl_invalid_certificate',
    valid_for_name: f === undefined,
  };
}

function httpOf(checks: Observation[]): ControlHttp | undefined {
  const h = own(checks, 'http_round_trip').at(-1);
  if (!h) return undefined;
  const {
    address,
    port,
    status,
    location,
    headers,
    header_names,
    body_bytes,
    body_truncated,
    title,
    body_sha256,
    failure,
    transfer,
  } = h;
  return {
    address,
    port,
    ...(status !== undefined ? { status } : {}),
    ...(location !== undefined ? { location } : {}),
    ...(headers ? { headers } : {}),
    ...(header_names ? { header_names } : {}),
    body_bytes,
    body_truncated,
    ...(title !== undefined ? { title } : {}),
    ...(body_sha256 !== undefined ? { body_sha256 } : {}),
    ...(failure ? { failure: failure.failure } : {}),
    ...(transfer ? { transfer: figuresOf(transfer) } : {}),
  };
}

/** A transfer without its samples: the probe compares rates, and a control line stays small. */
const figuresOf = ({ samples: _samples, ...figures }: Transfer): TransferFigures => figures;

/**
 * The helper's QUIC handshakes for the probe, classified here and only here. The helper marked the
 * target `quic: true` only to measure it: abroad that is no evidence of QUIC, so the verdict is
 * decided without it (a refused port is `not-offered` there, not a block).
 */
function quicOf({ target: { quic: _asked, ...target }, verdict, quic }: Measured): ControlQuic | undefined {
  if (!quic) return undefined;
  const q = classifyQuic({
    target,
    checks: quic.observations,
    offeredBy: [],
    tcp: { verdict: verdict.verdict, ...(verdict.stage ? { stage: verdict.stage } : {}) },
  });
  return {
    verdict: q.verdict,
    stage: q.stage,
    ...(q.failure ? { failure: q.failure } : {}),
    address: q.address,
    port: q.port,
    ...(q.alpn ? { alpn: q.alpn } : {}),
  };
}

/**
 * One target's measurement, as the control the probe compares with: built from its observations and
 * verdict (a helper's run has no domestic control, so no context changes the verdict).
 */
export function controlOf(m: Measured, skipped: string[] = []): Control {
  const { target, checks } = m;
  const resolved = find(checks, 'resolve')[0];
  const tcp = own(checks, 'connect')
    .filter((c) => c.try === undefined)
    .map((c) => ({ address: c.address, port: c.port, ...(c.failure ? { failure: c.failure.failure } : {}) }));
  const base: Control = {
    type: 'control',
    name: target.name,
    url: target.url,
    tcp,
    ...(m.verdict.families ? { families: m.verdict.families } : {}),
    verdict: m.verdict.verdict,
    duration_ms: tenths(m.totalMs),
  };
  if (resolved)
    base.dns = {
      addresses: resolved.addresses,
      ...(resolved.failure ? { failure: resolved.failure.failure } : {}),
    };
  if (skipped.length > 0) base.not_dialled = skipped;
  if (resolved && !resolved.failure && tcp.length === 0 && resolved.addresses.length > 0) {
    // DNS rebinding, or a name of someone's LAN: nothing was dialled, and the probe is told so.
    return {
      ...base,
      refused: `resolves only to addresses the helper does not connect to (${resolved.addresses.join(' ')})`,
    };
  }
  const tls = tlsOf(checks);
  const http = httpOf(checks);
  const quic = quicOf(m);
  return { ...base, ...(tls ? { tls } : {}), ...(http ? { http } : {}), ...(quic ? { quic } : {}) };
}

/**
 * Measures the requested targets; each control goes to `onControl` as soon as it is done (refused
 * ones first). When `signal` aborts, nothing more starts and every connection still open is closed.
 */
export async function measureControls(
  requests: ControlTarget[],
  options: ProbeOptions,
  env: ProbeEnv,
  onControl: (c: Control) => void,
  signal?: AbortSignal,
): Promise<ControlEnd> {
  const began = env.clock.now();
  const planned = plan(requests, options);
  for (const c of planned.refused) onControl(c);
  let refused = planned.refused.length;
  let measured = 0;
  if (planned.targets.length > 0) {
    await runProbe(planned.targets, { ...options, alsoDial: planned.alsoDial }, env, {
      keepResults: false,
      // A client that went away waits for nothing: its measurements are cancelled at once.
      ...(signal ? { signal, graceMs: 0 } : {}),
      onMeasured: (m) => {
        const control = controlOf(m, planned.skipped.get(m.target.name));
        if (control.refused !== undefined) refused++;
        else measured++;
        onControl(control);
      },
    });
  }
  return {
    type: 'end',
    targets: requests.length,
    measured,
    refused,
    duration_ms: Math.round(env.clock.now() - began),
  };
}
