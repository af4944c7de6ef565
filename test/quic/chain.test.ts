import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CERTS, MOCK_CA } from '../../src/mock/certs.js';
import { quicFailure } from '../../src/net/errors/classify.js';
import { chainProblem } from '../../src/net/quic/tls/chain.js';
import { certificateOf, publicKeyOf, signedBy } from '../../src/net/quic/tls/x509.js';

const der = (pem: string) => new X509Certificate(pem).raw;
const now = new Date('2030-01-01T00:00:00Z');
const failure = (problem: { code: string; message: string } | undefined) =>
  problem && quicFailure(Object.assign(new Error(problem.message), { code: problem.code })).failure;

describe('certificate chain and name, against the trust store of TLS over TCP', () => {
  it('accepts a leaf of the mock CA for its names once the CA is trusted', () => {
    for (const host of ['localhost', 'a.reachprobe.test', '127.0.0.1']) {
      expect(chainProblem([der(CERTS.good.cert)], host, [MOCK_CA], now)).toBeUndefined();
    }
  });

  it.each([
    ['a leaf of an untrusted CA', CERTS.good.cert, 'localhost', [], 'ssl_unknown_authority'],
    [
      'a certificate for another name',
      CERTS['wrong-name'].cert,
      'localhost',
      [MOCK_CA],
      'ssl_invalid_hostname',
    ],
    [
      'a wildcard that does not cover the name',
      CERTS.good.cert,
      'a.b.reachprobe.test',
      [MOCK_CA],
      'ssl_invalid_hostname',
    ],
    ['an expired certificate', CERTS.expired.cert, 'localhost', [MOCK_CA], 'ssl_invalid_certificate'],
    ['a self-signed certificate', CERTS['self-signed'].cert, 'localhost', [MOCK_CA], 'ssl_unknown_authority'],
  ])('classifies %s as over TCP', (_what, pem, host, ca, expected) => {
    expect(failure(chainProblem([der(pem)], host, ca, now))).toBe(expected);
  });

  it('follows an unordered chain with extras, and refuses garbage in it', () => {
    expect(
      chainProblem(
        [der(CERTS.good.cert), der(CERTS['wrong-name'].cert), der(MOCK_CA)],
        'localhost',
        [MOCK_CA],
        now,
      ),
    ).toBeUndefined();
    expect(
      chainProblem([der(CERTS.good.cert), Buffer.from('not a certificate')], 'localhost', [MOCK_CA], now)
        ?.code,
    ).toBe('ERR_X509_BAD_CERTIFICATE');
  });
});

describe('certificates parsed once (x509.ts)', () => {
  it('hands out one object per DER, from a copy of the bytes; remembers signatures either way', () => {
    const bytes = der(CERTS.good.cert);
    const first = certificateOf(bytes);
    expect(certificateOf(Buffer.from(bytes))).toBe(first);
    bytes.fill(0); // the caller's buffer may be reused: what was parsed stays what it was
    expect(certificateOf(der(CERTS.good.cert))).toBe(first);
    expect(publicKeyOf(first)).toBe(publicKeyOf(first));
    const ca = new X509Certificate(MOCK_CA);
    expect([signedBy(first, ca), signedBy(first, ca)]).toEqual([true, true]);
    const other = certificateOf(der(CERTS['self-signed'].cert));
    expect([signedBy(other, ca), signedBy(other, ca)]).toEqual([false, false]);
  });

  it('throws on bytes that do not parse, and keeps none of them', () => {
    expect(() => certificateOf(Buffer.from('not a certificate'))).toThrow();
    expect(() => certificateOf(Buffer.from('not a certificate'))).toThrow();
  });
});
