// Pure: the QUIC verdict from the handshakes, and what QUIC against TCP says about the block.
import { describe, expect, it } from 'vitest';
import { classifyQuic, quicAgainstTcp } from '../../src/classify/quic.js';
import type { QuicObservation } from '../../src/model/quic.js';
import type { HttpObservation } from '../../src/model/observation.js';
import { offeredBy } from '../../src/run/quic.js';
import { handshake, quicTarget } from '../helpers/quic-handshakes.js';

const target = quicTarget;
// These handshakes name their local port, as the check records it.
const hs = (failure?: string, extra: Partial<QuicObservation> = {}) =>
  handshake(failure, { local_port: 50000, ...extra });
const decoy = (failure?: string) => hs(failure, { purpose: 'decoy', sni: 'www.example.org' });
const reachable = { verdict: 'reachable' as const };

describe('classifyQuic', () => {
  const cases: Array<[string, QuicObservation[], Array<'target' | 'alt-svc'>, object]> = [
    ['complete', [decoy(), hs()], [], { verdict: 'reachable', offered: true, stage: 'complete' }],
    [
      'refused, no evidence',
      [decoy('connection_refused'), hs('connection_refused')],
      [],
      { verdict: 'not-offered', offered: false },
    ],
    [
      'refused, alt-svc says h3',
      [decoy('connection_refused'), hs('connection_refused')],
      ['alt-svc'],
      { verdict: 'reset', offered: true, 'blocked-by': 'ip' },
    ],
    [
      'timeout, no evidence',
      [decoy('generic_timeout_error'), hs('generic_timeout_error')],
      [],
      { verdict: 'timeout', offered: null },
    ],
    [
      'timeout, decoy passed',
      [decoy(), hs('generic_timeout_error')],
      ['target'],
      { verdict: 'timeout', 'blocked-by': 'sni' },
    ],
    [
      'timeout, decoy dropped too',
      [decoy('generic_timeout_error'), hs('generic_timeout_error')],
      ['target'],
      { verdict: 'timeout', 'blocked-by': 'ip' },
    ],
    [
      'timeout, no decoy',
      [hs('generic_timeout_error')],
      ['target'],
      { verdict: 'timeout', 'blocked-by': 'unknown' },
    ],
    ['wrong name', [decoy(), hs('ssl_invalid_hostname')], [], { verdict: 'cert-invalid' }],
    [
      'handshake failure',
      [decoy(), hs('ssl_failed_handshake', { stage: 'handshake' })],
      [],
      { verdict: 'tls-failure', offered: true },
    ],
    // Several addresses or ports tried: the last own handshake decides, with the decoy made at its address and port.
    [
      'another address answered after a refused one',
      [
        decoy('connection_refused'),
        hs('connection_refused'),
        decoy(),
        hs(undefined, { address: '127.0.0.9' }),
      ],
      [],
      { verdict: 'reachable', address: '127.0.0.9' },
    ],
    [
      'the second address blocked by name, the first silent',
      [
        decoy('generic_timeout_error'),
        hs('generic_timeout_error'),
        { ...decoy(), address: '127.0.0.9' },
        hs('generic_timeout_error', { address: '127.0.0.9' }),
      ],
      ['target'],
      { verdict: 'timeout', address: '127.0.0.9', 'blocked-by': 'sni' },
    ],
    [
      'the Alt-Svc port dropped, its decoy too',
      [
        decoy(),
        hs('connection_refused'),
        { ...decoy('generic_timeout_error'), port: 8443 },
        hs('generic_timeout_error', { port: 8443 }),
      ],
      ['alt-svc'],
      { verdict: 'timeout', port: 8443, 'blocked-by': 'ip' },
    ],
    [
      'server close (a server may close on a name it does not serve)',
      [decoy(), hs('eof_error', { stage: 'handshake' })],
      ['target'],
      { verdict: 'closed', 'blocked-by': 'unknown' },
    ],
  ];
  it.each(cases)('%s', (_name, checks, evidence, want) => {
    const got = classifyQuic({ target, checks, offeredBy: evidence, tcp: reachable });
    expect(got).toMatchObject(want);
    if (!('blocked-by' in want)) expect(got['blocked-by']).toBeUndefined();
    expect(got.evidence.length).toBeGreaterThanOrEqual(checks.length);
  });

  it("an address from forged DNS answers is nobody's server: no blocked-by, and said so", () => {
    const checks = [decoy('connection_refused'), hs('connection_refused')];
    const got = classifyQuic({ target, checks, offeredBy: ['alt-svc'], tcp: { verdict: 'dns-poisoned' } });
    expect(got.verdict).toBe('reset');
    expect(got['blocked-by']).toBeUndefined();
    expect(got.reason).toMatch(/127\.0\.0\.1 came from forged DNS answers/);
  });

  it('an IP literal sends no SNI: a blocked handshake there is blocked-by unknown', () => {
    const got = classifyQuic({
      target: { ...target, host: '192.0.2.1' },
      checks: [decoy(), hs('generic_timeout_error')],
      offeredBy: ['target'],
      tcp: reachable,
    });
    expect(got['blocked-by']).toBe('unknown');
  });
});

