// Scenarios: what a mock network does, as data. A scenario is a targets file with two additions:
// `servers` (named loopback servers and the censor's filters in front of them) and, per target,
// which server it points at and how DNS answers for it. Every mistake names the file and line.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { InputError } from '../model/input-error.js';
import type { Target } from '../model/target.js';
import { parseTargetsFile } from '../targets/parse.js';
import { didYouMean } from '../targets/suggest.js';
import {
  checkKnown,
  readBoolean,
  readChoice,
  readInteger,
  readList,
  readMapping,
  readString,
  readStrings,
  type Field,
  type Fields,
  type Source,
} from '../targets/yaml.js';
import type { CertName } from './certs.js';
import type { DnsBehaviour } from './dns-server.js';
import { BEHAVIOURS, type Behaviour } from './tcp-servers.js';

const SERVER_KINDS = [...BEHAVIOURS, 'blackhole', 'refused'] as const;
export type ServerKind = (typeof SERVER_KINDS)[number];
const CERT_NAMES: CertName[] = ['good', 'wrong-name', 'expired', 'self-signed'];

export interface ServerSpec {
  kind: ServerKind;
  /** What the helper abroad meets instead of `kind` (the censor's own doing is not there from abroad). */
  abroad?: Behaviour;
  cert?: CertName;
  resetSni?: string[];
  resetHost?: string[];
  blockpageHost?: string[];
  interceptSni?: string[];
  lingerMs?: number;
  resetTimes?: number;
  delayMs?: number;
  /** The size of the body `ok` answers with. */
  bodyBytes?: number;
  /** The server's own rate, for everyone (not a censor). */
  bytesPerSecond?: number;
  /** The censor's policer: names (SNI, or Host over plain HTTP; `*` any) held to `policeBytesPerSecond`. */
  police?: string[];
  policeBytesPerSecond?: number;
  /** The censor freezes every connection from inside after so many bytes. */
  freezeAfterBytes?: number;
  /** The QUIC side of the server, on UDP at the same port: absent, nothing listens (ICMP port unreachable). */
  quic?: QuicSide;
  /** Other loopback addresses it answers on, at the same port (a transparent proxy a forged answer leads to). */
  alsoOn?: string[];
  /** A link shortener: every request is redirected to this target's URL. */
  redirectTo?: string;
}

/**
 * `quic: ok` answers handshakes; `blackhole` drops all UDP to the port; `quic_block_sni` drops blocked names'
 * flows.
 */
export interface QuicSide {
  kind: 'ok' | 'blackhole';
  blockSni?: string[];
}

/** A target of the scenario; its URL's port is replaced by its server's when the network starts. */
export interface ScenarioTarget {
  target: Target;
  server: string;
  /** The resolver's replies, in order ("server" stands for the server's address). */
  dns: DnsBehaviour[];
  /** What the sink answers for the name (nothing, normally: it runs no DNS server). */
  sink: string[];
  /** What the DNS-over-HTTPS control answers (default: the server's address). */
  control?: string[];
}

export interface Scenario {
  name: string;
  description: string;
  /** `http_timeout_seconds`: the HTTP deadline, when a scenario's transfers need more than the others' second. */
  httpTimeoutMs?: number;
  servers: Map<string, ServerSpec>;
  targets: ScenarioTarget[];
}

/** The word in `answer:` lists that stands for the address of the target's server. */
export const SERVER_ADDRESS = 'server';

const SERVER_FIELDS = [
  'behaviour',
  'abroad',
  'tls',
  'reset_sni',
  'reset_host',
  'blockpage_host',
  'intercept_sni',
  'reset_times',
  'linger_seconds',
  'delay_ms',
  'quic',
  'quic_block_sni',
  'also_on',
  'redirect_to',
  'body_bytes',
  'rate_kbit',
  'police',
  'police_kbit',
  'freeze_after_bytes',
];
const TARGET_FIELDS = ['server', 'dns', 'sink', 'control'];
const REPLY_FIELDS = ['answer', 'rcode', 'silent', 'delay_ms', 'any_type'];
const RCODES = ['NXDOMAIN', 'SERVFAIL', 'REFUSED'] as const;

function readAddresses(src: Source, field: Field, what: string, allowServer: boolean): string[] {
  const values = readStrings(src, field, what);
  for (const v of values) {
    if (net.isIP(v) === 0 && !(allowServer && v === SERVER_ADDRESS)) {
      src.fail(
        `${what}: "${v}" is not an IP address${allowServer ? ` (or "${SERVER_ADDRESS}")` : ''}`,
        field.value,
      );
    }
  }
  return values;
}

