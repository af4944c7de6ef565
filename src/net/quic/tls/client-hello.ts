// The TLS 1.3 ClientHello a QUIC client sends (RFC 8446 §4.1.2, RFC 9001 §8): one X25519 key share,
// the ALPN, the server name, and the QUIC transport parameters.
import { randomBytes } from 'node:crypto';
import { u16, vector } from '../bytes.js';
import { SUITES } from '../suites.js';
import { EXTENSION, extension, HANDSHAKE, handshakeMessage, TLS13, X25519 } from './messages.js';
import { SIGNATURE_SCHEMES } from './signature.js';

export interface ClientHelloOptions {
  /** The SNI; none for an IP literal (RFC 6066 §3). */
  serverName?: string;
  alpn: string[];
  /** Our X25519 public key, 32 bytes. */
  keyShare: Buffer;
  transportParameters: Buffer;
  random?: Buffer;
}

const list16 = (values: number[]) => vector(2, Buffer.concat(values.map(u16)));

/** The whole ClientHello handshake message. */
export function clientHello(opts: ClientHelloOptions): Buffer {
  const extensions = [
    opts.serverName === undefined ? undefined : extension(EXTENSION.serverName, vector(2, Buffer.concat([Buffer.from([0]), vector(2, Buffer.from(opts.serverName, 'ascii'))]))),
    extension(EXTENSION.supportedGroups, list16([X25519])),
    extension(EXTENSION.signatureAlgorithms, list16([...SIGNATURE_SCHEMES.keys()])),
    extension(EXTENSION.alpn, vector(2, Buffer.concat(opts.alpn.map((p) => vector(1, Buffer.from(p, 'latin1')))))),
    extension(EXTENSION.supportedVersions, vector(1, u16(TLS13))),
    extension(EXTENSION.keyShare, vector(2, Buffer.concat([u16(X25519), vector(2, opts.keyShare)]))),
    extension(EXTENSION.quicTransportParameters, opts.transportParameters),
  ].filter((e): e is Buffer => e !== undefined);
  const body = Buffer.concat([
    u16(0x0303), // legacy_version
    opts.random ?? randomBytes(32),
    vector(1, Buffer.alloc(0)), // legacy_session_id: empty in QUIC (RFC 9001 §8.4)
    list16([...SUITES.keys()]),
    vector(1, Buffer.from([0])), // legacy_compression_methods: null
    vector(2, Buffer.concat(extensions)),
  ]);
  return handshakeMessage(HANDSHAKE.clientHello, body);
}