describe('QUIC reasons and evidence, word for word', () => {
  const classify = (checks: QuicObservation[], offered: Array<'target' | 'alt-svc'> = []) =>
    classifyQuic({ target, checks, offeredBy: offered, tcp: reachable });
  const at = '127.0.0.1:443 (SNI t.test)';

  it.each<[string, QuicObservation[], Array<'target' | 'alt-svc'>, string]>([
    ['complete', [hs()], [], `QUIC handshake with ${at} completed (h3) with a valid certificate`],
    [
      'complete without ALPN',
      [hs(undefined, { alpn: undefined })],
      [],
      `QUIC handshake with ${at} completed (no ALPN) with a valid certificate`,
    ],
    [
      'silent, nothing says QUIC',
      [hs('generic_timeout_error', { duration_ms: 2999.6 })],
      [],
      `no answer to QUIC Initials to ${at} within 3000 ms; nothing says this service speaks QUIC, ` +
        'so this is no claim of a block',
    ],
    [
      'silent, offered',
      [hs('generic_timeout_error')],
      ['target', 'alt-svc'],
      `no answer to QUIC Initials to ${at} within 10 ms; QUIC is offered (target, alt-svc); ` +
        'TLS over TCP is fine but QUIC fails: the QUIC filter (or UDP to this port blocked)',
    ],
    [
      'refused, nothing says QUIC',
      [hs('connection_refused', { sni: undefined })],
      [],
      'nothing answers QUIC on 127.0.0.1:443 (ICMP port unreachable), and nothing says the service speaks QUIC',
    ],
    [
      'refused, offered',
      [hs('connection_refused')],
      ['alt-svc'],
      `an ICMP port unreachable answered QUIC to ${at}; QUIC is offered (alt-svc); ` +
        'TLS over TCP is fine but QUIC fails: the QUIC filter (or UDP to this port blocked)',
    ],
    [
      'another failure',
      [hs('ssl_invalid_hostname', { stage: 'handshake' })],
      [],
      `the QUIC handshake with ${at} failed: ssl_invalid_hostname (ssl_invalid_hostname)`,
    ],
  ])('%s', (_name, checks, offered, reason) => {
    expect(classify(checks, offered).reason).toBe(reason);
  });

  it('one evidence line per handshake, then what QUIC against TCP says', () => {
    const got = classify(
      [
        decoy('generic_timeout_error'),
        hs('generic_timeout_error', { purpose: 'residual_check', shared_from: 't9', local_port: undefined }),
        hs(undefined, {
          cipher: 'TLS_AES_128_GCM_SHA256',
          duration_ms: 10.6,
          handshake_ms: 7,
          first_response_ms: 3,
        }),
      ],
      ['target'],
    );
    expect(got.evidence).toStrictEqual([
      'quic_handshake (decoy) 127.0.0.1:443 SNI www.example.org from port 50000: generic_timeout_error ' +
        '(generic_timeout_error); stage initial; 1 Initial(s) sent, 0 datagram(s) received; in 10 ms',
      'quic_handshake (residual check, made for t9) 127.0.0.1:443 SNI t.test: generic_timeout_error ' +
        '(generic_timeout_error); stage initial; 1 Initial(s) sent, 0 datagram(s) received; in 10 ms',
      'quic_handshake 127.0.0.1:443 SNI t.test from port 50000: complete, h3 TLS_AES_128_GCM_SHA256; ' +
        'stage complete; 1 Initial(s) sent, 3 datagram(s) received; in 11 ms',
    ]);
    expect(got.timings).toStrictEqual({ total_ms: 10.6, handshake_ms: 7, first_response_ms: 3 });
    expect(got).toMatchObject({ local_port: 50000, alpn: 'h3', offered: true });
    expect(got.failure).toBeUndefined();
  });

  it('a decoy that failed otherwise than the target says nothing of the address: unknown', () => {
    const got = classify([decoy('connection_refused'), hs('generic_timeout_error')], ['target']);
    expect(got['blocked-by']).toBe('unknown');
  });
});

