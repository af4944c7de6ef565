// Interop: our QUIC handshake against Debian's ngtcp2 example server (package ngtcp2-server, GnuTLS
// backend), on loopback. Skipped, saying so, where the package is not installed; failed in CI.
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CERTS, MOCK_CA, type CertName } from '../../src/mock/certs.js';
import { dialQuic } from '../../src/net/quic/dial.js';
import { gtlsserver, unavailable } from '../helpers/required.js';

const GTLSSERVER = gtlsserver();
unavailable(
  'the QUIC interop tests',
  GTLSSERVER ? undefined : 'gtlsserver (Debian package ngtcp2-server) is not installed',
);

const dir = mkdtempSync(join(tmpdir(), 'reachprobe-quic-'));
const servers: ChildProcess[] = [];
afterAll(() => {
  for (const s of servers) s.kill();
  rmSync(dir, { recursive: true, force: true });
});

/** A free UDP port on loopback (bound then released: the server binds it right after). */
async function freePort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/**
 * Resolves once something holds the port (our own bind of it then fails with EADDRINUSE), false if the
 * server exited first. The deadline is generous: under a loaded CI machine gtlsserver took over 2 s.
 */
async function bound(port: number, child: ChildProcess): Promise<boolean> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    const s = dgram.createSocket('udp4');
    const inUse = await new Promise<boolean>((r) => {
      s.once('error', () => r(true));
      s.bind(port, '127.0.0.1', () => r(false));
    });
    await new Promise<void>((r) => s.close(() => r()));
    if (inUse) return child.exitCode === null;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`gtlsserver did not bind port ${port} in 15 s`);
}

const CHAIN = join(import.meta.dirname, '../fixtures/quic-chain');

/** gtlsserver with a mock certificate, or with the fixture's long RSA chain. */
async function server(
  cert: CertName | 'long-chain',
  options: string[] = [],
): Promise<{ port: number; log: () => string }> {
  let key = join(CHAIN, 'leaf-key.pem');
  let pem = join(CHAIN, 'chain.pem');
  if (cert !== 'long-chain') {
    key = join(dir, `${cert}-key.pem`);
    pem = join(dir, `${cert}.pem`);
    writeFileSync(key, CERTS[cert].key);
    writeFileSync(pem, CERTS[cert].cert);
  }
  // The port is free when we pick it, but another socket may take it before the server binds it: then
  // the server exits, and we try again on another port.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child = spawn(
      GTLSSERVER!,
      ['--no-quic-dump', '--no-http-dump', ...options, '127.0.0.1', String(port), key, pem],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    servers.push(child);
    let log = '';
    child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    if (await bound(port, child)) return { port, log: () => log };
    if (attempt === 3) throw new Error(`gtlsserver exited three times; its last words: ${log}`);
  }
}

const dial = (port: number, opts: { host?: string; ca?: string[] } = {}) =>
  dialQuic({
    address: '127.0.0.1',
    port,
    host: opts.host ?? 'localhost',
    ca: opts.ca ?? [MOCK_CA],
    verify: true,
    timeoutMs: 3000,
    resendMs: 100,
  });

/** The server's log, once it had a moment to read our CONNECTION_CLOSE. */
const logAfterClose = async (log: () => string) => {
  for (let i = 0; i < 50 && !/Draining period has started/.test(log()); i++)
    await new Promise((r) => setTimeout(r, 10));
  return log();
};

describe.skipIf(!GTLSSERVER)('QUIC handshake against ngtcp2 (gtlsserver) on loopback', () => {
  it('completes, the certificate valid for the name under the mock CA, and closes the connection', async () => {
    const { port, log } = await server('good');
    const result = await dial(port);
    expect(result.failure).toBeUndefined();
    expect(result).toMatchObject({
      stage: 'complete',
      alpn: 'h3',
      cipher: 'TLS_AES_128_GCM_SHA256',
      signatureScheme: 'ecdsa_secp256r1_sha256',
      retry: false,
    });
    expect(result.certificate?.subject).toBe('CN=good, O=reachprobe tests');
    expect(result.localPort).toBeGreaterThan(443);
    expect(result.handshakeMs).toBeGreaterThanOrEqual(result.firstResponseMs!);
    // The server read our CONNECTION_CLOSE and dropped the connection: it keeps no state for us.
    expect(await logAfterClose(log)).toMatch(/CONNECTION_CLOSE\(0x1c\) error_code=NO_ERROR/);
  });

  it('receives a long RSA chain, beyond what the server may send before our ACKs validate our address', async () => {
    const { port } = await server('long-chain');
    const result = await dial(port, { ca: [readFileSync(join(CHAIN, 'root.pem'), 'utf8')] });
    expect(result.failure).toBeUndefined();
    expect(result).toMatchObject({ stage: 'complete', signatureScheme: 'rsa_pss_rsae_sha256' });
    expect(result.certificate?.issuer).toBe('CN=reachprobe QUIC chain intermediate 2, O=reachprobe tests');
    // More than three times our 1200-byte Initial (RFC 9000 §8.1): it took our ACKs to get it all.
    expect(result.bytesReceived).toBeGreaterThan(3 * 1200);
    expect(result.datagramsSent).toBeGreaterThan(1);
  });

  it('is ssl_invalid_hostname with a certificate for another name', async () => {
    const { port } = await server('wrong-name');
    const result = await dial(port);
    expect(result.failure).toMatchObject({
      failure: 'ssl_invalid_hostname',
      operation: 'quic_handshake',
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
    });
    expect(result.certificate?.subject_alt_names).toBe('DNS:other.invalid');
  });

  it('is ssl_invalid_certificate with an expired certificate', async () => {
    const { port } = await server('expired');
    expect((await dial(port)).failure).toMatchObject({
      failure: 'ssl_invalid_certificate',
      code: 'CERT_HAS_EXPIRED',
    });
  });

  it('is ssl_unknown_authority when the mock CA is not trusted', async () => {
    const { port } = await server('good');
    expect((await dial(port, { ca: [] })).failure?.failure).toBe('ssl_unknown_authority');
  });

  it('follows the Retry of a server that validates addresses', async () => {
    const { port } = await server('good', ['--validate-addr']);
    const result = await dial(port);
    expect(result.failure).toBeUndefined();
    expect(result).toMatchObject({ stage: 'complete', retry: true, initialsSent: 2 });
  });

  it.each([
    ['CHACHA20-POLY1305', 'TLS_CHACHA20_POLY1305_SHA256'],
    ['AES-256-GCM', 'TLS_AES_256_GCM_SHA384'],
  ])('completes with the suite the server insists on (%s)', async (gnutls, suite) => {
    const { port } = await server('good', [`--ciphers=NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+${gnutls}`]);
    const result = await dial(port);
    expect(result.failure).toBeUndefined();
    expect(result.cipher).toBe(suite);
  });
});
