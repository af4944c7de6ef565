// A censor in a box: the servers, resolver, sink and control of a scenario, all on loopback.
import { stringify } from 'yaml';
import { formatServer, hostPort } from '../model/addresses.js';
import type { Target } from '../model/target.js';
import { startDnsServer, type DnsBehaviour, type DnsServerScript } from './dns-server.js';
import { startDohServer } from './doh-server.js';
import { startMockHelper } from './helper.js';
import { SERVER_ADDRESS, type Scenario, type ServerSpec } from './scenario.js';
import { startQuicResponder } from './quic-server.js';
import {
  ABROAD,
  closedPort,
  HOST,
  MOCK_ADDRESSES,
  startBlackhole,
  startServer,
  type Listening,
  type ServerOptions,
} from './tcp-servers.js';
import { CERTS, MOCK_CA } from './certs.js';

export interface Endpoint {
  address: string;
  port: number;
}

/** The options `reachprobe check` needs to measure the mock network (the CLI's flags, as values). */
export interface MockCheckOptions {
  resolver: Endpoint;
  sink: Endpoint;
  controlDoh: string;
  /** PEM of the CA every mock certificate chains to. */
  ca: string;
  /** Every mock server is on loopback: such answers are genuine here. */
  allowAnswers: string[];
  timeoutMs: number;
  /** The HTTP round trip's deadline, body included (the scenario's, or timeoutMs). */
  httpTimeoutMs: number;
  dnsTimeoutMs: number;
  dnsWindowMs: number;
  sinkTimeoutMs: number;
  /** The helper abroad, and its bearer token. */
  helper: { url: string; token: string };
}

export interface MockNetwork {
  scenario: Scenario;
  /** The scenario's targets, their URLs pointing at the running servers. */
  targets: Target[];
  check: MockCheckOptions;
  /** The targets as a targets file, `expect:` included. */
  targetsYaml(): string;
  /** The command-line options for `reachprobe check`, with the CA and the helper's token written to those files. */
  checkArgs(caFile: string, tokenFile: string): string[];
  close(): Promise<void>;
}

// Deadlines short enough for a smoke test, long enough for the slow-but-healthy server and for the
// real answer that follows a forged one, even on a busy CI machine. DNS (and the DoH control) gets
// more than the connection steps: a run must not depend on how fast a loaded loop reads a reply.
const TIMEOUT_MS = 1000;
const DNS_TIMEOUT_MS = 3000;
const DNS_WINDOW_MS = 500;
const SINK_TIMEOUT_MS = 1000;

/** Drops or refuses in the kernel: a listener cannot tell who is abroad, so the helper meets a twin instead. */
const inKernel = (spec: ServerSpec) => spec.kind === 'blackhole' || spec.kind === 'refused';

function startOne(
  spec: ServerSpec,
  extra: Pick<ServerOptions, 'at' | 'redirectTo'> = {},
): Promise<Listening> {
  if (spec.kind === 'blackhole') return startBlackhole();
  if (spec.kind === 'refused')
    return closedPort().then((port) => ({ address: HOST, port, close: async () => {} }));
  return startServer({
    behaviour: spec.kind,
    ...(spec.abroad ? { abroad: spec.abroad } : {}),
    ...(spec.blockpageHost ? { blockpageHost: spec.blockpageHost } : {}),
    ...(spec.interceptSni ? { interceptSni: spec.interceptSni } : {}),
    ...(spec.cert ? { cert: spec.cert } : {}),
    ...(spec.resetSni ? { resetSni: spec.resetSni } : {}),
    ...(spec.resetHost ? { resetHost: spec.resetHost } : {}),
    ...(spec.lingerMs ? { lingerMs: spec.lingerMs } : {}),
    ...(spec.resetTimes !== undefined ? { resetTimes: spec.resetTimes } : {}),
    ...(spec.delayMs ? { delayMs: spec.delayMs } : {}),
    ...extra,
    ...(spec.bodyBytes !== undefined ? { bodyBytes: spec.bodyBytes } : {}),
    ...(spec.bytesPerSecond ? { bytesPerSecond: spec.bytesPerSecond } : {}),
    ...(spec.police ? { police: spec.police } : {}),
    ...(spec.policeBytesPerSecond ? { policeBytesPerSecond: spec.policeBytesPerSecond } : {}),
    ...(spec.freezeAfterBytes !== undefined ? { freezeAfterBytes: spec.freezeAfterBytes } : {}),
  });
}

/**
 * The server's QUIC side, on UDP at its TCP port (so a URL's port means both); the censor's filters
 * spare the helper abroad. Without `quic`, nothing listens there: the kernel answers ICMP port unreachable.
 */
async function startQuicSide(spec: ServerSpec, port: number): Promise<Listening | undefined> {
  if (!spec.quic) return undefined;
  const responder = await startQuicResponder({
    port,
    identity: CERTS[spec.cert ?? 'good'],
    blackhole: spec.quic.kind === 'blackhole',
    ...(spec.quic.blockSni ? { blockedSni: spec.quic.blockSni } : {}),
    exempt: ABROAD,
  });
  return { ...responder, close: () => responder.close() };
}

const real = (addresses: string[]) => addresses.map((a) => (a === SERVER_ADDRESS ? HOST : a));

function withRealAddresses(b: DnsBehaviour): DnsBehaviour {
  return 'answer' in b ? { ...b, answer: real(b.answer) } : b;
}

