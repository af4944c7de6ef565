// The client side of a QUIC v1 handshake as a pure state machine (RFC 9000, RFC 9001): datagrams in,
// datagrams to send out. It sends the ClientHello in a padded Initial, follows a Retry, reads the
// server's coalesced Initial and Handshake packets, acknowledges them (which also lifts the server's
// anti-amplification limit, §8.1), and ends when the server's Finished is verified. Every packet it
// cannot use is ignored with a reason; nothing a peer sends makes it throw or grow without bound.
import { randomBytes } from 'node:crypto';
import { CryptoStream } from './crypto-stream.js';
import {
  ackEliciting,
  allowedInHandshakeSpaces,
  connectionCloseFrame,
  cryptoFrame,
  parseFrames,
  pingFrame,
  type Frame,
} from './frames.js';
import { IgnoredLog } from './ignored.js';
import { initialKeys, QUIC_V1 } from './initial.js';
import {
  longOverhead,
  packetBytes,
  parseHeader,
  sealLong,
  type Header,
  type LongPacketFields,
} from './packet.js';
import { packetKeys, unprotect } from './protection.js';
import { retryIsAuthentic } from './retry.js';
import { PacketSpace } from './space.js';
import { clientTransportParameters, connectionIdProblem, MAX_UDP_PAYLOAD } from './transport-params.js';
import {
  HandshakeFailure,
  TlsClient,
  type TlsClientOptions,
  type TlsOutcome,
  type TlsStep,
} from './tls/client.js';

export type ConnectionOptions = Omit<TlsClientOptions, 'transportParameters'> & { idleTimeoutMs: number };

export type Phase = 'initial' | 'handshake' | 'complete' | 'failed';

/** A client datagram carrying an Initial is at least this long (RFC 9000 §14.1). */
export const MIN_INITIAL_DATAGRAM = 1200;
/** Datagrams read per handshake; beyond it the peer is flooding, and the rest are dropped unread. */
const MAX_DATAGRAMS = 256;
/** Datagrams sent in answer (ACKs) and probes per handshake: an endless peer gets no endless replies. */
const MAX_REPLIES = 32;
/** Handshake packets held until the ServerHello gives their keys (they may come first). */
const MAX_EARLY_HANDSHAKE = 4;
/** Bytes of CRYPTO data buffered per level: a ServerHello is small, a certificate chain is not. */
const CRYPTO_CAP = { initial: 4 * 1024, handshake: 64 * 1024 };

const TRANSPORT_ERRORS = [
  'NO_ERROR',
  'INTERNAL_ERROR',
  'CONNECTION_REFUSED',
  'FLOW_CONTROL_ERROR',
  'STREAM_LIMIT_ERROR',
  'STREAM_STATE_ERROR',
  'FINAL_SIZE_ERROR',
  'FRAME_ENCODING_ERROR',
  'TRANSPORT_PARAMETER_ERROR',
  'CONNECTION_ID_LIMIT_ERROR',
  'PROTOCOL_VIOLATION',
  'INVALID_TOKEN',
  'APPLICATION_ERROR',
  'CRYPTO_BUFFER_EXCEEDED',
  'KEY_UPDATE_ERROR',
  'AEAD_LIMIT_REACHED',
  'NO_VIABLE_PATH',
];

export class QuicClientConnection {
  phase: Phase = 'initial';
  failure?: HandshakeFailure;
  outcome?: TlsOutcome;
  /** Whether a Retry was followed, and the versions of a Version Negotiation that ended the handshake. */
  retried = false;
  offeredVersions?: number[];
  readonly ignored = new IgnoredLog();
  /** Initials carrying the ClientHello sent: the first, resends, the one after a Retry. */
  initialsSent = 0;
  datagramsReceived = 0;
  /** Datagrams beyond the cap, dropped unread (a flood). */
  datagramsUnread = 0;
  bytesReceived = 0;
  /** Whether any packet of this connection came from the server (it then holds state to close). */
  heard = false;

