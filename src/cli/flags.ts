import net from 'node:net';
import { createRequire } from 'node:module';
import type * as Commander from 'commander';
import { addRange, canonicalAddress, parseServer, type DnsServer } from '../model/addresses.js';
import { LABEL_PATTERN } from '../model/vantage-point.js';

// Parsers for option values. Each throws commander's InvalidArgumentError, which the CLI reports
// with the option's name and exits with status 2.

const { InvalidArgumentError } = createRequire(import.meta.url)('commander') as typeof Commander;

/** A number of seconds, as milliseconds, if `allowed`; otherwise what was `expected`. */
function secondsWhere(value: string, allowed: (n: number) => boolean, expected: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || !allowed(n))
    throw new InvalidArgumentError(`expected a number of seconds, ${expected}.`);
  return Math.round(n * 1000);
}

export const seconds = (value: string): number =>
  secondsWhere(value, (n) => n > 0 && n <= 3600, 'more than 0 and at most 3600');

/** Seconds from 0 (what the option's help says 0 turns off) to `max`. */
export const secondsUpTo =
  (max: number) =>
  (value: string): number =>
    secondsWhere(value, (n) => n >= 0 && n <= max, `from 0 to ${max}`);

/** A whole number from `min` to `max`, as an option's value. */
function wholeNumber(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}.`);
    return n;
  };
}

export const positiveInteger = (max: number) => wholeNumber(1, max);
export const nonNegativeInteger = (max: number) => wholeNumber(0, max);

/** An IP address with an optional port (`defaultPort` when none). */
export function endpoint(value: string, defaultPort = 53): DnsServer {
  const server = parseServer(value, defaultPort);
  if (!server)
    throw new InvalidArgumentError(
      'expected an IP address with an optional port: 1.2.3.4, 1.2.3.4:5353, [::1]:53.',
    );
  return server;
}

export const dnsServer = (value: string): DnsServer => endpoint(value);

/** ADDR:PORT to listen on; port 0 takes a free one (the listening line says which). */
export function listenAddress(value: string): DnsServer {
  const anyPort = /^(.*):0$/.exec(value);
  const server = anyPort ? parseServer(`${anyPort[1]}:1`) : parseServer(value, 0);
  if (!server || (!anyPort && server.port === 0))
    throw new InvalidArgumentError(
      'expected ADDR:PORT: 0.0.0.0:8443, [::]:8443, 127.0.0.1:0 (any free port).',
    );
  return anyPort ? { ...server, port: 0 } : server;
}

export interface Pin {
  key: string;
  addresses: string[];
}

/** curl's --resolve HOST:PORT:ADDR[,ADDR...]; IPv6 addresses may be bracketed. */
export function pin(value: string): Pin {
  const match = /^([^:\s]+):(\d{1,5}):(.+)$/.exec(value);
  const addresses = match?.[3]!.split(',').map((a) => a.replace(/^\[(.*)\]$/, '$1')) ?? [];
  const port = Number(match?.[2]);
  if (!match || port < 1 || port > 65535 || addresses.some((a) => net.isIP(a) === 0)) {
    throw new InvalidArgumentError(
      'expected HOST:PORT:ADDR, e.g. www.google.com:443:142.250.1.1 or host:443:[::1].',
    );
  }
  return { key: `${match[1]!.toLowerCase()}:${port}`, addresses: addresses.map(canonicalAddress) };
}

export function collect<T>(parse: (value: string) => T) {
  return (value: string, previous: T[] = []): T[] => [...previous, parse(value)];
}

export const list = (value: string, previous: string[] = []): string[] => [
  ...previous,
  ...value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== ''),
];

/** An https:// URL, or a usage error: `like` shows one, `why` says what https is needed for. */
function httpsOnly(value: string, like: string, why: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError(`expected a URL, like ${like}.`);
  }
  if (url.protocol !== 'https:') throw new InvalidArgumentError(why);
  return url;
}

/** A helper's base URL: https, no credentials, query or fragment (a path prefix is fine). */
export function helperUrl(value: string): string {
  const url = httpsOnly(
    value,
    'https://helper.example:8443 or https://example.org/reachprobe',
    'a helper is reached over https:// only.',
  );
  if (url.username || url.password || url.search || url.hash)
    throw new InvalidArgumentError(
      'no credentials, query or fragment: the token goes in --helper-token-file.',
    );
  return url.href.replace(/\/+$/, '');
}

export const httpsUrl = (value: string): string =>
  httpsOnly(value, 'https://dns.example/dns-query', 'DNS-over-HTTPS needs an https:// URL.').href;

export function cidr(value: string): string {
  if (!addRange(new net.BlockList(), value))
    throw new InvalidArgumentError('expected an address or CIDR range, like 127.0.0.0/8.');
  return value;
}

export function domainName(value: string): string {
  if (!/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i.test(value)) {
    throw new InvalidArgumentError('expected a domain name, like example.com.');
  }
  return value.toLowerCase();
}

export function serviceFrom(value: string): 'host' | 'category' {
  if (value !== 'host' && value !== 'category') throw new InvalidArgumentError('expected host or category.');
  return value;
}
export function vantageLabel(value: string): string {
  if (!LABEL_PATTERN.test(value))
    throw new InvalidArgumentError(
      'expected 1 to 64 letters, digits, dots, dashes or underscores, like bj-unicom-1.',
    );
  return value;
}

/** ISO 3166-1 alpha-2, as the user states it (upper-cased). */
export function countryCode(value: string): string {
  if (!/^[A-Za-z]{2}$/.test(value))
    throw new InvalidArgumentError('expected a two-letter country code, like CN.');
  return value.toUpperCase();
}

/** Free text, but one short line: it goes into Prometheus labels and CSV cells. */
export function networkText(value: string): string {
  const text = value.trim();
  if (text === '' || text.length > 200 || /[\p{Cc}]/u.test(text))
    throw new InvalidArgumentError(
      'expected one line of at most 200 characters, like "China Unicom, Beijing".',
    );
  return text;
}

/** A time for --since/--until: an ISO date (midnight UTC) or date and time; as ISO. */
export function isoTime(value: string): string {
  const iso = /^\d{4}-\d\d-\d\d$/.test(value) ? `${value}T00:00:00Z` : value;
  const t = Date.parse(iso);
  if (!/^\d{4}-\d\d-\d\d/.test(value) || Number.isNaN(t))
    throw new InvalidArgumentError(
      'expected an ISO date or time (UTC unless it says otherwise), like 2026-11-01 or 2026-11-01T08:00Z.',
    );
  return new Date(t).toISOString();
}

/** Labels, comma-separated or repeated: each as --label takes it. */
export const labels = (value: string, previous: string[] = []): string[] => [
  ...previous,
  ...list(value).map(vantageLabel),
];

/** Exactly two different labels, for --compare A,B. */
export function labelPair(value: string): [string, string] {
  const pair = list(value).map(vantageLabel);
  if (pair.length !== 2 || pair[0] === pair[1])
    throw new InvalidArgumentError('expected two different labels, like bj-unicom-1,sh-telecom-1.');
  return pair as [string, string];
}
