import { describe, expect, it } from 'vitest';
import type { TlsObservation } from '../src/model/observation.js';
import { PassedDecoys } from '../src/run/decoys.js';

const handshake = (failed = false): TlsObservation => ({
  check: 'tls_handshake',
  purpose: 'decoy',
  address: '127.0.0.1',
  port: 443,
  sni: 'decoy.example',
  started_ms: 5,
  duration_ms: 2,
  ...(failed ? { failure: { failure: 'connection_reset', operation: 'tls_handshake', message: 'read ECONNRESET' } } : {}),
});

describe('PassedDecoys', () => {
  it('hands out a copy of a passed decoy, naming whose it was, for maxAgeMs and no longer', () => {
    const decoys = new PassedDecoys(10_000);
    const made = handshake();
    decoys.record('https 127.0.0.1:443', 'first', made, 1_000);
    expect(decoys.fresh('https 127.0.0.1:443', 11_000)).toEqual({ ...made, shared_from: 'first' });
    expect(made.shared_from).toBeUndefined(); // the first target's own result is left alone
    expect(decoys.fresh('https 127.0.0.1:443', 11_001)).toBeUndefined();
    expect(decoys.fresh('http 127.0.0.1:443', 2_000)).toBeUndefined();
  });

  it('never keeps a failed decoy, nor one whose IP:port was blocked since, nor any with maxAgeMs 0', () => {
    const decoys = new PassedDecoys(10_000);
    decoys.record('a', 'first', handshake(true), 0);
    expect(decoys.fresh('a', 1)).toBeUndefined();
    decoys.record('b', 'first', handshake(), 0);
    decoys.forget('b');
    expect(decoys.fresh('b', 1)).toBeUndefined();
    const never = new PassedDecoys(0);
    never.record('c', 'first', handshake(), 0);
    expect(never.fresh('c', 0)).toBeUndefined();
  });

  it('a newer decoy replaces an older one, and outlives the expired ones it sweeps', () => {
    const decoys = new PassedDecoys(100);
    decoys.record('a', 'first', handshake(), 0);
    decoys.record('b', 'second', handshake(), 50);
    decoys.record('a', 'third', handshake(), 90);
    decoys.record('c', 'fourth', handshake(), 180); // sweeps b (130 ms old), keeps a (90 ms)
    expect(decoys.fresh('a', 180)?.shared_from).toBe('third');
    expect(decoys.fresh('b', 150)).toBeUndefined();
  });
});