  private readonly scid: Buffer = randomBytes(8);
  private readonly originalDcid: Buffer = randomBytes(8);
  private dcid: Buffer = this.originalDcid;
  private token: Buffer = Buffer.alloc(0);
  private serverScid?: Buffer;
  private retryScid?: Buffer;
  private readonly tls: TlsClient;
  private initial?: PacketSpace; // undefined once discarded (RFC 9001 §4.9.1)
  private handshake?: PacketSpace;
  private readonly streams = {
    initial: new CryptoStream(CRYPTO_CAP.initial),
    handshake: new CryptoStream(CRYPTO_CAP.handshake),
  };
  private earlyHandshake: Array<{ scid: Buffer; bytes: Buffer; pnOffset: number }> = [];
  private replies = 0;

  constructor(opts: ConnectionOptions) {
    this.tls = new TlsClient({
      ...opts,
      transportParameters: clientTransportParameters(this.scid, opts.idleTimeoutMs),
    });
    const keys = initialKeys(this.originalDcid);
    this.initial = new PacketSpace(keys.client, keys.server);
  }

  get done(): boolean {
    return this.phase === 'complete' || this.phase === 'failed';
  }

  /** The ClientHello in an Initial, padded: the first datagram, and each resend of it. */
  initialDatagram(): Buffer {
    this.initialsSent++;
    return this.datagram(cryptoFrame(0, this.tls.clientHello), undefined);
  }

  /**
   * What to send when nothing came for a while: the ClientHello again before the server answered,
   * after that a PING with our ACKs, so the server resends what we lack (RFC 9002 §6.2.4).
   */
  probeDatagram(): Buffer | undefined {
    if (this.done) return undefined;
    if (this.phase === 'initial') return this.initialDatagram();
    return this.ackDatagram(true);
  }

  /** A CONNECTION_CLOSE (NO_ERROR) in every space we still have keys for, so the server drops its state. */
  closeDatagram(): Buffer | undefined {
    if (!this.heard || this.offeredVersions) return undefined;
    const close = connectionCloseFrame(0, 'measurement done');
    return this.datagram(this.initial ? close : undefined, this.handshake ? close : undefined);
  }

  /** Reads one datagram; returns the datagrams to send in answer. */
  receive(datagram: Buffer): Buffer[] {
    if (this.done) return [];
    if (++this.datagramsReceived > MAX_DATAGRAMS) {
      this.datagramsUnread++;
      return [];
    }
    this.bytesReceived += datagram.length;
    if (datagram.length > MAX_UDP_PAYLOAD) {
      this.ignored.add(
        `datagram of ${datagram.length} bytes, larger than the ${MAX_UDP_PAYLOAD} we announced`,
      );
      return [];
    }
    const resend = this.readPackets(datagram);
    if (this.done) return [];
    if (resend) return [this.initialDatagram()];
    const ack = this.initial?.ackPending || this.handshake?.ackPending ? this.ackDatagram(false) : undefined;
    return ack ? [ack] : [];
  }

  /** Reads the coalesced packets of a datagram; true when a Retry asks for the Initial again. */
  private readPackets(datagram: Buffer): boolean {
    for (let offset = 0; offset < datagram.length && !this.done;) {
      const parsed = parseHeader(datagram, offset, this.scid.length);
      if (!parsed.ok) {
        // Zeros after the last packet are padding some stacks add, not an unreadable packet.
        if (offset === 0 || datagram.subarray(offset).some((b) => b !== 0)) this.ignored.add(parsed.reason);
        return false;
      }
      offset = parsed.value.end;
      if (this.packet(datagram, parsed.value)) return true;
    }
    return false;
  }

  private packet(datagram: Buffer, h: Header): boolean {
    switch (h.form) {
      case 'version-negotiation':
        this.versionNegotiation(h.dcid, h.scid, h.versions);
        return false;
      case 'retry':
        return this.retry(datagram, h);
      case 'short':
        this.ignored.add(
          h.dcid.equals(this.scid)
            ? '1-RTT packet (not read: the check ends with the handshake)'
            : 'packet for another connection ID',
        );
        return false;
      default:
        if (!h.dcid.equals(this.scid)) this.ignored.add('packet for another connection ID');
        else if (h.type === '0rtt') this.ignored.add('0-RTT packet from the server');
        else this.protectedPacket(h.type, h.scid, packetBytes(datagram, h), h.pnOffset - h.start);
        return false;
    }
  }

