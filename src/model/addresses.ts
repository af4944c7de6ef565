import net from 'node:net';

// Addresses a public name can never genuinely resolve to. An injector's forged answers often are
// such addresses; split-horizon DNS (a company's internal names) legitimately returns private ones,
// which is why a user can accept ranges with --allow-answers.

const RANGES: Array<[label: string, cidrs: string[]]> = [
  ['unspecified', ['0.0.0.0/8', '::/128']],
  ['loopback', ['127.0.0.0/8', '::1/128']],
  ['private (RFC 1918)', ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']],
  ['shared address space (RFC 6598)', ['100.64.0.0/10']],
  ['link-local', ['169.254.0.0/16', 'fe80::/10']],
  ['unique local (RFC 4193)', ['fc00::/7']],
  ['site-local (deprecated)', ['fec0::/10']],
  ['multicast', ['224.0.0.0/4', 'ff00::/8']],
  ['discard-only', ['100::/64']],
  ['local-use NAT64 (RFC 8215)', ['64:ff9b:1::/48']],
  // ::/96: IPv4-compatible IPv6 (deprecated, never routed); 192.88.99.0/24: the 6to4 relays' former
  // anycast; 100:0:0:1::/64 the dummy prefix (RFC 9780); 2001:10::/28 ORCHID (deprecated); 5f00::/16
  // SRv6 segment identifiers: none is globally reachable in IANA's special-purpose registries.
  [
    'reserved',
    ['240.0.0.0/4', '192.0.0.0/24', '192.88.99.0/24', '::/96', '100:0:0:1::/64', '2001:10::/28', '5f00::/16'],
  ],
  ['documentation', ['192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24', '2001:db8::/32', '3fff::/20']],
  ['benchmarking', ['198.18.0.0/15', '2001:2::/48']],
  ['Teredo', ['2001::/32']],
];
// No ::ffff:0:0/96 (IPv4-mapped) here: node's BlockList matches every IPv4 address against it, and
// so judges a mapped address by the IPv4 address inside, as it should be.

/** An IP literal's family as BlockList names it; undefined for anything else. */
const familyOf = (address: string) =>
  net.isIPv4(address) ? 'ipv4' : net.isIPv6(address) ? 'ipv6' : undefined;

/** Adds "10.0.0.0/8", "2001:db8::/32" or a single address to the list; false if the text is neither. */
export function addRange(list: net.BlockList, text: string): boolean {
  const [address = '', prefixText] = text.trim().split('/');
  const family = familyOf(address);
  if (!family) return false;
  const max = family === 'ipv4' ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (
    !Number.isInteger(prefix) ||
    prefix < 0 ||
    prefix > max ||
    (prefixText !== undefined && !/^\d+$/.test(prefixText))
  ) {
    return false;
  }
  list.addSubnet(address, prefix, family);
  return true;
}

export function blockListOf(cidrs: string[]): net.BlockList {
  const list = new net.BlockList();
  for (const cidr of cidrs) {
    if (!addRange(list, cidr)) throw new Error(`bad range ${cidr}`);
  }
  return list;
}

interface Bogons {
  /** Every range at once: most addresses are in none, and one check says so. */
  any: net.BlockList;
  each: Array<{ label: string; list: net.BlockList }>;
}

// Built on first use: `reachprobe --help` should not pay for it.
let bogons: Bogons | undefined;
const BOGONS = (): Bogons =>
  (bogons ??= {
    any: blockListOf(RANGES.flatMap(([, cidrs]) => cidrs)),
    each: RANGES.map(([label, cidrs]) => ({ label, list: blockListOf(cidrs) })),
  });

/**
 * The address as a BlockList checks it. Given a string, each check parses it into one anew (and
 * answers false for one it cannot parse, as for a long IPv6 address with a zone ID: so does this).
 */
function socketAddress(address: string): net.SocketAddress | undefined {
  const family = familyOf(address);
  if (!family) return undefined;
  try {
    return new net.SocketAddress({ address, family });
  } catch {
    return undefined;
  }
}

export function inList(list: net.BlockList, address: string): boolean {
  const parsed = socketAddress(address);
  return parsed !== undefined && list.check(parsed);
}

/**
 * Why `address` cannot be a public name's genuine address, unless `allowed` accepts it. A public
 * address, the usual answer, takes one check, not one per range: 3 µs a call instead of 20-25.
 */
export function impossibleReason(address: string, allowed: net.BlockList): string | undefined {
  const parsed = socketAddress(address);
  if (!parsed) return undefined;
  // An allowed range (a lab's, a helper's local NAT64) may still carry an IPv4 address that is not.
  if (!BOGONS().any.check(parsed) || allowed.check(parsed)) return embeddedReason(parsed, allowed);
  return BOGONS().each.find((b) => b.list.check(parsed))?.label;
}

/**
 * IPv6 prefixes whose addresses reach the IPv4 address they carry, and the 16-bit word where it
 * starts: 64:ff9b::a9fe:a9fe is 169.254.169.254 behind a NAT64 gateway, 2002:7f00:1:: is 127.0.0.1
 * through 6to4. Local-use NAT64 (64:ff9b:1::/48) is refused as a range unless --allow-answers opens
 * it (a helper behind such a gateway); then it is judged as the well-known prefix is, at /96.
 */
const EMBEDDING: Array<{ through: string; prefix: number[]; at: number }> = [
  { through: 'NAT64', prefix: [0x64, 0xff9b, 0, 0, 0, 0], at: 6 },
  { through: 'local-use NAT64', prefix: [0x64, 0xff9b, 1], at: 6 },
  { through: '6to4', prefix: [0x2002], at: 1 },
  { through: 'IPv4-translated', prefix: [0, 0, 0, 0, 0xffff, 0], at: 6 },
];

/** The eight 16-bit words of a valid IPv6 literal (a dotted IPv4 tail included). */
function wordsOf(address: string): number[] {
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
  const text = dotted
    ? address.slice(0, dotted.index) +
      `${((+dotted[1]! << 8) | +dotted[2]!).toString(16)}:${((+dotted[3]! << 8) | +dotted[4]!).toString(16)}`
    : address;
  const [head = '', tail] = text.split('::');
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((w) => parseInt(w, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  return [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
}

/** The IPv4 address in words `at` and `at + 1`. */
const ipv4At = (words: number[], at: number) =>
  [words[at]! >> 8, words[at]! & 255, words[at + 1]! >> 8, words[at + 1]! & 255].join('.');

/** Why an IPv6 address that carries an IPv4 address cannot be dialled: the IPv4 address's reason. */
function embeddedReason(parsed: net.SocketAddress, allowed: net.BlockList): string | undefined {
  if (parsed.family !== 'ipv6') return undefined;
  const words = wordsOf(parsed.address);
  const e = EMBEDDING.find((e) => e.prefix.every((w, i) => words[i] === w));
  const reason = e && impossibleReason(ipv4At(words, e.at), allowed);
  return reason && `${reason} through ${e.through}`;
}

/**
 * "1.2.3.4:443", "[2001:db8::1]:443": an IPv6 address needs brackets before a port. Only an IPv6
 * literal has a colon; asking net.isIPv6 (a long regular expression) cost microseconds a call, and
 * this runs several times per target.
 */
export function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

export interface DnsServer {
  /** An IP literal, v4 or v6. */
  address: string;
  port: number;
}

export function formatServer(s: DnsServer): string {
  return hostPort(s.address, s.port);
}

/** "1.2.3.4", "1.2.3.4:5353", "::1", "[::1]:5353". A bare IPv6 address never carries a port. */
export function parseServer(text: string, defaultPort = 53): DnsServer | undefined {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  const v4WithPort = /^([\d.]+):(\d+)$/.exec(text);
  const [address = '', portText] = bracketed?.slice(1) ?? v4WithPort?.slice(1) ?? [text];
  const port = portText === undefined ? defaultPort : Number(portText);
  const addressOk = bracketed ? net.isIPv6(address) : net.isIP(address) !== 0;
  if (!addressOk || !Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  return { address: canonicalAddress(address), port };
}

/** The eight 16-bit words of an IPv6 literal (an IPv4 tail counts for two); undefined if it is none. */
function ipv6Words(address: string): number[] | undefined {
  if (!net.isIPv6(address)) return undefined;
  let text = address.toLowerCase();
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const part = (s: string) => (s === '' ? [] : s.split(':').map((w) => parseInt(w, 16)));
  const left = part(head);
  const right = tail === undefined ? [] : part(tail);
  return [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
}

/** The longest run of two or more zero words (the first of equals), as [start, length]; length 0 if none. */
function longestZeros(words: number[]): [number, number] {
  let best: [number, number] = [0, 0];
  for (let i = 0; i < words.length;) {
    let j = i;
    while (j < words.length && words[j] === 0) j++;
    if (j - i > best[1] && j - i >= 2) best = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  return best;
}

/**
 * An address as RFC 5952 writes it: lower case, no leading zeros, the longest run of zero words
 * (two or more, the first of equals) as "::", and an IPv4-mapped address with its IPv4 tail. One
 * spelling per address, so that answers, dials and the helper's list compare as text (dns-packet
 * writes fd77:0:0:2::48 as fd77::2:0:0:0:48). Anything else (IPv4, a name, a zone ID) is returned as is.
 */
export function canonicalAddress(address: string): string {
  if (!address.includes(':') || address.includes('%')) return address;
  const words = ipv6Words(address);
  if (!words) return address;
  if (words.slice(0, 5).every((w) => w === 0) && words[5] === 0xffff) {
    const [c = 0, d = 0] = words.slice(6);
    return `::ffff:${c >> 8}.${c & 255}.${d >> 8}.${d & 255}`;
  }
  const hex = words.map((w) => w.toString(16));
  const [start, length] = longestZeros(words);
  if (length === 0) return hex.join(':');
  return `${hex.slice(0, start).join(':')}::${hex.slice(start + length).join(':')}`;
}
