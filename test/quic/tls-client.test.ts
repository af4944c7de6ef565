// The TLS client of the QUIC handshake, message by message, against the mock server's flight taken
// out of its packets: what an out-of-order, altered or refused server message does to it.
import { randomBytes, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CERTS, MOCK_CA, type CertName } from '../../src/mock/certs.js';
import { answerInitial } from '../../src/mock/quic-session.js';
import { Reader, tryParse, u16, vector } from '../../src/net/quic/bytes.js';
import { parseFrames } from '../../src/net/quic/frames.js';
import { initialKeys } from '../../src/net/quic/initial.js';
import { packetBytes, parseHeader } from '../../src/net/quic/packet.js';
import { packetKeys, unprotect, type PacketKeys } from '../../src/net/quic/protection.js';
import { clientTransportParameters } from '../../src/net/quic/transport-params.js';
import { clientHello, parseClientHello } from '../../src/net/quic/tls/client-hello.js';
import { HandshakeFailure, TlsClient, type TlsStep } from '../../src/net/quic/tls/client.js';
import {
  EXTENSION,
  extension,
  HANDSHAKE,
  handshakeMessage,
  HandshakeReader,
  parseExtensions,
  TLS13,
  X25519,
} from '../../src/net/quic/tls/messages.js';
import { parseServerHello } from '../../src/net/quic/tls/server-hello.js';
import { parseCertificate, parseEncryptedExtensions } from '../../src/net/quic/tls/server-messages.js';
import { certificateVerifyProblem, schemeName } from '../../src/net/quic/tls/signature.js';
import { certificateOf } from '../../src/net/quic/tls/x509.js';

/** The CRYPTO bytes of one server datagram (a single long packet), in offset order. */
function cryptoOf(datagram: Buffer, keys: PacketKeys): Buffer {
  const parsed = parseHeader(datagram, 0, 8);
  if (!parsed.ok || parsed.value.form !== 'long') throw new Error('not a long packet');
  const h = parsed.value;
  const opened = unprotect(keys, packetBytes(datagram, h), h.pnOffset - h.start, -1);
  if ('reason' in opened) throw new Error(opened.reason);
  const frames = parseFrames(opened.payload);
  if (!frames.ok) throw new Error(frames.reason);
  const crypto = frames.value.flatMap((f) => (f.type === 'crypto' ? [f] : []));
  return Buffer.concat(crypto.sort((a, b) => a.offset - b.offset).map((f) => f.data));
}

/** A client and the mock server's answer to its ClientHello: the ServerHello, then the Handshake messages. */
function exchange(cert: CertName = 'good', verify = true) {
  const tls = new TlsClient({
    host: 'localhost',
    serverName: 'localhost',
    alpn: ['h3'],
    transportParameters: clientTransportParameters(randomBytes(8), 5000),
    verify,
    ca: [MOCK_CA],
    now: () => new Date('2030-01-01T00:00:00Z'),
  });
  const dcid = randomBytes(8);
  const hello = parseClientHello(tls.clientHello.subarray(4));
  const answer = answerInitial({ dcid, scid: randomBytes(8), hello, message: tls.clientHello }, CERTS[cert])!;
  const [initial, ...handshake] = answer.datagrams;
  const serverHello = cryptoOf(initial!, initialKeys(dcid).server);
  /** Feeds the ServerHello; returns the Handshake messages, whole, in order. */
  const afterHello = () => {
    const [step] = tls.receive('initial', serverHello) as [Extract<TlsStep, { kind: 'handshake-keys' }>];
    const keys = packetKeys(step.suite, step.server);
    const bytes = Buffer.concat(handshake.map((d) => cryptoOf(d, keys)));
    return new HandshakeReader(1 << 20).push(bytes).map((m) => m.raw);
  };
  return { tls, serverHello, afterHello };
}