function readServer(src: Source, field: Field, name: string): ServerSpec {
  const what = `server "${name}"`;
  const fields = readMapping(src, field, what);
  checkKnown(src, fields, SERVER_FIELDS, what);
  const get = (key: string) => fields.get(key);
  const kind = get('behaviour');
  const tls = get('tls');
  const spec: ServerSpec = {
    kind: kind ? readChoice(src, kind, `${what}: field "behaviour"`, SERVER_KINDS) : 'ok',
  };
  const abroad = get('abroad');
  if (abroad) spec.abroad = readChoice(src, abroad, `${what}: field "abroad"`, BEHAVIOURS);
  if (tls) spec.cert = readChoice(src, tls, `${what}: field "tls"`, CERT_NAMES);
  const names = (key: string) =>
    readStrings(src, get(key)!, `${what}: field "${key}"`).map((n) => n.toLowerCase());
  if (get('reset_sni')) spec.resetSni = names('reset_sni');
  if (get('reset_host')) spec.resetHost = names('reset_host');
  if (get('blockpage_host')) spec.blockpageHost = names('blockpage_host');
  if (get('intercept_sni')) spec.interceptSni = names('intercept_sni');
  const linger = get('linger_seconds');
  if (linger) spec.lingerMs = readInteger(src, linger, `${what}: field "linger_seconds"`, 1, 3600) * 1000;
  const times = get('reset_times');
  if (times) spec.resetTimes = readInteger(src, times, `${what}: field "reset_times"`, 0, 1_000_000);
  const delay = get('delay_ms');
  if (delay) spec.delayMs = readInteger(src, delay, `${what}: field "delay_ms"`, 0, 60_000);
  const alsoOn = get('also_on');
  if (alsoOn) spec.alsoOn = readAddresses(src, alsoOn, `${what}: field "also_on"`, false);
  const redirectTo = get('redirect_to');
  if (redirectTo) spec.redirectTo = readString(src, redirectTo, `${what}: field "redirect_to"`);
  readPace(src, fields, what, spec);
  const quic = get('quic');
  if (quic)
    spec.quic = { kind: readChoice(src, quic, `${what}: field "quic"`, ['ok', 'blackhole'] as const) };
  if (get('quic_block_sni')) {
    if (spec.quic?.kind !== 'ok')
      src.fail(`${what}: field "quic_block_sni" needs "quic: ok"`, get('quic_block_sni')!.key);
    spec.quic.blockSni = names('quic_block_sni');
  }
  return spec;
}

/** body_bytes, rate_kbit (the server's own), police and police_kbit, freeze_after_bytes (the censor's). */
function readPace(src: Source, fields: Fields, what: string, spec: ServerSpec): void {
  const integer = (key: string, min: number, max: number) => {
    const field = fields.get(key);
    return field ? readInteger(src, field, `${what}: field "${key}"`, min, max) : undefined;
  };
  const body = integer('body_bytes', 0, 64 * 1024 * 1024);
  const rate = integer('rate_kbit', 1, 10_000_000);
  const police = fields.get('police');
  const policeRate = integer('police_kbit', 1, 10_000_000);
  const freeze = integer('freeze_after_bytes', 0, 64 * 1024 * 1024);
  if (body !== undefined) spec.bodyBytes = body;
  if (rate !== undefined) spec.bytesPerSecond = (rate * 1000) / 8;
  if (police) spec.police = readStrings(src, police, `${what}: field "police"`).map((n) => n.toLowerCase());
  if (policeRate !== undefined) {
    if (!police) src.fail(`${what}: field "police_kbit" needs "police"`, fields.get('police_kbit')!.key);
    spec.policeBytesPerSecond = (policeRate * 1000) / 8;
  }
  if (freeze !== undefined) spec.freezeAfterBytes = freeze;
}

function readReply(src: Source, field: Field, what: string): DnsBehaviour {
  const fields = readMapping(src, field, what);
  checkKnown(src, fields, REPLY_FIELDS, what);
  const delay = fields.get('delay_ms');
  const delayMs = delay ? readInteger(src, delay, `${what}: field "delay_ms"`, 0, 60_000) : 0;
  const answer = fields.get('answer');
  const rcode = fields.get('rcode');
  const flag = (key: string) => {
    const field = fields.get(key);
    return field ? readBoolean(src, field, `${what}: field "${key}"`) : false;
  };
  if (flag('silent')) return { silent: true };
  if (rcode) return { rcode: readChoice(src, rcode, `${what}: field "rcode"`, RCODES), delayMs };
  if (!answer) src.fail(`${what}: give "answer", "rcode" or "silent"`, field.value);
  return {
    answer: readAddresses(src, answer, `${what}: field "answer"`, true),
    delayMs,
    anyType: flag('any_type'),
  };
}

