// The QUIC verdict at its edges (src/classify/quic.ts): which handshake and which decoy decide, what
// the reason and the evidence name, and when QUIC and TCP together say nothing.
import { describe, expect, it } from 'vitest';
import { classifyQuic, quicAgainstTcp, type QuicInput } from '../src/classify/quic.js';
import type { QuicEvidence, QuicObservation } from '../src/model/quic.js';
import { decoyHandshake, handshake, quicTarget } from './helpers/quic-handshakes.js';

const target = quicTarget;
const hs = handshake;
const decoy = decoyHandshake;
const classify = (
  checks: QuicObservation[],
  offeredBy: QuicEvidence[] = ['target'],
  more: Partial<QuicInput> = {},
) => classifyQuic({ target, checks, offeredBy, tcp: { verdict: 'reachable' }, ...more });

describe('which handshakes decide', () => {
  it('the own handshake decides, even with a decoy at another address after it', () => {
    const got = classify([decoy(), hs('generic_timeout_error'), decoy(undefined, { address: '127.0.0.9' })]);
    expect([got.verdict, got.address, got['blocked-by']]).toEqual(['timeout', '127.0.0.1', 'sni']);
  });

  it.each<[string, Partial<QuicObservation>]>([
    ['another address', { address: '127.0.0.9' }],
    ['another port', { port: 8443 }],
  ])('the decoy at the own address and port counts, not a later one at %s', (_what, elsewhere) => {
    const got = classify([
      decoy('generic_timeout_error'),
      decoy(undefined, elsewhere),
      hs('generic_timeout_error'),
    ]);
    expect(got['blocked-by']).toBe('ip');
  });
});

describe('what a QUIC verdict says', () => {
  it('a timeout names its failure, and the evidence ends with what QUIC against TCP tells', () => {
    const got = classify([hs('generic_timeout_error')]);
    expect(got.failure).toBe('generic_timeout_error');
    expect(got.evidence.at(-1)).toBe(
      'TLS over TCP is fine but QUIC fails: the QUIC filter (or UDP to this port blocked)',
    );
    expect(got.evidence).toHaveLength(2);
  });

  it('an IP literal: no SNI in the reason or the evidence', () => {
    const got = classifyQuic({
      target: { ...target, host: '192.0.2.1', url: 'https://192.0.2.1/' },
      checks: [hs('generic_timeout_error', { address: '192.0.2.1', sni: undefined })],
      offeredBy: ['alt-svc'],
      tcp: { verdict: 'unreachable' },
    });
    expect(got.reason).toBe(
      'no answer to QUIC Initials to 192.0.2.1:443 within 10 ms; QUIC is offered (alt-svc)',
    );
    expect(got.evidence).toEqual([
      'quic_handshake 192.0.2.1:443: generic_timeout_error (generic_timeout_error); stage initial; ' +
        '1 Initial(s) sent, 0 datagram(s) received; in 10 ms',
    ]);
  });

  it('silent after the server answered, with nothing else saying QUIC: no "offered" clause', () => {
    const got = classify([hs('generic_timeout_error', { stage: 'handshake' })], [], {
      tcp: { verdict: 'unreachable' },
    });
    expect(got.offered).toBe(true);
    expect(got.reason).toBe('no answer to QUIC Initials to 127.0.0.1:443 (SNI t.test) within 10 ms');
  });

  it('a complete handshake without a cipher names its ALPN alone', () => {
    expect(classify([hs(undefined, { local_port: 50000 })]).evidence[0]).toBe(
      'quic_handshake 127.0.0.1:443 SNI t.test from port 50000: complete, h3; stage complete; ' +
        '1 Initial(s) sent, 3 datagram(s) received; in 10 ms',
    );
  });
});

describe('QUIC against TCP: when the two say nothing together', () => {
  it.each<[string, Parameters<typeof quicAgainstTcp>]>([
    [
      'QUIC silent with nothing saying it is spoken, TLS reset',
      [{ verdict: 'reset', stage: 'tls_handshake' }, 'timeout', null],
    ],
    [
      'QUIC failing otherwise, TLS reset',
      [{ verdict: 'reset', stage: 'tls_handshake' }, 'tls-failure', true],
    ],
  ])('%s', (_what, args) => {
    expect(quicAgainstTcp(...args)).toBeUndefined();
  });
});