/** What receive throws, as code and message. */
function refusal(run: () => unknown): { code: string; message: string } {
  try {
    run();
  } catch (err) {
    if (err instanceof HandshakeFailure) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('no HandshakeFailure');
}

const serverHelloBody = (random: Buffer, extensions: Buffer[], suite = 0x1301) =>
  Buffer.concat([
    u16(0x0303),
    random,
    vector(1, Buffer.alloc(0)),
    u16(suite),
    Buffer.from([0]),
    vector(2, Buffer.concat(extensions)),
  ]);
const HRR_RANDOM = Buffer.from('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c', 'hex');
const versions = extension(EXTENSION.supportedVersions, u16(TLS13));
const share = (group: number, key: Buffer) =>
  extension(EXTENSION.keyShare, Buffer.concat([u16(group), vector(2, key)]));

describe('the TLS client of the QUIC handshake', () => {
  it('completes on the server flight, with what the server chose', () => {
    const { tls, afterHello } = exchange();
    const steps = tls.receive('handshake', Buffer.concat(afterHello()));
    expect(steps).toHaveLength(1);
    const outcome = steps[0]!.kind === 'complete' ? steps[0]!.outcome : undefined;
    expect(outcome?.suite.name).toBe('TLS_AES_128_GCM_SHA256');
    expect(outcome?.alpn).toBe('h3');
    expect(outcome?.signatureScheme).toBe('ecdsa_secp256r1_sha256');
    expect(outcome?.serverParameters.has(0x00)).toBe(true);
    expect(outcome?.certificateProblem).toBeUndefined();
  });

  it('checks the certificate only when asked to', () => {
    const checked = exchange('wrong-name');
    const steps = checked.tls.receive('handshake', Buffer.concat(checked.afterHello()));
    expect(steps[0]?.kind === 'complete' && steps[0].outcome.certificateProblem?.code).toBe(
      'ERR_TLS_CERT_ALTNAME_INVALID',
    );
    const decoy = exchange('wrong-name', false);
    const unchecked = decoy.tls.receive('handshake', Buffer.concat(decoy.afterHello()));
    expect(unchecked[0]?.kind === 'complete' && unchecked[0].outcome).not.toHaveProperty(
      'certificateProblem',
    );
  });

  it('refuses a message out of its turn or at the wrong encryption level', () => {
    const early = exchange();
    expect(refusal(() => early.tls.receive('handshake', early.serverHello))).toEqual({
      code: 'ERR_SSL_UNEXPECTED_MESSAGE',
      message: 'handshake message 2 in the handshake packets, expected 2',
    });
    const { tls, afterHello } = exchange();
    const [encryptedExtensions, certificate, verify] = afterHello();
    expect(refusal(() => tls.receive('initial', encryptedExtensions!))).toMatchObject({
      code: 'ERR_SSL_UNEXPECTED_MESSAGE',
      message: 'handshake message 8 in the initial packets, expected 8',
    });
    const again = exchange();
    const [ee] = again.afterHello();
    again.tls.receive('handshake', ee!);
    expect(refusal(() => again.tls.receive('handshake', verify!))).toMatchObject({
      code: 'ERR_SSL_UNEXPECTED_MESSAGE',
      message: 'handshake message 15 in the handshake packets, expected 11',
    });
    expect(certificate).toBeDefined();
  });

  it('reads a CertificateRequest before the Certificate into the transcript, and refuses one after it', () => {
    const request = handshakeMessage(HANDSHAKE.certificateRequest, Buffer.from([0, 0, 0]));
    const before = exchange();
    const [ee, certificate, verify, finished] = before.afterHello();
    expect(before.tls.receive('handshake', Buffer.concat([ee!, request, certificate!]))).toEqual([]);
    // The server signed a transcript without it: here, the signature cannot verify.
    expect(refusal(() => before.tls.receive('handshake', Buffer.concat([verify!, finished!])))).toMatchObject(
      {
        code: 'ERR_SSL_BAD_SIGNATURE',
      },
    );
    const after = exchange();
    const flight = after.afterHello();
    after.tls.receive('handshake', Buffer.concat(flight.slice(0, 2)));
    expect(refusal(() => after.tls.receive('handshake', request))).toMatchObject({
      code: 'ERR_SSL_UNEXPECTED_MESSAGE',
      message: 'handshake message 13 in the handshake packets, expected 15',
    });
  });

  it('refuses a Finished that does not match the handshake', () => {
    const { tls, afterHello } = exchange();
    const flight = afterHello();
    const finished = Buffer.from(flight[3]!);
    finished[finished.length - 1]! ^= 0x01;
    expect(refusal(() => tls.receive('handshake', Buffer.concat([...flight.slice(0, 3), finished])))).toEqual(
      {
        code: 'ERR_SSL_DIGEST_CHECK_FAILED',
        message: 'the server Finished does not match the handshake',
      },
    );
  });

  it('refuses a certificate that does not parse, and malformed or oversized messages', () => {
    const garbage = exchange();
    const [ee] = garbage.afterHello();
    const list = Buffer.concat([vector(3, Buffer.from('not a certificate')), vector(2, Buffer.alloc(0))]);
    const certificate = handshakeMessage(
      HANDSHAKE.certificate,
      Buffer.concat([vector(1, Buffer.alloc(0)), vector(3, list)]),
    );
    expect(refusal(() => garbage.tls.receive('handshake', Buffer.concat([ee!, certificate])))).toEqual({
      code: 'ERR_X509_BAD_CERTIFICATE',
      message: 'the server certificate does not parse',
    });
    const truncated = exchange();
    truncated.afterHello();
    expect(
      refusal(() =>
        truncated.tls.receive('handshake', handshakeMessage(HANDSHAKE.encryptedExtensions, u16(9))),
      ),
    ).toEqual({
      code: 'ERR_SSL_DECODE_ERROR',
      message: 'EncryptedExtensions extensions: 9 bytes wanted, 0 left',
    });
    const huge = exchange();
    expect(refusal(() => huge.tls.receive('initial', Buffer.from([2, 0x01, 0, 0])))).toEqual({
      code: 'ERR_SSL_DECODE_ERROR',
      message: 'handshake message of 65536 bytes, more than the 49152 accepted',
    });
  });

  it('refuses a HelloRetryRequest, naming the group asked for, and a key share X25519 refuses', () => {
    const hrr = (extensions: Buffer[]) => {
      const { tls } = exchange();
      return refusal(() =>
        tls.receive(
          'initial',
          handshakeMessage(HANDSHAKE.serverHello, serverHelloBody(HRR_RANDOM, extensions)),
        ),
      );
    };
    expect(hrr([versions, extension(EXTENSION.keyShare, u16(0x0017))])).toEqual({
      code: 'ERR_SSL_HELLO_RETRY_REQUEST',
      message: 'the server asks for another key share (group 0x17); we offer only X25519',
    });
    expect(hrr([versions]).message).toContain('(group 0x0)');
    const { tls } = exchange();
    const zeros = serverHelloBody(randomBytes(32), [versions, share(X25519, Buffer.alloc(32))]);
    expect(refusal(() => tls.receive('initial', handshakeMessage(HANDSHAKE.serverHello, zeros)))).toEqual({
      code: 'ERR_SSL_BAD_KEY_SHARE',
      message: 'the server key share is not a usable X25519 key',
    });
  });
});

describe('the server messages, refused with a reason', () => {
  const reason = (parse: () => unknown) => {
    const r = tryParse(parse);
    return r.ok ? undefined : r.reason;
  };

  it('ServerHello: session ID, suite, compression, versions and key share', () => {
    const random = randomBytes(32);
    const good = [versions, share(X25519, randomBytes(32))];
    const withSession = serverHelloBody(random, good);
    withSession[34] = 1; // a 1-byte session ID, whose byte is the suite's first
    expect(reason(() => parseServerHello(withSession))).toBe(
      'ServerHello echoes a session ID we did not send',
    );
    expect(reason(() => parseServerHello(serverHelloBody(random, good, 0x1304)))).toBe(
      'ServerHello chose cipher suite 0x1304, which we did not offer',
    );
    const compressed = serverHelloBody(random, good);
    compressed[37] = 1;
    expect(reason(() => parseServerHello(compressed))).toBe('ServerHello chose a compression method');
    expect(reason(() => parseServerHello(serverHelloBody(random, [good[1]!])))).toBe(
      'ServerHello does not select TLS 1.3',
    );
    expect(reason(() => parseServerHello(serverHelloBody(random, [versions])))).toBe(
      'ServerHello without a key share',
    );
    expect(
      reason(() => parseServerHello(serverHelloBody(random, [versions, share(X25519, randomBytes(31))]))),
    ).toBe('X25519 key share of 31 bytes');
    expect(parseServerHello(serverHelloBody(HRR_RANDOM, [versions]))).toEqual({
      retryRequest: true,
      suite: expect.objectContaining({ id: 0x1301 }),
    });
  });

  it('Certificate: request context, chain length, emptiness', () => {
    const entry = Buffer.concat([vector(3, Buffer.from([0x30])), vector(2, Buffer.alloc(0))]);
    const message = (context: Buffer, entries: number) =>
      Buffer.concat([vector(1, context), vector(3, Buffer.concat(Array(entries).fill(entry)))]);
    expect(reason(() => parseCertificate(message(Buffer.from([1]), 1)))).toBe(
      'server Certificate with a request context',
    );
    expect(parseCertificate(message(Buffer.alloc(0), 10))).toHaveLength(10);
    expect(reason(() => parseCertificate(message(Buffer.alloc(0), 11)))).toBe(
      'certificate chain longer than 10',
    );
    expect(reason(() => parseCertificate(message(Buffer.alloc(0), 0)))).toBe(
      'server Certificate without a certificate',
    );
  });

  it('EncryptedExtensions: without ALPN, a repeated extension, an empty protocol', () => {
    const params = extension(EXTENSION.quicTransportParameters, Buffer.from('0100', 'hex'));
    expect(parseEncryptedExtensions(vector(2, params))).toEqual({
      transportParameters: Buffer.from('0100', 'hex'),
    });
    expect(reason(() => parseEncryptedExtensions(vector(2, Buffer.concat([params, params]))))).toBe(
      'EncryptedExtensions repeats extension 57',
    );
    const empty = extension(EXTENSION.alpn, vector(2, vector(1, Buffer.alloc(0))));
    expect(reason(() => parseEncryptedExtensions(vector(2, Buffer.concat([params, empty]))))).toBe(
      'empty ALPN protocol',
    );
  });

  it('CertificateVerify: a signature that cannot even be decoded does not verify; unknown schemes by number', () => {
    const leaf = certificateOf(new X509Certificate(CERTS.good.cert).raw);
    expect(certificateVerifyProblem(leaf, 0x0403, Buffer.from('garbage'), Buffer.alloc(32))).toBe(
      "the CertificateVerify signature (ecdsa_secp256r1_sha256) does not verify with the certificate's key",
    );
    expect(schemeName(0x0403)).toBe('ecdsa_secp256r1_sha256');
    expect(schemeName(0x0401)).toBe('0x401');
  });
});

describe('the ClientHello as an on-path filter reads it', () => {
  const key = Buffer.alloc(32, 9);
  const hello = (serverName?: string) =>
    clientHello({
      serverName,
      alpn: ['h3', 'h3-29'],
      keyShare: key,
      transportParameters: Buffer.from('0f0401020304', 'hex'),
      random: Buffer.alloc(32, 1),
    }).subarray(4);
  /** A ClientHello body with these extensions and suites bytes. */
  const body = (extensions: Buffer[], suites = Buffer.from('1301', 'hex')) =>
    Buffer.concat([
      u16(0x0303),
      Buffer.alloc(32),
      vector(1, Buffer.alloc(0)),
      vector(2, suites),
      vector(1, Buffer.from([0])),
      vector(2, Buffer.concat(extensions)),
    ]);
  const reason = (parse: () => unknown) => {
    const r = tryParse(parse);
    return r.ok ? undefined : r.reason;
  };

  it('reads back what the client writes: SNI, ALPN list, suites, key share, transport parameters', () => {
    expect(parseClientHello(hello('www.example.com'))).toEqual({
      serverName: 'www.example.com',
      alpn: ['h3', 'h3-29'],
      suites: [0x1301, 0x1302, 0x1303],
      keyShare: key,
      transportParameters: Buffer.from('0f0401020304', 'hex'),
    });
    expect(parseClientHello(hello())).not.toHaveProperty('serverName');
  });

  it('writes the groups, signature schemes and the null compression method it offers', () => {
    const r = new Reader(hello('a.test'));
    r.bytes(2 + 32, 'version and random');
    expect(r.vector(1, 'session ID')).toEqual(Buffer.alloc(0));
    r.vector(2, 'suites');
    expect(r.vector(1, 'compression')).toEqual(Buffer.from([0]));
    const extensions = parseExtensions(r, 'ClientHello');
    expect(extensions.get(EXTENSION.supportedGroups)).toEqual(Buffer.from('0002001d', 'hex'));
    expect(extensions.get(EXTENSION.signatureAlgorithms)).toEqual(
      Buffer.from('0010' + '040305030603080408050806' + '08070808', 'hex'),
    );
  });

  it('takes the first host name and the X25519 share, passing other entries', () => {
    const names = Buffer.concat([
      Buffer.from([1]),
      vector(2, Buffer.from('other')),
      Buffer.from([0]),
      vector(2, Buffer.from('b.test')),
      Buffer.from([0]),
      vector(2, Buffer.from('c.test')),
    ]);
    const shares = Buffer.concat([u16(0x0017), vector(2, Buffer.alloc(65, 4)), u16(X25519), vector(2, key)]);
    const parsed = parseClientHello(
      body(
        [extension(EXTENSION.serverName, vector(2, names)), extension(EXTENSION.keyShare, vector(2, shares))],
        Buffer.from('130113', 'hex'),
      ),
    );
    expect(parsed).toEqual({ serverName: 'b.test', alpn: [], suites: [0x1301], keyShare: key });
    const onlyOther = parseClientHello(
      body([
        extension(
          EXTENSION.serverName,
          vector(2, Buffer.concat([Buffer.from([1]), vector(2, Buffer.from('x'))])),
        ),
        extension(EXTENSION.keyShare, vector(2, Buffer.concat([u16(0x0017), vector(2, Buffer.alloc(65))]))),
      ]),
    );
    expect(onlyOther).toEqual({ alpn: [], suites: [0x1301] });
  });

  it.each([
    ['a cut version', Buffer.from([3]), 'legacy_version: 2 bytes wanted, 1 left'],
    ['a cut random', Buffer.alloc(10), 'random: 32 bytes wanted, 8 left'],
    ['no session ID', Buffer.alloc(34), 'legacy_session_id: 1 bytes wanted, 0 left'],
    ['no suites', Buffer.alloc(35), 'cipher suites: 2 bytes wanted, 0 left'],
    ['no compression methods', Buffer.alloc(37), 'compression methods: 1 bytes wanted, 0 left'],
    ['no extensions', Buffer.alloc(38), 'ClientHello extensions length: 2 bytes wanted, 0 left'],
  ])('refuses %s, naming the field', (_what, bytes, expected) => {
    expect(reason(() => parseClientHello(bytes))).toBe(expected);
  });

  it('refuses trailing bytes and broken extension contents, naming them', () => {
    expect(reason(() => parseClientHello(Buffer.concat([body([]), Buffer.from([0])])))).toBe(
      'ClientHello: 1 unexpected trailing bytes',
    );
    const broken = (type: number, data: Buffer) =>
      reason(() => parseClientHello(body([extension(type, data)])));
    expect(broken(EXTENSION.serverName, Buffer.alloc(1))).toBe(
      'server_name list length: 2 bytes wanted, 1 left',
    );
    expect(broken(EXTENSION.serverName, Buffer.from('0001', 'hex'))).toBe(
      'server_name list: 1 bytes wanted, 0 left',
    );
    expect(broken(EXTENSION.serverName, Buffer.from('000100', 'hex'))).toBe(
      'server name: 2 bytes wanted, 0 left',
    );
    expect(broken(EXTENSION.serverName, Buffer.from('0000', 'hex'))).toBeUndefined();
    expect(broken(EXTENSION.keyShare, Buffer.from('000100', 'hex'))).toBe(
      'key share group: 2 bytes wanted, 1 left',
    );
    expect(broken(EXTENSION.keyShare, Buffer.from('0002001d', 'hex'))).toBe(
      'key share: 2 bytes wanted, 0 left',
    );
    expect(broken(EXTENSION.alpn, Buffer.alloc(1))).toBe('ALPN list length: 2 bytes wanted, 1 left');
    expect(broken(EXTENSION.alpn, Buffer.from('000102', 'hex'))).toBe(
      'ALPN protocol: 2 bytes wanted, 0 left',
    );
    expect(broken(EXTENSION.alpn, Buffer.from('0003', 'hex'))).toBe('ALPN list: 3 bytes wanted, 0 left');
  });
});
