// The client side of the TLS 1.3 handshake QUIC carries (RFC 9001 §4), as a pure state machine: it
// takes each level's CRYPTO bytes and yields the handshake keys, then the outcome once the server's
// Finished is verified. It stops there: a measurement needs the server proven, not a session.
import type { X509Certificate } from 'node:crypto';
import { Malformed } from '../bytes.js';
import type { CipherSuite } from '../suites.js';
import { parseTransportParameters } from '../transport-params.js';
import { chainProblem, type ChainProblem } from './chain.js';
import { clientHello } from './client-hello.js';
import { finishedVerifyData, handshakeSecret, trafficSecrets, Transcript } from './key-schedule.js';
import { HANDSHAKE, HandshakeReader, type HandshakeMessage } from './messages.js';
import { parseServerHello } from './server-hello.js';
import { parseCertificate, parseCertificateVerify, parseEncryptedExtensions } from './server-messages.js';
import { certificateVerifyProblem, schemeName } from './signature.js';
import { certificateOf } from './x509.js';
import { generateKeyShare, sharedSecret, type KeyShare } from './x25519.js';

/** A handshake that cannot go on; `code` is what quicFailure (net/errors) reads (ERR_SSL_*, certificate codes). */
export class HandshakeFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'HandshakeFailure';
  }
}

export interface TlsClientOptions {
  /** The name the certificate must be valid for. */
  host: string;
  /** The SNI sent; undefined sends none (an IP literal, RFC 6066). */
  serverName?: string;
  alpn: string[];
  transportParameters: Buffer;
  /** False for a decoy handshake: the chain and name are not checked (the signatures still are). */
  verify: boolean;
  ca?: string[];
  now: () => Date;
  keyShare?: KeyShare;
}

export interface TlsOutcome {
  suite: CipherSuite;
  alpn?: string;
  signatureScheme: string;
  serverParameters: Map<number, Buffer>;
  leaf: X509Certificate;
  /** Why the certificate is not trusted for the host, when it is not (and was checked). */
  certificateProblem?: ChainProblem;
}

export type TlsStep =
  | { kind: 'handshake-keys'; suite: CipherSuite; client: Buffer; server: Buffer }
  | { kind: 'complete'; outcome: TlsOutcome };

type Level = 'initial' | 'handshake';

/** The longest handshake message read: a certificate chain of several kilobytes, with room. */
const MAX_MESSAGE = 48 * 1024;

export class TlsClient {
  readonly clientHello: Buffer;
  private readonly keyShare: KeyShare;
  private readonly transcript = new Transcript();
  private readonly readers = {
    initial: new HandshakeReader(MAX_MESSAGE),
    handshake: new HandshakeReader(MAX_MESSAGE),
  };
  private expected: number = HANDSHAKE.serverHello;
  private suite?: CipherSuite;
  private serverSecret?: Buffer;
  private alpn?: string;
  private serverParameters?: Map<number, Buffer>;
  private leaf?: X509Certificate;
  private certificateProblem?: ChainProblem;
  private signatureScheme?: string;

  constructor(private readonly opts: TlsClientOptions) {
    this.keyShare = opts.keyShare ?? generateKeyShare();
    this.clientHello = clientHello({
      serverName: opts.serverName,
      alpn: opts.alpn,
      keyShare: this.keyShare.publicKey,
      transportParameters: opts.transportParameters,
    });
    this.transcript.add(this.clientHello);
  }

  /** Takes the next CRYPTO bytes of a level; throws HandshakeFailure when the handshake cannot go on. */
  receive(level: Level, data: Buffer): TlsStep[] {
    let messages: HandshakeMessage[];
    try {
      messages = this.readers[level].push(data);
    } catch (err) {
      throw err instanceof Malformed ? new HandshakeFailure('ERR_SSL_DECODE_ERROR', err.reason) : err;
    }
    const steps: TlsStep[] = [];
    for (const message of messages) {
      const step = this.handle(level, message);
      if (step) steps.push(step);
    }
    return steps;
  }