function readScenarioTarget(
  src: Source,
  target: Target,
  extra: Fields,
  servers: Map<string, ServerSpec>,
): ScenarioTarget {
  const what = `target "${target.name}"`;
  const serverField =
    extra.get('server') ?? src.fail(`${what}: field "server" is missing`, target.source.line);
  const server = readString(src, serverField, `${what}: field "server"`);
  if (!servers.has(server))
    src.fail(`${what}: no server "${server}"${didYouMean(server, servers.keys())}`, serverField.value);
  const dns = extra.get('dns');
  const sink = extra.get('sink');
  const control = extra.get('control');
  return {
    target,
    server,
    dns: dns
      ? readList(src, dns, `${what}: field "dns"`).map((r, i) =>
          readReply(src, r, `${what}: dns reply ${i + 1}`),
        )
      : [{ answer: [SERVER_ADDRESS] }],
    sink: sink ? readAddresses(src, sink, `${what}: field "sink"`, false) : [],
    ...(control ? { control: readAddresses(src, control, `${what}: field "control"`, true) } : {}),
  };
}

/** DNS answers per name, not per target: a second target of a name may not script it again. */
function checkOneDnsPerName(src: Source, targets: ScenarioTarget[], extras: Fields[]) {
  const first = new Map<string, ScenarioTarget>();
  targets.forEach((t, i) => {
    const earlier = first.get(t.target.host);
    if (!earlier) return void first.set(t.target.host, t);
    const scripted = ['dns', 'sink', 'control'].find((key) => extras[i]!.has(key));
    if (scripted) {
      src.fail(
        `target "${t.target.name}": field "${scripted}": DNS for ${t.target.host} is scripted by ` +
          `target "${earlier.target.name}" (line ${earlier.target.source.line})`,
        extras[i]!.get(scripted)!.key,
      );
    }
  });
}

export function parseScenario(text: string, file: string, name: string): Scenario {
  const { targets, source, top, extras } = parseTargetsFile(text, file, {
    topFields: ['description', 'servers', 'http_timeout_seconds'],
    targetFields: TARGET_FIELDS,
  });
  const serversField =
    top.get('servers') ??
    source.fail('a scenario needs "servers": the loopback servers its targets point at', 1);
  const servers = new Map<string, ServerSpec>();
  for (const [serverName, field] of readMapping(source, serversField, 'field "servers"')) {
    servers.set(serverName, readServer(source, field, serverName));
  }
  const description = top.get('description');
  const httpTimeout = top.get('http_timeout_seconds');
  const scenarioTargets = targets.map((t, i) => readScenarioTarget(source, t, extras[i]!, servers));
  checkOneDnsPerName(source, scenarioTargets, extras);
  for (const [serverName, spec] of servers) {
    const to = spec.redirectTo;
    if (to !== undefined && !targets.some((t) => t.name === to)) {
      const field = readMapping(source, serversField, 'field "servers"').get(serverName)!;
      source.fail(`server "${serverName}": field "redirect_to": no target "${to}"`, field.value);
    }
  }
  return {
    name,
    description: description ? readString(source, description, 'field "description"') : '',
    ...(httpTimeout
      ? { httpTimeoutMs: readInteger(source, httpTimeout, 'field "http_timeout_seconds"', 1, 60) * 1000 }
      : {}),
    servers,
    targets: scenarioTargets,
  };
}

/** The scenarios that ship with reachprobe (copied next to the compiled code by the build). */
const BUNDLED = fileURLToPath(new URL('./scenarios/', import.meta.url));

export function bundledScenarios(): string[] {
  return existsSync(BUNDLED)
    ? readdirSync(BUNDLED)
        .filter((f) => f.endsWith('.yaml'))
        .map((f) => f.slice(0, -5))
        .sort()
    : [];
}

/** A bundled scenario by name (`gfw`, `clean`), or a scenario file. */
export function loadScenario(nameOrFile: string): Scenario {
  const bundled = bundledScenarios();
  const file = bundled.includes(nameOrFile) ? `${BUNDLED}${nameOrFile}.yaml` : nameOrFile;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new InputError(
      `no scenario "${nameOrFile}": not a bundled one (${bundled.join(', ')}) nor a readable file`,
    );
  }
  return parseScenario(text, file, bundled.includes(nameOrFile) ? nameOrFile : file);
}
