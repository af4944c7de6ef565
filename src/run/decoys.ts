import type { HttpObservation, TlsObservation } from '../model/observation.js';

export type DecoyObservation = TlsObservation | HttpObservation;

interface Passed {
  at: number;
  /** The target the decoy was made for. */
  target: string;
  observation: DecoyObservation;
}

/**
 * Decoys that passed, per scheme and IP:port, kept for the targets measured there after them. One
 * innocuous check stands for every target on that IP:port within `maxAgeMs`, as Censored Planet's
 * Quack sends its controls per server rather than per test domain: with many names behind one
 * address (a CDN, a hosting provider), a decoy per target would double the handshakes and say
 * nothing new. A block seen there voids it (`forget`): only a pass is ever reused.
 */
export class PassedDecoys {
  // In the order they were recorded, hence of age: expired ones are dropped from the front.
  private readonly passed = new Map<string, Passed>();

  constructor(private readonly maxAgeMs: number) {}

  /** A copy of the decoy that passed on `key` at most `maxAgeMs` before `now`, naming whose it was. */
  fresh(key: string, now: number): DecoyObservation | undefined {
    const seen = this.passed.get(key);
    if (!seen || now - seen.at > this.maxAgeMs) return undefined;
    return { ...seen.observation, shared_from: seen.target };
  }

  record(key: string, target: string, observation: DecoyObservation, now: number) {
    if (this.maxAgeMs <= 0 || observation.failure) return;
    this.passed.delete(key);
    this.passed.set(key, { at: now, target, observation });
    for (const [k, p] of this.passed) {
      if (now - p.at <= this.maxAgeMs) break;
      this.passed.delete(k);
    }
  }

  forget(key: string) {
    this.passed.delete(key);
  }
}