/** One script entry per name; the first target to name a host decides how DNS answers for it. */
function scripts(scenario: Scenario) {
  const resolver: DnsServerScript = {};
  const sink: DnsServerScript = {};
  const control: DnsServerScript = {};
  for (const t of scenario.targets) {
    const host = t.target.host;
    resolver[host] ??= t.dns.map(withRealAddresses);
    if (t.sink.length > 0) sink[host] ??= { answer: t.sink };
    // An empty control list: the control says the name does not exist.
    control[host] ??=
      t.control?.length === 0 ? { rcode: 'NXDOMAIN' } : { answer: real(t.control ?? [SERVER_ADDRESS]) };
  }
  return { resolver, sink, control };
}

function pointAt(t: Target, port: number): Target {
  const path = t.scheme === 'tcp' ? '' : t.path;
  return { ...t, port, url: `${t.scheme}://${t.host}:${port}${path}` };
}

function targetsYaml(scenario: Scenario, targets: Target[]): string {
  const entries = targets.map((t) => ({
    name: t.name,
    service: t.service,
    url: t.url,
    ...(t.role ? { role: t.role } : {}),
    ...(t.expect ? { expect: t.expect } : {}),
    ...(t.expectBlocking !== undefined ? { expect_blocking: t.expectBlocking } : {}),
    ...(t.expectAccessible !== undefined ? { expect_accessible: t.expectAccessible } : {}),
    ...(t.quic !== undefined ? { quic: t.quic } : {}),
    ...(t.expectQuic ? { expect_quic: t.expectQuic } : {}),
    ...(t.tags.length > 0 ? { tags: t.tags } : {}),
  }));
  const header = `# reachprobe mock network, scenario "${scenario.name}": ${scenario.description}\n`;
  return header + stringify({ targets: entries }, { lineWidth: 0 });
}

/** The same settings as `reachprobe check` options. */
function argsFor(check: MockCheckOptions, caFile: string, tokenFile: string): string[] {
  const seconds = (ms: number) => String(ms / 1000);
  return [
    ...['--resolver', formatServer(check.resolver), '--sink', formatServer(check.sink)],
    ...['--control-doh', check.controlDoh, '--ca', caFile],
    ...['--helper', check.helper.url, '--helper-token-file', tokenFile],
    ...check.allowAnswers.flatMap((range) => ['--allow-answers', range]),
    ...['--timeout', seconds(check.timeoutMs), '--dns-timeout', seconds(check.dnsTimeoutMs)],
    ...['--dns-window', seconds(check.dnsWindowMs), '--sink-timeout', seconds(check.sinkTimeoutMs)],
    ...['--quic-timeout', seconds(check.timeoutMs), '--http-timeout', seconds(check.httpTimeoutMs)],
  ];
}

/** Starts a scenario's servers on loopback; `close()` stops them all. */
export async function startMockNetwork(scenario: Scenario): Promise<MockNetwork> {
  const open: Array<{ close(): Promise<void> }> = [];
  const close = async () => {
    await Promise.all(open.map((o) => o.close()));
  };
  try {
    const servers = new Map<string, Listening>();
    const twins = new Map<string, number>();
    // A shortener's Location is its target's URL, known once every server has its port.
    const urls = new Map<string, string>();
    for (const [name, spec] of scenario.servers) {
      const to = spec.redirectTo;
      const redirect = to === undefined ? {} : { redirectTo: () => urls.get(to) ?? 'http://' };
      const server = await startOne(spec, redirect);
      open.push(server);
      servers.set(name, server);
      for (const address of spec.alsoOn ?? []) {
        open.push(await startOne(spec, { ...redirect, at: { address, port: server.port } }));
      }
      const quic = await startQuicSide(spec, server.port);
      if (quic) open.push(quic);
      if (spec.abroad && inKernel(spec)) {
        const twin = await startOne({ ...spec, kind: spec.abroad });
        open.push(twin);
        twins.set(hostPort(server.address, server.port), twin.port);
      }
    }
    const script = scripts(scenario);
    const resolver = await startDnsServer(script.resolver);
    open.push(resolver);
    const sink = await startDnsServer(script.sink, { silent: true });
    open.push(sink);
    const doh = await startDohServer(script.control, 'good');
    open.push(doh);
    // The helper's resolver abroad gives the true answers, as the control resolver does.
    const abroadDns = await startDnsServer(script.control);
    open.push(abroadDns);
    const http = scenario.httpTimeoutMs ?? TIMEOUT_MS;
    const timeouts = { dns: DNS_TIMEOUT_MS, connect: TIMEOUT_MS, tls: TIMEOUT_MS, http };
    const helper = await startMockHelper(abroadDns, twins, timeouts);
    open.push(helper);
    const targets = scenario.targets.map((t) => pointAt(t.target, servers.get(t.server)!.port));
    for (const t of targets) urls.set(t.name, t.url);
    const check: MockCheckOptions = {
      resolver,
      sink,
      controlDoh: doh.url,
      ca: MOCK_CA,
      allowAnswers: [MOCK_ADDRESSES],
      timeoutMs: TIMEOUT_MS,
      httpTimeoutMs: http,
      dnsTimeoutMs: DNS_TIMEOUT_MS,
      dnsWindowMs: DNS_WINDOW_MS,
      sinkTimeoutMs: SINK_TIMEOUT_MS,
      helper: { url: helper.url, token: helper.token },
    };
    return {
      scenario,
      targets,
      check,
      targetsYaml: () => targetsYaml(scenario, targets),
      checkArgs: (caFile, tokenFile) => argsFor(check, caFile, tokenFile),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
