import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { tryParse } from '../../src/net/quic/bytes.js';
import { clientHello } from '../../src/net/quic/tls/client-hello.js';
import {
  earlySecret,
  finishedVerifyData,
  handshakeSecret,
  masterSecret,
  trafficSecrets,
  Transcript,
} from '../../src/net/quic/tls/key-schedule.js';
import {
  EXTENSION,
  extension,
  HandshakeReader,
  HANDSHAKE,
  handshakeMessage,
  parseExtensions,
} from '../../src/net/quic/tls/messages.js';
import { parseServerHello } from '../../src/net/quic/tls/server-hello.js';
import {
  parseCertificate,
  parseCertificateVerify,
  parseEncryptedExtensions,
} from '../../src/net/quic/tls/server-messages.js';
import { certificateVerifyProblem } from '../../src/net/quic/tls/signature.js';
import { keyShareFrom, sharedSecret } from '../../src/net/quic/tls/x25519.js';
import { Reader, vector } from '../../src/net/quic/bytes.js';
import * as V from './rfc8448-vectors.js';

const hex = (s: string) => Buffer.from(s, 'hex');
const body = (message: string) => hex(message).subarray(4);

describe('TLS 1.3 key schedule (RFC 8448 §3)', () => {
  it('derives the shared secret from the client key and the server share', () => {
    const share = keyShareFrom(hex(V.CLIENT_PRIVATE));
    expect(share.publicKey.toString('hex')).toBe(V.CLIENT_PUBLIC);
    expect(sharedSecret(share, hex(V.SERVER_PUBLIC)).toString('hex')).toBe(V.SHARED);
  });

  it('derives the early, handshake, master and traffic secrets of the trace', () => {
    expect(earlySecret('sha256').toString('hex')).toBe(V.EARLY);
    const hs = handshakeSecret('sha256', hex(V.SHARED));
    expect(hs.toString('hex')).toBe(V.HANDSHAKE_SECRET);
    const t = new Transcript();
    t.add(hex(V.CLIENT_HELLO));
    t.add(hex(V.SERVER_HELLO));
    const traffic = trafficSecrets('sha256', hs, 'hs', t.hash('sha256'));
    expect([traffic.client, traffic.server].map((b) => b.toString('hex'))).toEqual([V.C_HS, V.S_HS]);
    const master = masterSecret('sha256', hs);
    expect(master.toString('hex')).toBe(V.MASTER);
    for (const m of [V.ENCRYPTED_EXTENSIONS, V.CERTIFICATE, V.CERTIFICATE_VERIFY]) t.add(hex(m));
    expect(
      finishedVerifyData('sha256', traffic.server, t.hash('sha256')).equals(body(V.SERVER_FINISHED)),
    ).toBe(true);
    t.add(hex(V.SERVER_FINISHED));
    const ap = trafficSecrets('sha256', master, 'ap', t.hash('sha256'));
    expect([ap.client, ap.server].map((b) => b.toString('hex'))).toEqual([V.C_AP, V.S_AP]);
  });
});

