// The server side of a QUIC v1 handshake, for the mock network: it answers a client Initial with a
// ServerHello (Initial) and EncryptedExtensions, Certificate, CertificateVerify and Finished
// (Handshake), signed with a mock certificate. It is the counterpart of src/net/quic's client and is
// built from the same modules; it proves what a real server proves, and no more (no 1-RTT data).
import { createPrivateKey, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { tryParse, u16, vector } from '../net/quic/bytes.js';
import { CryptoStream } from '../net/quic/crypto-stream.js';
import { ackFrame, cryptoFrame, parseFrames } from '../net/quic/frames.js';
import { initialKeys } from '../net/quic/initial.js';
import { packetBytes, parseHeader, sealLong } from '../net/quic/packet.js';
import { packetKeys, unprotect, type PacketKeys } from '../net/quic/protection.js';
import { TLS_AES_128_GCM_SHA256 } from '../net/quic/suites.js';
import { PARAM } from '../net/quic/transport-params.js';
import { encodeVarint } from '../net/quic/varint.js';
import { parseClientHello, type ParsedClientHello } from '../net/quic/tls/client-hello.js';
import {
  finishedVerifyData,
  handshakeSecret,
  trafficSecrets,
  Transcript,
} from '../net/quic/tls/key-schedule.js';
import {
  EXTENSION,
  extension,
  HANDSHAKE,
  HandshakeReader,
  handshakeMessage,
  TLS13,
  X25519,
} from '../net/quic/tls/messages.js';
import { serverSignedContent } from '../net/quic/tls/signature.js';
import { generateKeyShare, sharedSecret } from '../net/quic/tls/x25519.js';

export interface ServerIdentity {
  /** PEM of an ECDSA P-256 leaf (the mock certificates are) and its key. */
  cert: string;
  key: string;
}

/** The first client Initial of a datagram, read as a server (or an on-path filter) reads it. */
export interface ClientInitial {
  dcid: Buffer;
  scid: Buffer;
  hello: ParsedClientHello;
  /** The raw ClientHello message, for the transcript. */
  message: Buffer;
}

/**
 * Reads the ClientHello out of a client's first Initial: anyone can, the keys derive from its
 * Destination Connection ID. Undefined for anything else (a later packet, garbage, a split hello).
 */
export function readClientInitial(datagram: Buffer): ClientInitial | undefined {
  const parsed = parseHeader(datagram, 0, 0);
  if (!parsed.ok || parsed.value.form !== 'long' || parsed.value.type !== 'initial') return undefined;
  const h = parsed.value;
  const opened = unprotect(initialKeys(h.dcid).client, packetBytes(datagram, h), h.pnOffset - h.start, -1);
  if ('reason' in opened) return undefined;
  const frames = parseFrames(opened.payload);
  if (!frames.ok) return undefined;
  const stream = new CryptoStream(16 * 1024);
  const parts: Buffer[] = [];
  for (const f of frames.value) {
    const pushed = f.type === 'crypto' ? stream.push(f.offset, f.data) : undefined;
    if (pushed?.ok) parts.push(pushed.data);
  }
  const messages = tryParse(() => new HandshakeReader(16 * 1024).push(Buffer.concat(parts)));
  const message = messages.ok ? messages.value.find((m) => m.type === HANDSHAKE.clientHello) : undefined;
  if (!message) return undefined;
  const hello = tryParse(() => parseClientHello(message.body));
  return hello.ok ? { dcid: h.dcid, scid: h.scid, hello: hello.value, message: message.raw } : undefined;
}

/** Whether a datagram of the client carries a CONNECTION_CLOSE, in any packet these keys open. */
export function carriesClose(datagram: Buffer, clientKeys: PacketKeys[]): boolean {
  for (let offset = 0; offset < datagram.length;) {
    const parsed = parseHeader(datagram, offset, 0);
    if (!parsed.ok || parsed.value.form !== 'long') return false;
    const h = parsed.value;
    offset = h.end;
    for (const keys of clientKeys) {
      const opened = unprotect(keys, packetBytes(datagram, h), h.pnOffset - h.start, -1);
      const frames = 'reason' in opened ? undefined : parseFrames(opened.payload);
      if (frames?.ok && frames.value.some((f) => f.type === 'connection_close')) return true;
    }
  }
  return false;
}

/** Handshake CRYPTO bytes per packet: each Handshake packet stays well inside 1200 bytes. */
const CHUNK = 1000;

export interface Answer {
  /** The server's first flight: its Initial, then its Handshake packets. */
  datagrams: Buffer[];
  /** The keys the client's later packets are sealed with (Initial, Handshake), to read its CONNECTION_CLOSE. */
  clientKeys: PacketKeys[];
}

/**
 * One connection's answer, computed once from the client's first Initial; resent Initials get the
 * same datagrams again (as a server retransmits). Undefined for a ClientHello it cannot serve.
 */
export function answerInitial(
  initial: ClientInitial,
  identity: ServerIdentity,
  alpn = 'h3',
): Answer | undefined {
  const { hello } = initial;
  if (!hello.keyShare || !hello.suites.includes(TLS_AES_128_GCM_SHA256.id) || !hello.alpn.includes(alpn))
    return undefined;
  const suite = TLS_AES_128_GCM_SHA256;
  const share = generateKeyShare();
  const scid = randomBytes(8);
  const transcript = new Transcript();
  transcript.add(initial.message);
  const serverHello = serverHelloMessage(share.publicKey);
  transcript.add(serverHello);
  const traffic = trafficSecrets(
    suite.hash,
    handshakeSecret(suite.hash, sharedSecret(share, hello.keyShare)),
    'hs',
    transcript.hash(suite.hash),
  );
  const { certificate, key } = prepared(identity);
  const messages = [encryptedExtensions(alpn, initial.dcid, scid), certificate];
  for (const m of messages) transcript.add(m);
  const verify = certificateVerify(key, transcript.hash(suite.hash));
  transcript.add(verify);
  const finished = handshakeMessage(
    HANDSHAKE.finished,
    finishedVerifyData(suite.hash, traffic.server, transcript.hash(suite.hash)),
  );
  const flight = Buffer.concat([...messages, verify, finished]);
  const keys = { initial: initialKeys(initial.dcid).server, handshake: packetKeys(suite, traffic.server) };
  const fields = (type: 'initial' | 'handshake') => ({ type, dcid: initial.scid, scid });
  const datagrams = [
    sealLong(keys.initial, fields('initial'), 0, Buffer.concat([ackFrame([0]), cryptoFrame(0, serverHello)])),
  ];
  for (let offset = 0, pn = 0; offset < flight.length; offset += CHUNK, pn++) {
    datagrams.push(
      sealLong(
        keys.handshake,
        fields('handshake'),
        pn,
        cryptoFrame(offset, flight.subarray(offset, offset + CHUNK)),
      ),
    );
  }
  return { datagrams, clientKeys: [initialKeys(initial.dcid).client, packetKeys(suite, traffic.client)] };
}

function serverHelloMessage(keyShare: Buffer): Buffer {
  const extensions = Buffer.concat([
    extension(EXTENSION.supportedVersions, u16(TLS13)),
    extension(EXTENSION.keyShare, Buffer.concat([u16(X25519), vector(2, keyShare)])),
  ]);
  const body = Buffer.concat([
    u16(0x0303),
    randomBytes(32),
    vector(1, Buffer.alloc(0)),
    u16(TLS_AES_128_GCM_SHA256.id),
    Buffer.from([0]),
    vector(2, extensions),
  ]);
  return handshakeMessage(HANDSHAKE.serverHello, body);
}

function encryptedExtensions(alpn: string, originalDcid: Buffer, scid: Buffer): Buffer {
  const param = (id: number, value: Buffer) =>
    Buffer.concat([encodeVarint(id), encodeVarint(value.length), value]);
  const params = Buffer.concat([
    param(PARAM.originalDestinationConnectionId, originalDcid),
    param(PARAM.initialSourceConnectionId, scid),
  ]);
  const extensions = Buffer.concat([
    extension(EXTENSION.alpn, vector(2, vector(1, Buffer.from(alpn, 'latin1')))),
    extension(EXTENSION.quicTransportParameters, params),
  ]);
  return handshakeMessage(HANDSHAKE.encryptedExtensions, vector(2, extensions));
}

interface Prepared {
  /** The Certificate message, the same for every connection. */
  certificate: Buffer;
  key: KeyObject;
}

// Parsing a PEM key and certificate took a third of the mock's CPU per handshake: once per identity.
const preparedIdentities = new WeakMap<ServerIdentity, Prepared>();

function prepared(identity: ServerIdentity): Prepared {
  let p = preparedIdentities.get(identity);
  if (!p) {
    p = { certificate: certificateMessage(identity.cert), key: createPrivateKey(identity.key) };
    preparedIdentities.set(identity, p);
  }
  return p;
}

function certificateMessage(pem: string): Buffer {
  const der = new X509Certificate(pem).raw;
  const entry = Buffer.concat([vector(3, der), vector(2, Buffer.alloc(0))]);
  return handshakeMessage(
    HANDSHAKE.certificate,
    Buffer.concat([vector(1, Buffer.alloc(0)), vector(3, entry)]),
  );
}

/** ecdsa_secp256r1_sha256 over the transcript, with the leaf's key. */
function certificateVerify(key: KeyObject, transcriptHash: Buffer): Buffer {
  const signature = sign('sha256', serverSignedContent(transcriptHash), key);
  return handshakeMessage(HANDSHAKE.certificateVerify, Buffer.concat([u16(0x0403), vector(2, signature)]));
}
