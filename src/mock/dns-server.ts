import dgram from 'node:dgram';
import { isIPv4 } from 'node:net';
import { bareName } from '../net/dns-message.js';
import dnsPacket, { type DecodedPacket, type Packet, type Question } from 'dns-packet';

// A loopback DNS server that answers as a script says, including the ways an on-path injector
// or a broken resolver answers: several replies to one query, wrong IDs, wrong types, garbage.

export type DnsBehaviour =
  /** A/AAAA records (each entry by its family, only the asked type unless anyType), NOERROR. */
  | {
      answer: string[];
      delayMs?: number;
      ttl?: number;
      wrongId?: boolean;
      anyType?: boolean;
      fromOtherPort?: boolean;
      /** The first so many queries of each type for the name get no reply: a lossy path. */
      lose?: number;
    }
  | { rcode: 'NXDOMAIN' | 'SERVFAIL' | 'REFUSED'; delayMs?: number }
  | { silent: true }
  /** Arbitrary bytes, built from the query's bytes. */
  | { raw: (query: Buffer) => Buffer; delayMs?: number };

/** By name (any case); an array sends each behaviour as a separate reply to the same query. */
export interface DnsServerScript {
  [name: string]: DnsBehaviour | DnsBehaviour[];
}

export interface MockDnsServer {
  address: string;
  port: number;
  /** Every query received, in order. */
  queries: Array<{ name: string; type: string }>;
  close(): Promise<void>;
}

const RCODES = { SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 } as const;

export async function startDnsServer(
  script: DnsServerScript,
  fallback: DnsBehaviour = { rcode: 'NXDOMAIN' },
): Promise<MockDnsServer> {
  const behavioursFor = scriptReader(script, fallback);
  const socket = dgram.createSocket('udp4');
  const stray = dgram.createSocket('udp4');
  const timers = new Set<NodeJS.Timeout>();
  const queries: MockDnsServer['queries'] = [];
  /** Queries received per name and type, for the behaviours that lose the first ones. */
  const asked = new Map<string, number>();
  const countQuery = (question: Question) => {
    const key = `${bareName(question.name)} ${question.type}`;
    const nth = (asked.get(key) ?? 0) + 1;
    asked.set(key, nth);
    return nth;
  };

  socket.on('message', (msg, rinfo) => {
    const query = decodeQuery(msg);
    const question = query?.questions?.[0];
    if (!query || !question) return; // the probe never sends these; nothing to answer
    queries.push({ name: question.name, type: question.type });
    const behaviours = behavioursFor(question.name);
    // Counted only for the names that need it: the bench's resolver answers hundreds of thousands.
    const nth = behaviours.some((b) => 'lose' in b) ? countQuery(question) : 0;
    const received = performance.now();
    // In the order of their delays, each timer set once the one before has sent: timers of different
    // delays set apart all run at once after a stalled turn, and Node may then run a later one first
    // (a forged answer meant to win a race by 20 ms lost it under load).
    const replies = behaviours
      .filter((b): b is Exclude<DnsBehaviour, { silent: true }> => !('silent' in b))
      .filter((b) => !('lose' in b) || nth > (b.lose ?? 0))
      .sort((a, b) => (a.delayMs ?? 0) - (b.delayMs ?? 0));
    const next = () => {
      const behaviour = replies.shift();
      if (!behaviour) return;
      const timer = setTimeout(
        () => {
          timers.delete(timer);
          // fromOtherPort: a proper reply from another port than the server's, as a careless spoofer sends.
          const from = 'answer' in behaviour && behaviour.fromOtherPort ? stray : socket;
          from.send(replyFor(behaviour, msg, query, question), rinfo.port, rinfo.address);
          next();
        },
        Math.max(0, (behaviour.delayMs ?? 0) - (performance.now() - received)),
      );
      timers.add(timer);
    };
    next();
  });

  stray.bind(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      socket.off('error', reject);
      resolve();
    });
  });

  return {
    address: '127.0.0.1',
    port: socket.address().port,
    queries,
    close: () => {
      for (const timer of timers) clearTimeout(timer);
      stray.close();
      return new Promise((resolve) => socket.close(() => resolve()));
    },
  };
}

/** The behaviours the script gives a name (any case), or the fallback. */
export function scriptReader(
  script: DnsServerScript,
  fallback: DnsBehaviour,
): (name: string) => DnsBehaviour[] {
  const byName = new Map(Object.entries(script).map(([name, b]) => [bareName(name), [b].flat()]));
  return (name) => byName.get(bareName(name)) ?? [fallback];
}

export function decodeQuery(msg: Buffer): DecodedPacket | undefined {
  try {
    return dnsPacket.decode(msg);
  } catch {
    return undefined;
  }
}

export type Answering = Exclude<DnsBehaviour, { silent: true }>;

export function replyFor(
  behaviour: Answering,
  msg: Buffer,
  query: DecodedPacket,
  question: Question,
): Buffer {
  if ('raw' in behaviour) return behaviour.raw(msg);
  // The rcode lives in the low four bits of the flags.
  const rcode = 'rcode' in behaviour ? RCODES[behaviour.rcode] : 0;
  const reply: Packet = {
    type: 'response',
    id: query.id,
    flags: ((query.flags ?? 0) & dnsPacket.RECURSION_DESIRED) | dnsPacket.RECURSION_AVAILABLE | rcode,
    questions: [question],
  };
  if ('rcode' in behaviour) return dnsPacket.encode(reply);
  const records = behaviour.answer
    .map((address) => ({ address, type: isIPv4(address) ? ('A' as const) : ('AAAA' as const) }))
    .filter((r) => behaviour.anyType || r.type === question.type);
  const ttl = behaviour.ttl ?? 60;
  return dnsPacket.encode({
    ...reply,
    id: behaviour.wrongId ? ((query.id ?? 0) + 1) & 0xffff : query.id,
    answers: records.map((r) => ({ type: r.type, name: question.name, data: r.address, ttl })),
  });
}
