// The QUIC handshake check's one piece of I/O: a UDP socket connected to the server's address and
// port (so an ICMP port unreachable comes back as ECONNREFUSED), the Initial sent and resent with
// backoff until the deadline, each datagram handed to the connection's state machine, and a
// CONNECTION_CLOSE at the end. Every error becomes one Failure here.
import dgram from 'node:dgram';
import net from 'node:net';
import { systemClock, tenths, type Clock } from '../../model/clock.js';
import { DeadlineError, quicFailure } from '../errors/classify.js';
import type { CertificateSummary } from '../../model/observation.js';
import type { QuicFailure, QuicStage } from '../../model/quic.js';
import { certificateView, summarize } from '../tls.js';
import { QuicClientConnection } from './connection.js';
import type { IgnoredPackets } from './ignored.js';

export interface QuicDialOptions {
  address: string;
  port: number;
  /** The name the certificate must be valid for; the SNI too, unless `sni` says otherwise or it is an IP literal. */
  host: string;
  /** Another SNI to send (a decoy's name); null sends none. */
  sni?: string | null;
  alpn?: string[];
  /** Extra trusted CAs (PEM), added to the system ones. */
  ca?: string[];
  /** False for a decoy: the certificate is neither checked nor described. */
  verify: boolean;
  timeoutMs: number;
  /** The first resend of an unanswered Initial comes after this long, each next one after twice the last. */
  resendMs?: number;
  clock?: Clock;
  createSocket?: (type: 'udp4' | 'udp6') => dgram.Socket;
  /** Called at the first datagram from the server, whatever it holds: the address answers. */
  onAnswer?: () => void;
  /** Ends the handshake and closes its socket at once (a run given up). */
  cancel?: AbortSignal;
}

export interface QuicDialResult {
  failure?: QuicFailure;
  /** How far it got: nothing heard, the server answered, or its Finished verified. */
  stage: QuicStage;
  address: string;
  port: number;
  localAddress?: string;
  localPort?: number;
  /** The SNI sent, if any. */
  sni?: string;
  cipher?: string;
  alpn?: string;
  signatureScheme?: string;
  certificate?: CertificateSummary;
  retry: boolean;
  /** The versions a Version Negotiation offered instead of v1. */
  serverVersions?: number[];
  initialsSent: number;
  datagramsSent: number;
  datagramsReceived: number;
  /** Those beyond the 256 a handshake may take, dropped unread. */
  datagramsUnread: number;
  bytesReceived: number;
  ignored: IgnoredPackets;
  /** From the first Initial sent. */
  firstResponseMs?: number;
  handshakeMs?: number;
}

const DEFAULT_RESEND_MS = 500;

/** Runs one QUIC v1 handshake; never rejects. */
export function dialQuic(opts: QuicDialOptions): Promise<QuicDialResult> {
  return new Promise((resolve) => new Dial(opts, resolve).start());
}

class Dial {
  private readonly clock: Clock;
  private readonly connection: QuicClientConnection;
  private readonly socket: dgram.Socket;
  private started = 0;
  private connected = false;
  private finished = false;
  private datagramsSent = 0;
  private firstResponseMs?: number;
  private resendMs: number;
  private readonly sni?: string;
  private resendTimer?: NodeJS.Timeout;
  private deadline?: NodeJS.Timeout;

  constructor(
    private readonly opts: QuicDialOptions,
    private readonly resolve: (r: QuicDialResult) => void,
  ) {
    this.clock = opts.clock ?? systemClock;
    this.resendMs = opts.resendMs ?? DEFAULT_RESEND_MS;
    this.sni =
      opts.sni === undefined ? (net.isIP(opts.host) === 0 ? opts.host : undefined) : (opts.sni ?? undefined);
    this.connection = new QuicClientConnection({
      host: opts.host,
      serverName: this.sni,
      alpn: opts.alpn ?? ['h3'],
      verify: opts.verify,
      ca: opts.ca,
      now: () => this.clock.date(),
      idleTimeoutMs: opts.timeoutMs,
    });
    const type = net.isIPv6(opts.address) ? 'udp6' : 'udp4';
    this.socket = opts.createSocket ? opts.createSocket(type) : dgram.createSocket(type);
  }