describe('server messages (RFC 8448 §3)', () => {
  it('reads the ServerHello: suite and key share', () => {
    const hello = parseServerHello(body(V.SERVER_HELLO));
    expect(hello.retryRequest).toBe(false);
    expect(hello.suite.name).toBe('TLS_AES_128_GCM_SHA256');
    expect(!hello.retryRequest && hello.keyShare.toString('hex')).toBe(V.SERVER_PUBLIC);
  });

  it('verifies the rsa_pss_rsae_sha256 CertificateVerify over the transcript, and refuses it over another', () => {
    const [leafDer] = parseCertificate(body(V.CERTIFICATE));
    const leaf = new X509Certificate(leafDer!);
    expect(leaf.subject).toBe('CN=rsa');
    const { scheme, signature } = parseCertificateVerify(body(V.CERTIFICATE_VERIFY));
    expect(scheme).toBe(0x0804);
    const t = new Transcript();
    for (const m of [V.CLIENT_HELLO, V.SERVER_HELLO, V.ENCRYPTED_EXTENSIONS, V.CERTIFICATE]) t.add(hex(m));
    expect(certificateVerifyProblem(leaf, scheme, signature, t.hash('sha256'))).toBeUndefined();
    t.add(hex(V.CERTIFICATE_VERIFY));
    expect(certificateVerifyProblem(leaf, scheme, signature, t.hash('sha256'))).toMatch(/does not verify/);
    expect(certificateVerifyProblem(leaf, 0x0403, signature, t.hash('sha256'))).toMatch(/cannot make/);
    expect(certificateVerifyProblem(leaf, 0x0401, signature, t.hash('sha256'))).toMatch(/did not offer/);
  });

  it('refuses EncryptedExtensions without QUIC transport parameters (the trace is TLS over TCP)', () => {
    expect(tryParse(() => parseEncryptedExtensions(body(V.ENCRYPTED_EXTENSIONS)))).toEqual({
      ok: false,
      reason: expect.stringContaining('quic_transport_parameters'),
    });
    const alpn = extension(EXTENSION.alpn, vector(2, vector(1, Buffer.from('h3'))));
    const ee = vector(2, Buffer.concat([alpn, extension(EXTENSION.quicTransportParameters, hex('0100'))]));
    expect(parseEncryptedExtensions(ee)).toEqual({ alpn: 'h3', transportParameters: hex('0100') });
  });

  it('refuses a HelloRetryRequest-free ServerHello with another group, and reports a HelloRetryRequest', () => {
    const hrr = hex(V.SERVER_HELLO);
    hex('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c').copy(hrr, 6);
    expect(parseServerHello(hrr.subarray(4)).retryRequest).toBe(true);
    const p256 = hex(V.SERVER_HELLO);
    p256.writeUInt16BE(0x0017, p256.indexOf(hex('0033002400'), 0) + 4);
    expect(tryParse(() => parseServerHello(p256.subarray(4)))).toEqual({
      ok: false,
      reason: expect.stringContaining('group 0x17'),
    });
  });
});

describe('handshake framing and the ClientHello', () => {
  it('cuts CRYPTO bytes into messages wherever they are split, and refuses an oversized one', () => {
    const reader = new HandshakeReader(1000);
    const stream = Buffer.concat([hex(V.SERVER_HELLO), hex(V.SERVER_FINISHED)]);
    const got = [
      reader.push(stream.subarray(0, 3)),
      reader.push(stream.subarray(3, 100)),
      reader.push(stream.subarray(100)),
    ];
    expect(got.map((ms) => ms.map((m) => m.type))).toEqual([
      [],
      [HANDSHAKE.serverHello],
      [HANDSHAKE.finished],
    ]);
    expect(() => new HandshakeReader(10).push(handshakeMessage(8, Buffer.alloc(11)))).toThrow(
      /more than the 10/,
    );
  });

  it('writes a ClientHello with SNI, ALPN h3, one X25519 share, TLS 1.3 only and the transport parameters', () => {
    const share = keyShareFrom(hex(V.CLIENT_PRIVATE));
    const ch = clientHello({
      serverName: 'example.com',
      alpn: ['h3'],
      keyShare: share.publicKey,
      transportParameters: hex('0f0401020304'),
    });
    expect(ch[0]).toBe(HANDSHAKE.clientHello);
    const r = new Reader(ch, 4);
    r.u16('v');
    r.bytes(32, 'random');
    expect(r.vector(1, 'session').length).toBe(0);
    expect(r.vector(2, 'suites').toString('hex')).toBe('130113021303');
    r.vector(1, 'compression');
    const ext = parseExtensions(r, 'ClientHello');
    expect(ext.get(EXTENSION.serverName)!.toString('latin1')).toContain('example.com');
    expect(ext.get(EXTENSION.alpn)!.toString('hex')).toBe('0003026833');
    expect(ext.get(EXTENSION.supportedVersions)!.toString('hex')).toBe('020304');
    expect(ext.get(EXTENSION.keyShare)!.toString('hex')).toBe('0024001d0020' + V.CLIENT_PUBLIC);
    expect(ext.get(EXTENSION.quicTransportParameters)!.toString('hex')).toBe('0f0401020304');
    expect(
      clientHello({ alpn: ['h3'], keyShare: share.publicKey, transportParameters: Buffer.alloc(0) }).includes(
        Buffer.from('example'),
      ),
    ).toBe(false);
  });
});
