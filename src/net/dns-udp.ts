import { formatServer, type DnsServer } from '../model/addresses.js';
import { tenths, type Clock } from '../model/clock.js';
import type { Failure } from '../model/failure.js';
import { DeadlineError, dnsFailure, rcodeFailure } from './errors/classify.js';
import type { DnsReply } from '../model/observation.js';
import {
  bareName,
  contentOf,
  decodeMessage,
  encodeQuery,
  type DecodedMessage,
  type QueryType,
} from './dns-message.js';
import { openQuery, sameAddress, type OpenQuery } from './dns-sockets.js';

// A raw UDP query that stays open after the first reply. An on-path injector races the real
// resolver with a forged answer, and node:dns keeps only the first one, so it cannot see the race.

export interface DnsQuery {
  server: DnsServer;
  name: string;
  type: QueryType;
  /** How long to wait for the first reply. */
  timeoutMs: number;
  /** How long to keep listening after the first reply, for the one that lost the race. */
  windowMs: number;
  clock: Clock;
  /** How many times the query goes out while no reply has come, spread over the deadline (default 1). */
  sends?: number;
}

/**
 * How many times a query that expects an answer is sent while none has come: at the start, a third
 * and two thirds into its deadline, as stub resolvers send again (RFC 1536, c-ares, glibc). A datagram
 * lost on the way, or dropped by a busy resolver, is then not a lookup failure (with a helper that
 * resolved the name, it would read as DNS blocked here). A resolver that is blocked stays silent to
 * every send, and an injector answers the first.
 */
export const SENDS = 3;

export interface DnsQueryResult {
  /** clock.now() when the query was first sent. */
  sentAt: number;
  /** How many times it was sent: more than once only when no reply came to the first. */
  sent: number;
  /** Every reply to the query, in the order it arrived. */
  replies: DnsReply[];
  /** Why each other datagram that arrived was not taken as a reply. */
  ignored: string[];
  failure?: Failure;
}

/**
 * Sends a query (again while unanswered, `sends` times in all) and records every reply until
 * windowMs after the first; never rejects. `onFirst` hears the first reply (or that none came) at
 * once, while the window goes on. A reply to a later send says which (`send`).
 */
export function queryUdp(
  q: DnsQuery,
  onFirst?: (reply: DnsReply | undefined, failure?: Failure) => void,
): Promise<DnsQueryResult> {
  return new Promise((resolve) => {
    const result: DnsQueryResult = { sentAt: q.clock.now(), sent: 0, replies: [], ignored: [] };
    let finished = false;
    let resend: NodeJS.Timeout | undefined;
    const open: OpenQuery[] = [];
    const finish = (failure?: Failure) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      clearInterval(resend);
      if (failure) result.failure = failure;
      for (const query of open) query.close();
      if (result.replies.length === 0) onFirst?.(undefined, failure);
      resolve(result);
    };
    const fail = (err: unknown) => finish(dnsFailure(err));
    // Timers fire before the poll phase reads datagrams that are already waiting: after a stall of
    // the event loop, a reply that came in time would be dropped. So each timer ends the query one
    // turn later, after the waiting replies are read.
    const deadline = () => {
      if (result.replies.length === 0)
        fail(new DeadlineError(`DNS query to ${formatServer(q.server)}`, q.timeoutMs));
    };
    let timer = setTimeout(() => setImmediate(deadline), q.timeoutMs);

    // A datagram with no query's ID reaches every send's listener: it is judged once.
    const judged = new WeakSet<Buffer>();
    const hear = (msg: Buffer, peer: DnsServer, id: number, send: number) => {
      if (judged.has(msg)) return;
      judged.add(msg);
      const reply = judge(msg, peer, q, id);
      if (typeof reply === 'string') {
        result.ignored.push(reply);
        return;
      }
      reply.after_ms = tenths(q.clock.now() - result.sentAt);
      if (send > 1) reply.send = send;
      result.replies.push(reply);
      if (result.replies.length === 1) {
        clearInterval(resend);
        clearTimeout(timer);
        timer = setTimeout(() => setImmediate(finish), q.windowMs);
        onFirst?.(reply);
      }
    };
    // Each send has an ID of its own, so that a reply says which send it answers: a slow resolver
    // may answer two of them, each with another of a CDN's addresses, and that is not a race.
    const send = () => {
      const n = ++result.sent;
      const query: OpenQuery = openQuery({
        server: q.server,
        name: q.name,
        type: q.type,
        hear: (msg, peer) => hear(msg, peer, query.id, n),
        fail,
      });
      open.push(query);
      try {
        query.send(encodeQuery(q.name, q.type, query.id), (err) => {
          if (err) fail(err);
        });
      } catch (err) {
        fail(err); // a bad port or address throws instead of calling back
      }
    };
    // Only synchronous set-up, microseconds, separates sentAt from the send.
    send();
    const sends = q.sends ?? 1;
    if (sends > 1 && !finished) {
      resend = setInterval(() => {
        send();
        if (result.sent >= sends) clearInterval(resend);
      }, q.timeoutMs / sends);
    }
  });
}

