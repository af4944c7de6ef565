import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
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

const fixture = (file: string, folder = 'odd-chains') =>
  readFileSync(new URL(`../fixtures/${folder}/${file}`, import.meta.url), 'utf8');
/** The DER certificates of a PEM file, in its order (leaf first). */
const chainOf = (file: string, folder?: string) =>
  (fixture(file, folder).match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map(
    der,
  );
const ROOT = fixture('root.pem');

describe('the chain check at its edges', () => {
  it('says which certificate is not valid yet: the leaf, or the authority it leads to', () => {
    const early = new Date('2000-06-01T00:00:00Z');
    const leaf = chainProblem([der(CERTS.good.cert)], 'localhost', [MOCK_CA], early);
    expect(leaf?.code).toBe('CERT_NOT_YET_VALID');
    expect(leaf?.message).toMatch(/^the certificate of CN=[^\n]+, O=reachprobe tests is not valid yet$/);
    // The expired leaf was valid in 2000; its CA was not yet.
    const anchor = chainProblem([der(CERTS.expired.cert)], 'localhost', [MOCK_CA], early);
    expect(anchor).toEqual({
      code: 'CERT_NOT_YET_VALID',
      message: 'the certificate of CN=reachprobe test CA, O=reachprobe tests is not valid yet',
    });
  });

  it('takes validity as inclusive: valid at its first and at its last second (RFC 5280 §4.1.2.5)', () => {
    const leaf = new X509Certificate(CERTS.good.cert);
    for (const at of [leaf.validFrom, leaf.validTo])
      expect(chainProblem([leaf.raw], 'localhost', [MOCK_CA], new Date(at))).toBeUndefined();
    const after = new Date(new Date(leaf.validTo).getTime() + 1000);
    expect(chainProblem([leaf.raw], 'localhost', [MOCK_CA], after)?.code).toBe('CERT_HAS_EXPIRED');
  });

  it('follows 9 intermediates to a trusted root, and gives up at the 10th', () => {
    expect(chainProblem(chainOf('deep-9.pem'), 'localhost', [ROOT], now)).toBeUndefined();
    const [leaf, ...intermediates] = chainOf('deep-9.pem');
    expect(chainProblem([leaf!, ...intermediates.reverse()], 'localhost', [ROOT], now)).toBeUndefined();
    expect(chainProblem(chainOf('deep-10.pem'), 'localhost', [ROOT], now)).toEqual({
      code: 'CERT_CHAIN_TOO_LONG',
      message: 'no trusted authority within 10 certificates',
    });
  });

  it('tells a missing issuer of the leaf from one missing further up', () => {
    const chain = chainOf('deep-9.pem');
    const unknown = 'the certificate is signed by an unknown authority';
    expect(chainProblem(chain.slice(0, 1), 'localhost', [ROOT], now)).toEqual({
      code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      message: unknown,
    });
    expect(chainProblem(chain.slice(0, -1), 'localhost', [ROOT], now)).toEqual({
      code: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
      message: unknown,
    });
  });

  it('refuses a chain ending in an untrusted self-signed root, and one through an issuer that is no CA', () => {
    const withRoot = [...chainOf('chain.pem', 'quic-chain'), ...chainOf('root.pem', 'quic-chain')];
    expect(chainProblem(withRoot, 'localhost', [MOCK_CA], now)).toEqual({
      code: 'SELF_SIGNED_CERT_IN_CHAIN',
      message: 'the chain ends in a self-signed certificate that is not trusted',
    });
    expect(chainProblem(chainOf('not-ca-chain.pem'), 'localhost', [ROOT], now)).toEqual({
      code: 'INVALID_CA',
      message: 'CN=reachprobe not a CA signs certificates but is no CA',
    });
  });

  it('refuses a leaf whose signature does not verify with its issuer in the chain', () => {
    const forged = Buffer.from(der(CERTS.good.cert));
    forged[forged.length - 1]! ^= 0x01; // the last byte of the ECDSA signature
    expect(chainProblem([forged, der(MOCK_CA)], 'localhost', [MOCK_CA], now)).toMatchObject({
      code: 'CERT_SIGNATURE_FAILURE',
      message: expect.stringMatching(/^the signature of CN=[^\n]+, O=reachprobe tests does not verify$/),
    });
  });

  it('reads every certificate of an extra CA file, and nothing from text without one', () => {
    expect(chainProblem(chainOf('deep-9.pem'), 'localhost', [`${MOCK_CA}\n${ROOT}`], now)).toBeUndefined();
    expect(chainProblem([der(CERTS.good.cert)], 'localhost', [`${ROOT}${MOCK_CA}`], now)).toBeUndefined();
    expect(chainProblem([der(CERTS.good.cert)], 'localhost', ['no certificate here'], now)?.code).toBe(
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    );
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
