import { describe, expect, it } from 'vitest';
import type { TlsObservation } from '../src/model/observation.js';
import type { QuicObservation } from '../src/model/quic.js';
import { PassedDecoys } from '../src/run/decoys.js';

const handshake = (failed = false): TlsObservation => ({
  check: 'tls_handshake',
  purpose: 'decoy',
  address: '127.0.0.1',
  port: 443,
  sni: 'decoy.example',
  started_ms: 5,
  duration_ms: 2,
  ...(failed
    ? { failure: { failure: 'connection_reset', operation: 'tls_handshake', message: 'read ECONNRESET' } }
    : {}),
});

const quicHandshake = (): QuicObservation => ({
  check: 'quic_handshake',
  purpose: 'decoy',
  address: '127.0.0.1',
  port: 443,
  sni: 'decoy.example',
  stage: 'complete',
  retry: false,
  initials_sent: 1,
  datagrams_sent: 2,
  datagrams_received: 3,
  datagrams_unread: 0,
  bytes_received: 3000,
  ignored: [],
  ignored_total: 0,
  started_ms: 5,
  duration_ms: 2,
});

const AT = '127.0.0.1:443';

describe('PassedDecoys', () => {
  it('hands out a copy of a passed decoy, naming whose it was, for maxAgeMs and no longer', () => {
    const decoys = new PassedDecoys(10_000);
    const made = handshake();
    decoys.record(AT, 'https', 'first', made, 1_000, 1_050);
    expect(decoys.fresh(AT, 'https', 11_000)).toEqual({ ...made, shared_from: 'first' });
    expect(made.shared_from).toBeUndefined(); // the first target's own result is left alone
    expect(decoys.fresh(AT, 'https', 11_001)).toBeUndefined();
    expect(decoys.fresh('127.0.0.2:443', 'https', 2_000)).toBeUndefined();
  });

  it('a TLS decoy does not stand for a plain-HTTP target on the same IP:port, nor for QUIC, nor the reverse', () => {
    const decoys = new PassedDecoys(10_000);
    decoys.record(AT, 'https', 'first', handshake(), 0, 0);
    expect(decoys.fresh(AT, 'http', 1)).toBeUndefined();
    expect(decoys.fresh(AT, 'quic', 1)).toBeUndefined();
    expect(decoys.fresh(AT, 'https', 1)).toBeDefined();
  });

  it(
    'never keeps a failed decoy, nor any with maxAgeMs 0; a failure over TCP voids both schemes, one ' +
      'over QUIC the QUIC decoy only',
    () => {
      const decoys = new PassedDecoys(10_000);
      decoys.record(AT, 'https', 'first', handshake(true), 0, 0);
      expect(decoys.fresh(AT, 'https', 1)).toBeUndefined();
      decoys.record(AT, 'https', 'first', handshake(), 0, 0);
      decoys.record(AT, 'http', 'second', handshake(), 0, 0);
      decoys.record(AT, 'quic', 'third', quicHandshake(), 0, 0);
      expect(decoys.fresh(AT, 'quic', 1)?.shared_from).toBe('third');
      decoys.forget(AT, 'quic');
      expect(decoys.fresh(AT, 'quic', 1)).toBeUndefined();
      expect(decoys.fresh(AT, 'https', 1)?.shared_from).toBe('first'); // a dropped UDP port says nothing of TCP
      decoys.record(AT, 'quic', 'third', quicHandshake(), 0, 0);
      decoys.forget(AT);
      expect([decoys.fresh(AT, 'https', 1), decoys.fresh(AT, 'http', 1)]).toEqual([undefined, undefined]);
      expect(decoys.fresh(AT, 'quic', 1)?.shared_from).toBe('third');
      decoys.record(AT, 'https', 'fourth', handshake(), 0, 0);
      decoys.record(
        AT,
        'quic',
        'fifth',
        {
          ...quicHandshake(),
          failure: { failure: 'generic_timeout_error', operation: 'quic_handshake', message: 'x' },
        },
        0,
        0,
      );
      expect([decoys.fresh(AT, 'https', 1)?.shared_from, decoys.fresh(AT, 'quic', 1)]).toEqual([
        'fourth',
        undefined,
      ]);
      const never = new PassedDecoys(0);
      never.record(AT, 'https', 'first', handshake(), 0, 0);
      expect(never.fresh(AT, 'https', 0)).toBeUndefined();
    },
  );

  it('a newer decoy replaces an older one, and outlives the expired ones it sweeps', () => {
    const decoys = new PassedDecoys(100);
    decoys.record('a', 'https', 'first', handshake(), 0, 0);
    decoys.record('b', 'https', 'second', handshake(), 50, 50);
    decoys.record('a', 'https', 'third', handshake(), 90, 90);
    decoys.record('c', 'https', 'fourth', handshake(), 180, 180); // sweeps b (130 ms old), keeps a (90 ms)
    expect(decoys.fresh('a', 'https', 180)?.shared_from).toBe('third');
    expect(decoys.fresh('b', 'https', 150)).toBeUndefined(); // 100 ms old: only the sweep removed it
  });
});
