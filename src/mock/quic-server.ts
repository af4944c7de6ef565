// A QUIC responder for the mock network: a UDP socket on loopback that completes the server side of
// the handshake (src/mock/quic-session.ts) with a mock certificate, behind optional filters that act
// as the censor's do: the GFW's QUIC filter (it decrypts the client's first Initial, reads the SNI,
// and for a blocked name drops that flow and blackholes the client address, client port and server
// port for minutes, whatever they carry next), or a plain blackhole of all UDP to the address.
import dgram from 'node:dgram';
import { CERTS } from './certs.js';
import {
  answerInitial,
  carriesClose,
  readClientInitial,
  type Answer,
  type ServerIdentity,
} from './quic-session.js';

export interface QuicResponderOptions {
  /** Default: the mock CA's leaf for *.reachprobe.test, localhost and the loopback addresses. */
  identity?: ServerIdentity;
  address?: string;
  /** Default: any free port. */
  port?: number;
  alpn?: string;
  /** Names whose Initial the filter drops: the name itself or any name under it. */
  blockedSni?: string[];
  /** How long a flow stays blackholed after a blocked Initial. Default 180 s (the GFW's lasts 2 to 3 minutes). */
  residualMs?: number;
  /**
   * As the GFW, inspect only flows whose source port is above the destination port. Off by default:
   * loopback servers listen on ephemeral ports, where the comparison would be a coin toss.
   */
  onlyHigherSourcePorts?: boolean;
  /** Drop every datagram: UDP to this address is blackholed. */
  blackhole?: boolean;
  /** A client from this address (the mock network's helper abroad) meets neither filter nor blackhole. */
  exempt?: string;
  now?: () => number;
}

export interface QuicResponderStats {
  /** Client Initials with a ClientHello read (resends included). */
  initials: number;
  /** Handshakes answered (once per connection). */
  handshakes: number;
  /** Datagrams dropped by a filter or the blackhole. */
  dropped: number;
  /** Client datagrams carrying a CONNECTION_CLOSE. */
  closes: number;
}

export interface QuicResponder {
  address: string;
  port: number;
  stats: QuicResponderStats;
  close(): Promise<void>;
}

/**
 * A long-header packet of a version other than 1 draws a Version Negotiation packet offering 1, as a
 * real server answers (RFC 9000 §6, §17.2.1): the doctor's UDP 443 probe asks exactly that.
 */
function versionNegotiation(datagram: Buffer): Buffer | undefined {
  if (datagram.length < 7 || (datagram[0]! & 0x80) === 0) return undefined;
  const version = datagram.readUInt32BE(1);
  if (version === 1 || version === 0) return undefined;
  const dcidEnd = 6 + datagram[5]!;
  if (datagram.length < dcidEnd + 1) return undefined;
  const scidEnd = dcidEnd + 1 + datagram[dcidEnd]!;
  if (datagram.length < scidEnd) return undefined;
  const dcid = datagram.subarray(6, dcidEnd);
  const scid = datagram.subarray(dcidEnd + 1, scidEnd);
  const head = Buffer.from([0xc0, 0, 0, 0, 0]);
  const supported = Buffer.from([0, 0, 0, 1]);
  // Their source ID becomes our destination ID, and theirs our source.
  return Buffer.concat([head, Buffer.from([scid.length]), scid, Buffer.from([dcid.length]), dcid, supported]);
}

/** Connections remembered (by client address and port): the mock serves tests, not crowds. */
const MAX_SESSIONS = 1024;

export async function startQuicResponder(opts: QuicResponderOptions = {}): Promise<QuicResponder> {
  const address = opts.address ?? '127.0.0.1';
  const socket = dgram.createSocket(address.includes(':') ? 'udp6' : 'udp4');
  const stats: QuicResponderStats = { initials: 0, handshakes: 0, dropped: 0, closes: 0 };
  const filter = new QuicFilter(opts);
  const sessions = new Map<string, { dcid: Buffer; answer: Answer }>();
  socket.on('message', (datagram, from) => {
    const flow = `${from.address}|${from.port}`;
    const censored = from.address !== opts.exempt;
    if (censored && (opts.blackhole || filter.drops(flow, from.port, socket.address().port, datagram))) {
      stats.dropped++;
      return;
    }
    const reply = (bytes: Buffer) => socket.send(bytes, from.port, from.address);
    const negotiation = versionNegotiation(datagram);
    if (negotiation) return reply(negotiation);
    const initial = readClientInitial(datagram);
    const session = sessions.get(flow);
    if (!initial) {
      if (session && carriesClose(datagram, session.answer.clientKeys)) stats.closes++;
      return;
    }
    stats.initials++;
    if (session?.dcid.equals(initial.dcid)) return session.answer.datagrams.forEach(reply);
    const answer = answerInitial(initial, opts.identity ?? CERTS.good, opts.alpn);
    if (!answer) return;
    stats.handshakes++;
    if (sessions.size >= MAX_SESSIONS) sessions.delete(sessions.keys().next().value!);
    sessions.set(flow, { dcid: initial.dcid, answer });
    answer.datagrams.forEach(reply);
  });
  await new Promise<void>((resolve) => socket.bind(opts.port ?? 0, address, resolve));
  return {
    address,
    port: socket.address().port,
    stats,
    close: () => new Promise((r) => socket.close(() => r())),
  };
}

/** The GFW's QUIC filter, as the primer and GFW Report (USENIX Security 2025) describe it. */
class QuicFilter {
  private readonly blackholed = new Map<string, number>();
  private readonly now: () => number;

  constructor(private readonly opts: QuicResponderOptions) {
    this.now = opts.now ?? (() => performance.now());
  }

  drops(flow: string, sourcePort: number, serverPort: number, datagram: Buffer): boolean {
    const until = this.blackholed.get(flow);
    if (until !== undefined && this.now() < until) return true;
    const blocked = this.opts.blockedSni ?? [];
    if (blocked.length === 0 || (this.opts.onlyHigherSourcePorts && sourcePort <= serverPort)) return false;
    const name = readClientInitial(datagram)?.hello.serverName?.toLowerCase();
    if (!name || !blocked.some((b) => name === b || name.endsWith(`.${b}`))) return false;
    this.blackholed.set(flow, this.now() + (this.opts.residualMs ?? 180_000));
    return true;
  }
}