/** The reply a datagram carries, or why it is not one. */
function judge(msg: Buffer, peer: DnsServer, q: DnsQuery, id: number): DnsReply | string {
  const from = formatServer(peer);
  if (!sameAddress(peer.address, q.server.address) || peer.port !== q.server.port) {
    return `reply from ${from}, not the server`;
  }
  let packet: DecodedMessage;
  try {
    packet = decodeMessage(msg);
  } catch (err) {
    return `malformed reply from ${from}: ${err instanceof Error ? err.message : String(err)}`;
  }
  if (!packet.flag_qr) return `query, not a reply, from ${from}`;
  if (packet.id !== id) return `reply from ${from} with ID ${packet.id}, not ${id}`;
  const question = packet.questions?.[0];
  if (!question || bareName(question.name) !== bareName(q.name) || question.type !== q.type) {
    const asked = question ? `${question.name} ${question.type}` : 'no question';
    return `reply from ${from} for ${asked}, not ${q.name} ${q.type}`;
  }
  return { from, after_ms: 0, ...contentOf(packet) };
}

/** The first reply to a query, or why none came. */
export interface FirstReply {
  reply?: DnsReply;
  failure?: Failure;
}

/** What an application asking this server gets from the first A and AAAA replies, as c-ares makes it. */
export function resolutionOf(a: FirstReply, aaaa: FirstReply): { addresses: string[]; failure?: Failure } {
  const of = (f: FirstReply, type: string) =>
    f.reply?.answers.filter((x) => x.type === type).map((x) => x.data) ?? [];
  const addresses = [...of(a, 'A'), ...of(aaaa, 'AAAA')];
  if (addresses.length > 0) return { addresses };
  const reply = a.reply ?? aaaa.reply;
  if (!reply)
    return {
      addresses: [],
      failure: a.failure ?? aaaa.failure ?? dnsFailure(new Error('no reply')),
    };
  return {
    addresses: [],
    failure: rcodeFailure(reply.rcode, `${reply.rcode} for ${a.reply ? 'A' : 'AAAA'}`),
  };
}

/** Resolves a name by an A and an AAAA query to one server, without a listen window. */
export async function lookupUdp(
  server: DnsServer,
  name: string,
  timeoutMs: number,
  clock: Clock,
): Promise<{ addresses: string[]; failure?: Failure }> {
  const first = (type: QueryType) =>
    new Promise<FirstReply>((resolve) => {
      void queryUdp({ server, name, type, timeoutMs, windowMs: 0, clock, sends: SENDS }, (reply, failure) =>
        resolve({ ...(reply ? { reply } : {}), ...(failure ? { failure } : {}) }),
      );
    });
  const [a, aaaa] = await Promise.all([first('A'), first('AAAA')]);
  return resolutionOf(a, aaaa);
}