  start(): void {
    this.started = this.clock.now();
    this.deadline = setTimeout(() => this.finish(this.timeout()), this.opts.timeoutMs);
    this.socket.on('error', (err) => this.finish(quicFailure(err)));
    this.socket.on('message', (datagram) => this.onDatagram(datagram));
    const cancel = this.opts.cancel;
    if (cancel?.aborted) return this.finish(quicFailure(new Error('cancelled')));
    const onCancel = () => this.finish(quicFailure(new Error('cancelled: the run was given up')));
    cancel?.addEventListener('abort', onCancel); // a signal aborts once; the socket's close removes it
    this.socket.once('close', () => cancel?.removeEventListener('abort', onCancel));
    // The addresses come resolved: a name here would be looked up by dgram, outside our resolvers.
    if (net.isIP(this.opts.address) === 0)
      return this.finish(quicFailure(new Error(`not an IP address: ${this.opts.address}`)));
    try {
      this.socket.connect(this.opts.port, this.opts.address, () => {
        if (this.finished) return;
        this.connected = true;
        this.sendInitial();
      });
    } catch (err) {
      this.finish(quicFailure(err));
    }
  }

  private elapsed(): number {
    return tenths(this.clock.now() - this.started);
  }

  private send(datagram: Buffer): void {
    if (this.finished) return;
    this.datagramsSent++;
    this.socket.send(datagram, (err) => {
      if (err) this.finish(quicFailure(err));
    });
  }

  private sendInitial(): void {
    this.send(this.connection.initialDatagram());
    this.scheduleProbe();
  }

  /** The next resend (or probe, once the server answered), backing off; the deadline ends it all. */
  private scheduleProbe(): void {
    if (this.finished) return;
    clearTimeout(this.resendTimer);
    this.resendTimer = setTimeout(() => {
      const probe = this.connection.probeDatagram();
      if (probe) this.send(probe);
      this.resendMs *= 2;
      this.scheduleProbe();
    }, this.resendMs);
  }

  private onDatagram(datagram: Buffer): void {
    if (this.finished) return;
    if (this.firstResponseMs === undefined) {
      this.firstResponseMs = this.elapsed();
      this.opts.onAnswer?.();
    }
    const replies = this.connection.receive(datagram);
    for (const reply of replies) this.send(reply);
    if (this.connection.done) this.finish(this.handshakeFailure());
  }

  private handshakeFailure(): QuicFailure | undefined {
    const c = this.connection;
    if (c.failure) return quicFailure(c.failure);
    const problem = c.outcome?.certificateProblem;
    return problem
      ? quicFailure(Object.assign(new Error(problem.message), { code: problem.code }))
      : undefined;
  }

  private timeout(): QuicFailure {
    const failure = quicFailure(new DeadlineError('QUIC handshake', this.opts.timeoutMs));
    const what = this.connection.heard
      ? 'the server answered, but the handshake did not complete'
      : `no answer to ${this.connection.initialsSent} Initial packet(s)`;
    return { ...failure, message: `${failure.message}: ${what}` };
  }

  private finish(failure: QuicFailure | undefined): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.deadline);
    clearTimeout(this.resendTimer);
    const local = this.connected ? this.localAddress() : undefined;
    const close = this.connected ? this.connection.closeDatagram() : undefined;
    this.socket.removeAllListeners('message');
    this.socket.on('error', () => {}); // a late ICMP error after the end is no news
    if (close) this.socket.send(close, () => this.closeSocket());
    else this.closeSocket();
    this.resolve(this.result(failure, local));
  }

  private localAddress(): { address: string; port: number } | undefined {
    try {
      return this.socket.address();
    } catch {
      return undefined; // the socket is not bound (the connect failed)
    }
  }

  private closeSocket(): void {
    try {
      this.socket.close();
    } catch {
      // already closed
    }
  }

  private result(
    failure: QuicFailure | undefined,
    local: { address: string; port: number } | undefined,
  ): QuicDialResult {
    const c = this.connection;
    const outcome = c.outcome;
    const result: QuicDialResult = {
      stage: outcome ? 'complete' : c.heard ? 'handshake' : 'initial',
      address: this.opts.address,
      port: this.opts.port,
      retry: c.retried,
      initialsSent: c.initialsSent,
      datagramsSent: this.datagramsSent,
      datagramsReceived: c.datagramsReceived,
      datagramsUnread: c.datagramsUnread,
      bytesReceived: c.bytesReceived,
      ignored: c.ignored.view(),
    };
    if (failure) result.failure = failure;
    if (this.sni !== undefined) result.sni = this.sni;
    if (local) Object.assign(result, { localAddress: local.address, localPort: local.port });
    if (c.offeredVersions) result.serverVersions = c.offeredVersions;
    if (this.firstResponseMs !== undefined) result.firstResponseMs = this.firstResponseMs;
    if (outcome) {
      result.handshakeMs = this.elapsed();
      result.cipher = outcome.suite.name;
      result.signatureScheme = outcome.signatureScheme;
      if (outcome.alpn !== undefined) result.alpn = outcome.alpn;
      if (this.opts.verify) result.certificate = summarize(certificateView(outcome.leaf));
    }
    return result;
  }
}
