// What a helper takes on at once. A token may have so many targets accepted (measuring or waiting
// in their request), a request of n targets measures min(n, concurrency) at once, and those slots,
// all tokens together, are capped: the descriptors the helper uses stay bounded by its limits.

/**
 * The most a helper's --transfer may be: whoever holds a token picks the URLs, so each target they send
 * may cost the helper this download (a busy server's bandwidth, not its memory: bodies stream past).
 */
export const MAX_HELPER_TRANSFER = 8 * 1024 * 1024;

export interface BudgetLimits {
  /** Targets accepted at once for one token, all its requests together. */
  perToken: number;
  /** Targets measured at once, all requests and tokens together. */
  atOnce: number;
  /** Targets of one request measured at once. */
  concurrency: number;
}

export type Refusal = { status: 429 | 503; message: string };

export class Budget {
  private readonly accepted = new Map<string, number>();
  private measuring = 0;

  constructor(private readonly limits: BudgetLimits) {}

  /** Room for a request of `targets` for `token` (release it when done), or why there is none now. */
  take(token: string, targets: number): { release: () => void } | Refusal {
    const { perToken, atOnce, concurrency } = this.limits;
    const mine = this.accepted.get(token) ?? 0;
    if (mine + targets > perToken) {
      const room = perToken - mine;
      return {
        status: 429,
        message:
          `at most ${perToken} targets under way for a token (${mine} now): ` +
          (room > 0 ? `send at most ${room} now, or wait for them` : 'wait for them to finish'),
      };
    }
    const slots = Math.min(targets, concurrency);
    if (this.measuring + slots > atOnce)
      return {
        status: 503,
        message: `the helper measures at most ${atOnce} targets at once (${this.measuring} now): try again shortly`,
      };
    this.accepted.set(token, mine + targets);
    this.measuring += slots;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.measuring -= slots;
        const left = (this.accepted.get(token) ?? 0) - targets;
        if (left > 0) this.accepted.set(token, left);
        else this.accepted.delete(token);
      },
    };
  }
}
