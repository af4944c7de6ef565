import { randomInt } from 'node:crypto';
import dgram from 'node:dgram';
import { canonicalAddress, type DnsServer } from '../model/addresses.js';
import { bareName, decodeMessage, type QueryType } from './dns-message.js';

// Raw DNS queries share UDP sockets: one socket per query cost a socket, a bind and a close three
// times per name. A datagram finds its query by the ID in its first two bytes; one whose ID is no
// query's is heard by the queries it may concern, as a socket of their own would have heard it.

/** A query waiting on a shared socket. */
export interface QueryListener {
  server: DnsServer;
  name: string;
  type: QueryType;
  /** A datagram with this query's ID, or with no query's ID that may be a reply to this one. */
  hear(msg: Buffer, peer: DnsServer): void;
  /** The socket failed: no reply can come any more. */
  fail(err: Error): void;
}

export interface OpenQuery {
  /** Unique among the queries the socket has ever carried. */
  id: number;
  /** Throws on a bad port or address, as dgram's send does. */
  send(bytes: Buffer, callback: (err: Error | null) => void): void;
  /** Stops listening; datagrams for this ID are dropped from now on. */
  close(): void;
}

/**
 * How many queries one socket carries in its life. An ID is never reused on a socket, so a late reply
 * to a finished query cannot pass for another's. And all the replies its queries may get stay far
 * within its receive buffer, even when the event loop stalls: Linux's default (rmem_default, 208 KB)
 * holds about 160 small datagrams, and 16 queries get some 50 replies when an injector races.
 */
const QUERIES_PER_SOCKET = 16;

type Family = 'udp4' | 'udp6';

/** The socket new queries of each family go to, until it has carried its share. */
const current = new Map<Family, SharedSocket>();

/** Opens a query on a shared socket (created when needed; closed when its last query closes). */
export function openQuery(listener: QueryListener): OpenQuery {
  // The server is an IP literal: only IPv6 ones have a colon (cheaper than net.isIPv6's regular expression).
  const family: Family = listener.server.address.includes(':') ? 'udp6' : 'udp4';
  let socket = current.get(family);
  if (!socket || socket.full) {
    socket = new SharedSocket(family);
    current.set(family, socket);
  }
  return socket.open(listener);
}

class SharedSocket {
  private readonly socket: dgram.Socket;
  private readonly listening = new Map<number, QueryListener>();
  private readonly used = new Set<number>();

  constructor(private readonly family: Family) {
    this.socket = dgram.createSocket(family);
    this.socket.on('message', (msg, rinfo) =>
      this.dispatch(msg, { address: rinfo.address, port: rinfo.port }),
    );
    this.socket.on('error', (err) => {
      this.retire();
      for (const listener of [...this.listening.values()]) listener.fail(err);
    });
  }

  get full(): boolean {
    return this.used.size >= QUERIES_PER_SOCKET;
  }

  open(listener: QueryListener): OpenQuery {
    let id: number;
    do id = randomInt(0x10000);
    while (this.used.has(id));
    this.used.add(id);
    this.listening.set(id, listener);
    return {
      id,
      send: (bytes, callback) =>
        this.socket.send(bytes, listener.server.port, listener.server.address, callback),
      close: () => {
        this.listening.delete(id);
        if (this.listening.size === 0) {
          this.retire();
          this.socket.close();
        }
      },
    };
  }

  /** No new query comes here. */
  private retire() {
    if (current.get(this.family) === this) current.delete(this.family);
  }

  private dispatch(msg: Buffer, peer: DnsServer) {
    const id = msg.length >= 2 ? msg.readUInt16BE(0) : undefined;
    const owner = id === undefined ? undefined : this.listening.get(id);
    if (owner) return owner.hear(msg, peer);
    // A late reply to a query already closed: its own socket, closed, would not have heard it either.
    if (id !== undefined && this.used.has(id)) return;
    for (const listener of this.concerned(msg, peer)) listener.hear(msg, peer);
  }

  /** The queries a datagram with no query's ID may answer: those with its question, else those to its sender. */
  private concerned(msg: Buffer, peer: DnsServer): QueryListener[] {
    const all = [...this.listening.values()];
    let question: { name: string; type: string } | undefined;
    try {
      question = decodeMessage(msg).questions?.[0];
    } catch {
      // malformed: only its sender can tell whose it is
    }
    const asked =
      question && all.filter((l) => l.type === question.type && bareName(l.name) === bareName(question.name));
    if (asked && asked.length > 0) return asked;
    return all.filter((l) => sameAddress(l.server.address, peer.address) && l.server.port === peer.port);
  }
}

/** Node reports a peer's IPv6 address compressed and in lower case; the user may not have. Both are IP literals. */
export function sameAddress(a: string, b: string): boolean {
  if (a === b) return true;
  return canonicalAddress(a) === canonicalAddress(b);
}