describe('quicAgainstTcp', () => {
  const cases: Array<
    [
      string,
      {
        verdict: 'reachable' | 'timeout' | 'reset' | 'closed' | 'inconsistent';
        stage?: 'connect' | 'tls_handshake' | 'http_round_trip';
      },
      'reachable' | 'timeout' | 'reset' | 'closed' | 'not-offered',
      boolean | null,
      RegExp | undefined,
    ]
  > = [
    [
      'QUIC fails, TCP connect times out',
      { verdict: 'timeout', stage: 'connect' },
      'timeout',
      true,
      /IP block/,
    ],
    [
      'TLS reset, QUIC works',
      { verdict: 'reset', stage: 'tls_handshake' },
      'reachable',
      true,
      /TCP SNI filter alone/,
    ],
    ['TLS fine, QUIC fails', { verdict: 'reachable' }, 'timeout', true, /QUIC filter/],
    ['both blocked at TLS', { verdict: 'reset', stage: 'tls_handshake' }, 'timeout', true, /both/],
    ['QUIC timeout without evidence says nothing', { verdict: 'reachable' }, 'timeout', null, undefined],
    ['not offered says nothing', { verdict: 'timeout', stage: 'connect' }, 'not-offered', false, undefined],
    ['both fine', { verdict: 'reachable' }, 'reachable', true, undefined],
    // Every TCP verdict of a block counts, and every QUIC one; the stage decides what they say together.
    [
      'QUIC reset, TCP connect inconsistent',
      { verdict: 'inconsistent', stage: 'connect' },
      'reset',
      true,
      /IP block/,
    ],
    [
      'TLS closed, QUIC works',
      { verdict: 'closed', stage: 'tls_handshake' },
      'reachable',
      true,
      /SNI filter/,
    ],
    ['TLS fine, QUIC closed', { verdict: 'reachable' }, 'closed', true, /QUIC filter/],
    [
      'TLS inconsistent, QUIC reset',
      { verdict: 'inconsistent', stage: 'tls_handshake' },
      'reset',
      true,
      /both/,
    ],
    [
      'HTTP reset over TLS, QUIC works: not the SNI filter',
      { verdict: 'reset', stage: 'http_round_trip' },
      'reachable',
      true,
      undefined,
    ],
    [
      'HTTP reset, QUIC fails: nothing said',
      { verdict: 'reset', stage: 'http_round_trip' },
      'timeout',
      true,
      undefined,
    ],
    [
      'TCP connect times out, QUIC works',
      { verdict: 'timeout', stage: 'connect' },
      'reachable',
      true,
      undefined,
    ],
  ];
  it.each(cases)('%s', (_name, tcp, quic, offered, want) => {
    const got = quicAgainstTcp(tcp, quic, offered);
    if (want) expect(got).toMatch(want);
    else expect(got).toBeUndefined();
  });
});

describe('offeredBy', () => {
  const http = (altSvc?: string, purpose?: 'decoy'): HttpObservation =>
    ({
      check: 'http_round_trip',
      started_ms: 0,
      duration_ms: 1,
      url: 'https://t.test/',
      address: '127.0.0.1',
      port: 443,
      status: 200,
      body_bytes: 0,
      ...(purpose ? { purpose } : {}),
      ...(altSvc ? { headers: { 'alt-svc': altSvc } } : {}),
    }) as HttpObservation;
  it("the own answer's Alt-Svc offering h3, the target's quic: true, the helper", () => {
    expect(offeredBy(target, [http('h3=":443"; ma=86400')], false)).toEqual(['alt-svc']);
    expect(offeredBy(target, [http('h2=":443"')], false)).toEqual([]);
    expect(offeredBy(target, [http('h3=":443"', 'decoy')], false)).toEqual([]);
    expect(offeredBy({ ...target, quic: true }, [], true)).toEqual(['target', 'helper']);
  });
});
