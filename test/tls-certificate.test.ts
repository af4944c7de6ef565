// The handshake hands Node's name check a view of the peer's certificate read from its X509 form
// (src/net/tls.ts), not Node's own object of it: for names off the common path (an empty subject, a
// relative name with two values, two CNs, RFC 2253 specials) it must decide and describe as Node's
// own object would.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type net from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { HOST } from '../src/mock/tcp-servers.js';
import { dialTcp } from '../src/net/tcp.js';
import { certificateView, handshake } from '../src/net/tls.js';

const read = (file: string) => readFileSync(new URL(`./fixtures/odd-certs/${file}`, import.meta.url), 'utf8');
const CA = read('ca.pem');
const CERTS = ['empty-subject', 'multi-rdn', 'two-cn', 'escapes'] as const;
const NAMES = ['localhost', 'good.test', 'evil.test', 'esc.test', 'other.test', '127.0.0.1'];

const legacyOf = (name: string) => new X509Certificate(read(`${name}.pem`)).toLegacyObject();
/** What Node's name check says with Node's own object: undefined, or the error's message. */
const nodeSays = (host: string, cert: tls.PeerCertificate) => tls.checkServerIdentity(host, cert)?.message;
const text = (fields: object) =>
  Object.entries(fields)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(', ');

describe('the certificate view', () => {
  it.each(CERTS)("%s: the fields Node's object has, and the same name decisions", (name) => {
    const legacy = legacyOf(name);
    const view = certificateView(new X509Certificate(read(`${name}.pem`)))!;
    expect({ ...view.subject }).toEqual({ ...legacy.subject });
    expect({ ...view.issuer }).toEqual({ ...legacy.issuer });
    expect(view.subjectaltname).toBe(legacy.subjectaltname ?? '');
    expect([view.valid_from, view.valid_to, view.fingerprint256]).toEqual([
      legacy.valid_from,
      legacy.valid_to,
      legacy.fingerprint256,
    ]);
    for (const host of NAMES)
      expect([host, nodeSays(host, view as tls.PeerCertificate)]).toEqual([host, nodeSays(host, legacy)]);
  });
});

describe('handshakes with those certificates, on loopback', () => {
  const servers = new Map<string, { port: number; close: () => void }>();

  beforeAll(async () => {
    for (const name of CERTS) {
      const server = tls.createServer({ cert: read(`${name}.pem`), key: read('leaf.key') }, (s) =>
        s.on('error', () => {}).end(),
      );
      await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
      servers.set(name, { port: (server.address() as net.AddressInfo).port, close: () => server.close() });
    }
  });
  afterAll(() => servers.forEach((s) => s.close()));

  async function shake(name: string, host: string, ca: string[]) {
    const dialled = await dialTcp(HOST, servers.get(name)!.port, 2000);
    if (!dialled.ok) throw new Error('the loopback server did not accept');
    const result = await handshake(dialled.value, { host, ca, verify: true, timeoutMs: 2000 });
    result.socket?.destroy();
    return result;
  }

  it.each(CERTS)(
    "%s: trusted, each name accepted or refused as Node's own object decides, and described alike",
    async (name) => {
      const legacy = legacyOf(name);
      for (const host of NAMES) {
        const result = await shake(name, host, [CA]);
        expect([host, result.failure?.failure]).toEqual([
          host,
          nodeSays(host, legacy) ? 'ssl_invalid_hostname' : undefined,
        ]);
        expect(result.certificate).toMatchObject({
          subject: text(legacy.subject),
          issuer: text(legacy.issuer),
          subject_alt_names: legacy.subjectaltname ?? '',
        });
      }
    },
  );

  it("a certificate whose X509 form cannot be read is judged and described from Node's own object", async () => {
    const unreadable = vi.spyOn(tls.TLSSocket.prototype, 'getPeerX509Certificate').mockImplementation(() => {
      throw new Error('unreadable');
    });
    try {
      const good = await shake('escapes', 'esc.test', [CA]);
      expect(good.failure).toBeUndefined();
      expect(good.certificate?.subject).toBe(text(legacyOf('escapes').subject));
      expect((await shake('escapes', 'other.test', [CA])).failure?.failure).toBe('ssl_invalid_hostname');
      expect(unreadable).toHaveBeenCalled();
    } finally {
      unreadable.mockRestore();
    }
  });

  it('an untrusted certificate with an empty subject is described, not a crash', async () => {
    const result = await shake('empty-subject', 'localhost', []);
    expect(result.failure?.failure).toBe('ssl_unknown_authority');
    expect(result.certificate).toMatchObject({
      subject: '',
      issuer: 'CN=reachprobe odd-names test CA',
      subject_alt_names: 'DNS:localhost',
    });
  });
});
