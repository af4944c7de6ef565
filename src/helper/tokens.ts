import { createHash, timingSafeEqual } from 'node:crypto';

// The helper's bearer tokens: compared in constant time (hashes of equal length, every token tried
// whatever matched), and replaced whole when the operator reloads the token file.

const digest = (text: string) => createHash('sha256').update(text).digest();

/** A token as the log may name it: a prefix of its hash, enough to tell tokens apart, useless to guess one. */
export const tokenLabel = (token: string) => digest(token).toString('hex').slice(0, 8);

export class Tokens {
  private digests: Buffer[] = [];

  constructor(tokens: string[]) {
    this.replace(tokens);
  }

  get count(): number {
    return this.digests.length;
  }

  replace(tokens: string[]): void {
    this.digests = tokens.map(digest);
  }

  /** Whether `token` is one of ours; how long it takes says nothing about which, or how close. */
  has(token: string): boolean {
    const given = digest(token);
    let found = false;
    for (const d of this.digests) found = timingSafeEqual(given, d) || found;
    return found;
  }
}
