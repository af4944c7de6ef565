import type { HttpObservation, TlsObservation } from '../model/observation.js';
import type { QuicObservation } from '../model/quic.js';
import type { Target } from '../model/target.js';

export type DecoyObservation = TlsObservation | HttpObservation;

/** The decoys kept apart on one IP:port: over TCP per scheme, and the QUIC handshake to the UDP port. */
export type DecoyKind = Exclude<Target['scheme'], 'tcp'> | 'quic';
export type DecoyOf<K extends DecoyKind> = K extends 'quic' ? QuicObservation : DecoyObservation;

interface Passed {
  /** When the decoy started: its age is counted from there. */
  at: number;
  /** The target the decoy was made for. */
  target: string;
  observation: DecoyObservation | QuicObservation;
}

const TCP_KINDS: DecoyKind[] = ['https', 'http'];
const QUIC_KINDS: DecoyKind[] = ['quic'];

const key = (endpoint: string, kind: DecoyKind) => `${kind} ${endpoint}`;

/**
 * Decoys that passed, per IP:port and scheme, kept for the targets measured there after them. One
 * innocuous check stands for every target on that IP:port within `maxAgeMs`, as Censored Planet's
 * Quack sends its controls per server rather than per test domain: with many names behind one
 * address (a CDN, a hosting provider), a decoy per target would double the handshakes and say
 * nothing new. Only a pass is kept, and any failure seen on the IP:port since voids it (`forget`).
 */
export class PassedDecoys {
  // Roughly in the order of age (an entry goes in once its target is done): the sweep in `record`
  // may leave an expired one behind a fresher one for a while, and `fresh` checks the age itself.
  private readonly passed = new Map<string, Passed>();

  constructor(private readonly maxAgeMs: number) {}

  /** A copy of the decoy that passed on the IP:port at most `maxAgeMs` before `now`, naming whose it was. */
  fresh<K extends DecoyKind>(endpoint: string, kind: K, now: number): DecoyOf<K> | undefined {
    const seen = this.passed.get(key(endpoint, kind));
    if (!seen || now - seen.at > this.maxAgeMs) return undefined;
    return { ...seen.observation, shared_from: seen.target } as DecoyOf<K>;
  }

  /** Keeps a decoy made at `at` for `target`, if it passed; one that failed voids what the IP:port had. */
  record<K extends DecoyKind>(
    endpoint: string,
    kind: K,
    target: string,
    observation: DecoyOf<K>,
    at: number,
    now: number,
  ) {
    if (observation.failure) return this.forget(endpoint, kind === 'quic' ? 'quic' : 'tcp');
    if (this.maxAgeMs <= 0) return;
    const k = key(endpoint, kind);
    this.passed.delete(k);
    this.passed.set(k, { at, target, observation });
    for (const [old, p] of this.passed) {
      if (now - p.at <= this.maxAgeMs) break;
      this.passed.delete(old);
    }
  }

  /**
   * Something failed on the IP:port: no decoy made there before stands for a later target. Over TCP
   * both schemes go; a QUIC failure voids the QUIC decoy only (a dropped UDP port says nothing of TCP).
   */
  forget(endpoint: string, over: 'tcp' | 'quic' = 'tcp') {
    for (const kind of over === 'quic' ? QUIC_KINDS : TCP_KINDS) this.passed.delete(key(endpoint, kind));
  }
}
