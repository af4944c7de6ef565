import dnsPacket, { type Answer, type DecodedPacket } from 'dns-packet';
import { canonicalAddress } from '../model/addresses.js';
import type { DnsAnswer } from '../model/observation.js';

// DNS messages as both transports (UDP and DNS-over-HTTPS) send and read them.

export type QueryType = 'A' | 'AAAA' | 'TXT' | 'MX';

/** dns-packet decodes the RCODE but its types do not declare it. */
export type DecodedMessage = DecodedPacket & { rcode?: string };

export function encodeQuery(name: string, type: QueryType, id: number): Buffer {
  return dnsPacket.encode({
    type: 'query',
    id,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type, name, class: 'IN' }],
  });
}

/** Throws on bytes that are not a DNS message. */
export function decodeMessage(bytes: Buffer): DecodedMessage {
  return dnsPacket.decode(bytes) as DecodedMessage;
}

/** Names compare without case and without the root's trailing dot. */
export function bareName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/** The RCODE, the answers in text form, and the A/AAAA addresses among them. */
export function contentOf(packet: DecodedMessage): {
  rcode: string;
  answers: DnsAnswer[];
  addresses: string[];
  truncated?: boolean;
} {
  const answers = (packet.answers ?? []).map(toAnswer);
  const addresses = answers.filter((a) => a.type === 'A' || a.type === 'AAAA').map((a) => a.data);
  return {
    rcode: packet.rcode ?? 'UNKNOWN',
    answers,
    addresses,
    ...(packet.flag_tc ? { truncated: true } : {}),
  };
}

function toAnswer(a: Answer): DnsAnswer {
  return { type: a.type, data: answerData(a), ttl: 'ttl' in a ? (a.ttl ?? 0) : 0 };
}

function answerData(a: Answer): string {
  if (a.type === 'OPT') return JSON.stringify(a.options); // has no data; only a hostile server puts one here
  if (a.type === 'TXT') return (Array.isArray(a.data) ? a.data : [a.data]).map(String).join('');
  if (a.type === 'MX') return `${a.data.preference ?? 0} ${a.data.exchange}`;
  if (a.type === 'AAAA') return canonicalAddress(a.data); // dns-packet's spelling is not RFC 5952's
  return typeof a.data === 'string' ? a.data : JSON.stringify(a.data);
}