  private handle(level: Level, message: HandshakeMessage): TlsStep | undefined {
    const wantedLevel: Level = this.expected === HANDSHAKE.serverHello ? 'initial' : 'handshake';
    const optionalRequest =
      message.type === HANDSHAKE.certificateRequest && this.expected === HANDSHAKE.certificate;
    if (level !== wantedLevel || (message.type !== this.expected && !optionalRequest)) {
      throw new HandshakeFailure(
        'ERR_SSL_UNEXPECTED_MESSAGE',
        `handshake message ${message.type} in the ${level} packets, expected ${this.expected}`,
      );
    }
    try {
      return this.read(message);
    } catch (err) {
      throw err instanceof Malformed ? new HandshakeFailure('ERR_SSL_DECODE_ERROR', err.reason) : err;
    }
  }

  private read(message: HandshakeMessage): TlsStep | undefined {
    const hash = () => this.transcript.hash(this.suite!.hash);
    switch (message.type) {
      case HANDSHAKE.serverHello:
        return this.serverHello(message);
      case HANDSHAKE.encryptedExtensions: {
        const ee = parseEncryptedExtensions(message.body);
        this.alpn = ee.alpn;
        this.serverParameters = parseTransportParameters(ee.transportParameters);
        this.advance(message, HANDSHAKE.certificate);
        return undefined;
      }
      case HANDSHAKE.certificateRequest:
        // We send no certificate: the handshake ends before the client's turn.
        this.transcript.add(message.raw);
        return undefined;
      case HANDSHAKE.certificate:
        this.certificate(message.body);
        this.advance(message, HANDSHAKE.certificateVerify);
        return undefined;
      case HANDSHAKE.certificateVerify: {
        const { scheme, signature } = parseCertificateVerify(message.body);
        const problem = certificateVerifyProblem(this.leaf!, scheme, signature, hash());
        if (problem) throw new HandshakeFailure('ERR_SSL_BAD_SIGNATURE', problem);
        this.signatureScheme = schemeName(scheme);
        this.advance(message, HANDSHAKE.finished);
        return undefined;
      }
      default:
        return this.finished(message, hash());
    }
  }

  private advance(message: HandshakeMessage, next: number): void {
    this.transcript.add(message.raw);
    this.expected = next;
  }

  private serverHello(message: HandshakeMessage): TlsStep {
    const hello = parseServerHello(message.body);
    if (hello.retryRequest) {
      throw new HandshakeFailure(
        'ERR_SSL_HELLO_RETRY_REQUEST',
        `the server asks for another key share (group 0x${(hello.group ?? 0).toString(16)}); we offer only X25519`,
      );
    }
    let shared: Buffer;
    try {
      shared = sharedSecret(this.keyShare, hello.keyShare);
    } catch {
      throw new HandshakeFailure('ERR_SSL_BAD_KEY_SHARE', 'the server key share is not a usable X25519 key');
    }
    this.suite = hello.suite;
    this.advance(message, HANDSHAKE.encryptedExtensions);
    const secret = handshakeSecret(hello.suite.hash, shared);
    const traffic = trafficSecrets(hello.suite.hash, secret, 'hs', this.transcript.hash(hello.suite.hash));
    this.serverSecret = traffic.server;
    return { kind: 'handshake-keys', suite: hello.suite, client: traffic.client, server: traffic.server };
  }

  private certificate(body: Buffer): void {
    const chain = parseCertificate(body);
    try {
      this.leaf = certificateOf(chain[0]!);
    } catch {
      throw new HandshakeFailure('ERR_X509_BAD_CERTIFICATE', 'the server certificate does not parse');
    }
    if (this.opts.verify)
      // Stryker disable next-line ArrayDeclaration: any array without a PEM in it adds no authority
      this.certificateProblem = chainProblem(chain, this.opts.host, this.opts.ca ?? [], this.opts.now());
  }

  private finished(message: HandshakeMessage, transcriptHash: Buffer): TlsStep {
    const expected = finishedVerifyData(this.suite!.hash, this.serverSecret!, transcriptHash);
    if (!expected.equals(message.body))
      throw new HandshakeFailure(
        'ERR_SSL_DIGEST_CHECK_FAILED',
        'the server Finished does not match the handshake',
      );
    this.transcript.add(message.raw);
    this.expected = -1; // nothing more is read
    const outcome: TlsOutcome = {
      suite: this.suite!,
      signatureScheme: this.signatureScheme!,
      serverParameters: this.serverParameters!,
      leaf: this.leaf!,
    };
    if (this.alpn !== undefined) outcome.alpn = this.alpn;
    if (this.certificateProblem) outcome.certificateProblem = this.certificateProblem;
    return { kind: 'complete', outcome };
  }
}
