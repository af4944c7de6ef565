import type { HttpObservation, TlsObservation } from '../model/observation.js';
import type { Target } from '../model/target.js';

export type DecoyObservation = TlsObservation | HttpObservation;

interface Passed {
  /** When the decoy started: its age is counted from there. */
  at: number;
  /** The target the decoy was made for. */
  target: string;
  observation: DecoyObservation;
}

const key = (endpoint: string, scheme: Target['scheme']) => `${scheme} ${endpoint}`;

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
  fresh(endpoint: string, scheme: Target['scheme'], now: number): DecoyObservation | undefined {
    const seen = this.passed.get(key(endpoint, scheme));
    if (!seen || now - seen.at > this.maxAgeMs) return undefined;
    return { ...seen.observation, shared_from: seen.target };
  }

  /** Keeps a decoy made at `at` for `target`, if it passed; one that failed voids what the IP:port had. */
  record(endpoint: string, scheme: Target['scheme'], target: string, observation: DecoyObservation, at: number, now: number) {
    if (observation.failure) return this.forget(endpoint);
    if (this.maxAgeMs <= 0) return;
    const k = key(endpoint, scheme);
    this.passed.delete(k);
    this.passed.set(k, { at, target, observation });
    for (const [old, p] of this.passed) {
      if (now - p.at <= this.maxAgeMs) break;
      this.passed.delete(old);
    }
  }

  /** Something failed on the IP:port: no decoy made there before stands for a later target. */
  forget(endpoint: string) {
    this.passed.delete(key(endpoint, 'https'));
    this.passed.delete(key(endpoint, 'http'));
  }
}
