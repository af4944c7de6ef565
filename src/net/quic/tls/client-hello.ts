// The TLS 1.3 ClientHello a QUIC client sends (RFC 8446 §4.1.2, RFC 9001 §8): one X25519 key share,
// the ALPN, the server name, and the QUIC transport parameters.
import { randomBytes } from 'node:crypto';
import { Reader, u16, vector } from '../bytes.js';
import { SUITES } from '../suites.js';
import {
  EXTENSION,
  extension,
  HANDSHAKE,
  handshakeMessage,
  parseExtensions,
  TLS13,
  X25519,
} from './messages.js';
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
    opts.serverName === undefined
      ? undefined
      : extension(
          EXTENSION.serverName,
          vector(2, Buffer.concat([Buffer.from([0]), vector(2, Buffer.from(opts.serverName, 'ascii'))])),
        ),
    extension(EXTENSION.supportedGroups, list16([X25519])),
    extension(EXTENSION.signatureAlgorithms, list16([...SIGNATURE_SCHEMES.keys()])),
    extension(
      EXTENSION.alpn,
      vector(2, Buffer.concat(opts.alpn.map((p) => vector(1, Buffer.from(p, 'latin1'))))),
    ),
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

export interface ParsedClientHello {
  serverName?: string;
  alpn: string[];
  suites: number[];
  /** The X25519 key share, when one was offered. */
  keyShare?: Buffer;
  transportParameters?: Buffer;
}

/**
 * Reads a ClientHello body: what a server needs, and what an on-path filter reads from an Initial
 * (the SNI). Throws Malformed.
 */
export function parseClientHello(body: Buffer): ParsedClientHello {
  const r = new Reader(body);
  r.u16('legacy_version');
  r.bytes(32, 'random');
  r.vector(1, 'legacy_session_id');
  const suites = r.vector(2, 'cipher suites');
  r.vector(1, 'compression methods');
  const extensions = parseExtensions(r, 'ClientHello');
  r.done('ClientHello');
  const hello: ParsedClientHello = { alpn: [], suites: [] };
  for (let i = 0; i + 1 < suites.length; i += 2) hello.suites.push(suites.readUInt16BE(i));
  const sni = extensions.get(EXTENSION.serverName);
  if (sni) hello.serverName = firstHostName(sni);
  const alpn = extensions.get(EXTENSION.alpn);
  if (alpn) {
    const a = new Reader(alpn);
    const list = a.sub(a.u16('ALPN list length'), 'ALPN list');
    while (list.left > 0) hello.alpn.push(list.vector(1, 'ALPN protocol').toString('latin1'));
  }
  const shares = extensions.get(EXTENSION.keyShare);
  if (shares) hello.keyShare = x25519Share(shares);
  const params = extensions.get(EXTENSION.quicTransportParameters);
  if (params) hello.transportParameters = params;
  return hello;
}

/** The first entry of a list (with a 2-byte length) that `read` makes something of. */
function firstOf<T>(data: Buffer, what: string, read: (list: Reader) => T | undefined): T | undefined {
  const r = new Reader(data);
  const list = r.sub(r.u16(`${what} list length`), `${what} list`);
  while (list.left > 0) {
    const value = read(list);
    if (value !== undefined) return value;
  }
  return undefined;
}

const firstHostName = (data: Buffer) =>
  firstOf(data, 'server_name', (list) => {
    const type = list.u8('server name type');
    const name = list.vector(2, 'server name');
    return type === 0 ? name.toString('latin1') : undefined;
  });

const x25519Share = (data: Buffer) =>
  firstOf(data, 'key_share', (list) => {
    const group = list.u16('key share group');
    const key = list.vector(2, 'key share');
    return group === X25519 ? key : undefined;
  });