  private versionNegotiation(dcid: Buffer, scid: Buffer, versions: number[]): void {
    if (!dcid.equals(this.scid) || !scid.equals(this.originalDcid))
      return this.ignored.add('Version Negotiation for another connection');
    if (this.heard) return this.ignored.add('Version Negotiation after the server answered');
    // One that lists the version we sent is forged or stale (RFC 9000 §6.2).
    if (versions.includes(QUIC_V1))
      return this.ignored.add('Version Negotiation listing QUIC v1, the version we sent');
    this.offeredVersions = versions;
    const list = versions.map((v) => `0x${v.toString(16).padStart(8, '0')}`).join(', ');
    this.fail(
      new HandshakeFailure('ERR_QUIC_VERSION_NEGOTIATION', `the server does not speak QUIC v1, only ${list}`),
    );
  }

  private retry(datagram: Buffer, h: Extract<Header, { form: 'retry' }>): boolean {
    const problem = !h.dcid.equals(this.scid)
      ? 'Retry for another connection ID'
      : this.retried || this.heard
        ? 'Retry after the server answered or retried'
        : h.token.length === 0
          ? 'Retry without a token'
          : !retryIsAuthentic(this.originalDcid, packetBytes(datagram, h))
            ? 'Retry with a wrong integrity tag'
            : undefined;
    if (problem) {
      this.ignored.add(problem);
      return false;
    }
    // The Initial goes again to the connection ID the Retry chose, with its token (RFC 9000 §17.2.5.2).
    this.retried = true;
    this.retryScid = h.scid;
    this.dcid = h.scid;
    this.token = Buffer.from(h.token);
    const keys = initialKeys(h.scid);
    this.initial!.send = keys.client;
    this.initial!.receive = keys.server;
    return true;
  }

  /** One Initial or Handshake packet: `bytes` spans exactly it, `pnOffset` is relative to its start. */
  private protectedPacket(
    type: 'initial' | 'handshake',
    scid: Buffer,
    bytes: Buffer,
    pnOffset: number,
  ): void {
    const space = type === 'initial' ? this.initial : this.handshake;
    if (!space) {
      if (type === 'handshake' && this.earlyHandshake.length < MAX_EARLY_HANDSHAKE)
        this.earlyHandshake.push({ scid: Buffer.from(scid), bytes: Buffer.from(bytes), pnOffset });
      else
        this.ignored.add(
          type === 'initial'
            ? 'Initial after its keys were discarded'
            : 'Handshake packet before the ServerHello, beyond those held',
        );
      return;
    }
    if (this.serverScid && !scid.equals(this.serverScid))
      return this.ignored.add('packet from another source connection ID');
    const opened = unprotect(space.receive, bytes, pnOffset, space.largest);
    if ('reason' in opened) return this.ignored.add(`${type} packet: ${opened.reason}`);
    const frames = parseFrames(opened.payload);
    if (!frames.ok) return this.ignored.add(`${type} packet: ${frames.reason}`);
    const forbidden = frames.value.find((f) => !allowedInHandshakeSpaces(f));
    if (forbidden)
      return this.ignored.add(`${type} packet with a frame not allowed there (${forbidden.type})`);
    if (space.seen(opened.pn))
      return this.ignored.add(`${type} packet: duplicate packet number ${opened.pn}`);
    space.record(opened.pn, ackEliciting(frames.value));
    if (!this.serverScid) {
      // The server's first packet chooses the connection ID we send to from now on (RFC 9000 §7.2).
      this.serverScid = Buffer.from(scid);
      this.dcid = this.serverScid;
    }
    this.heard = true;
    if (this.phase === 'initial') this.phase = 'handshake';
    this.frames(type, frames.value);
  }

  private frames(level: 'initial' | 'handshake', frames: Frame[]): void {
    for (const frame of frames) {
      if (this.done) return;
      if (frame.type === 'connection_close') return this.fail(closeFailure(frame.errorCode, frame.reason));
      if (frame.type !== 'crypto') continue;
      const pushed = this.streams[level].push(frame.offset, frame.data);
      if (!pushed.ok)
        return this.fail(new HandshakeFailure('ERR_QUIC_CRYPTO_BUFFER_EXCEEDED', pushed.reason));
      this.tlsData(level, pushed.data); // maybe no bytes (a repeat): TLS then reads nothing
    }
  }

  private tlsData(level: 'initial' | 'handshake', data: Buffer): void {
    let steps: TlsStep[];
    try {
      steps = this.tls.receive(level, data);
    } catch (err) {
      // Stryker disable next-line ConditionalExpression: TlsClient throws nothing else but a bug, none to provoke
      if (err instanceof HandshakeFailure) return this.fail(err);
      throw err;
    }
    for (const step of steps) {
      if (step.kind === 'handshake-keys') this.installHandshakeKeys(step);
      else this.complete(step.outcome);
    }
  }

  private installHandshakeKeys(step: Extract<TlsStep, { kind: 'handshake-keys' }>): void {
    this.handshake = new PacketSpace(
      packetKeys(step.suite, step.client),
      packetKeys(step.suite, step.server),
    );
    for (const held of this.earlyHandshake.splice(0))
      this.protectedPacket('handshake', held.scid, held.bytes, held.pnOffset);
  }

  private complete(outcome: TlsOutcome): void {
    const problem = connectionIdProblem(outcome.serverParameters, {
      original: this.originalDcid,
      serverInitial: this.serverScid!,
      retry: this.retryScid,
    });
    if (problem) return this.fail(new HandshakeFailure('ERR_QUIC_TRANSPORT_PARAMETER', problem));
    this.outcome = outcome;
    this.phase = 'complete';
  }

  private fail(failure: HandshakeFailure): void {
    this.failure = failure;
    this.phase = 'failed';
  }

  /** ACKs of both spaces (with a PING to elicit an answer when probing), coalesced in one datagram. */
  private ackDatagram(probe: boolean): Buffer | undefined {
    if (this.replies >= MAX_REPLIES) return undefined;
    this.replies++;
    const frames = (space: PacketSpace | undefined) => {
      if (!space) return undefined;
      const parts = [space.ack(), probe ? pingFrame() : undefined].filter(
        (b): b is Buffer => b !== undefined,
      );
      return parts.length > 0 ? Buffer.concat(parts) : undefined;
    };
    const handshake = frames(this.handshake);
    const datagram = this.datagram(handshake ? undefined : frames(this.initial), handshake);
    // Having sent a Handshake packet, the client drops its Initial keys (RFC 9001 §4.9.1).
    if (handshake) this.initial = undefined;
    return datagram;
  }

  /** An Initial and/or a Handshake packet in one datagram; one with an Initial is padded to 1200 bytes. */
  private datagram(initialFrames: Buffer | undefined, handshakeFrames: Buffer | undefined): Buffer {
    const handshake =
      handshakeFrames && this.handshake
        ? this.seal(this.handshake, 'handshake', handshakeFrames)
        : Buffer.alloc(0);
    if (!initialFrames || !this.initial) return handshake;
    const fields = this.fields('initial');
    const padding = Math.max(
      0,
      MIN_INITIAL_DATAGRAM - handshake.length - longOverhead(fields) - initialFrames.length,
    );
    const initial = this.seal(this.initial, 'initial', Buffer.concat([initialFrames, Buffer.alloc(padding)]));
    return Buffer.concat([initial, handshake]);
  }

  private fields(type: 'initial' | 'handshake'): LongPacketFields {
    return { type, dcid: this.dcid, scid: this.scid, token: this.token };
  }

  private seal(space: PacketSpace, type: 'initial' | 'handshake', frames: Buffer): Buffer {
    return sealLong(space.send, this.fields(type), space.takePn(), frames);
  }
}

/** A CONNECTION_CLOSE from the server: a TLS alert (0x100 + alert, RFC 9001 §4.8) or a transport error. */
function closeFailure(errorCode: number, reason: string): HandshakeFailure {
  const said = reason ? `: "${reason}"` : '';
  if (errorCode >= 0x100 && errorCode <= 0x1ff) {
    return new HandshakeFailure(
      `ERR_SSL_TLSV1_ALERT_${errorCode - 0x100}`,
      `the server ended the handshake with TLS alert ${errorCode - 0x100}${said}`,
    );
  }
  const name = TRANSPORT_ERRORS[errorCode] ?? `error 0x${errorCode.toString(16)}`;
  return new HandshakeFailure(
    'ERR_QUIC_CONNECTION_CLOSE',
    `the server closed the connection (${name})${said}`,
  );
}
