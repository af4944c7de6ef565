// Why received packets were not used, kept bounded: an endless or hostile answer must not grow it.

export interface IgnoredPackets {
  /** Distinct reasons with how often each came, in the order first seen. */
  reasons: Array<{ reason: string; count: number }>;
  /** All ignored packets or datagrams, those of reasons not kept included. */
  total: number;
}

const MAX_REASONS = 16;

export class IgnoredLog {
  private readonly counts = new Map<string, number>();
  private total = 0;

  add(reason: string): void {
    this.total++;
    const count = this.counts.get(reason);
    if (count !== undefined) this.counts.set(reason, count + 1);
    else if (this.counts.size < MAX_REASONS) this.counts.set(reason, 1);
  }

  view(): IgnoredPackets {
    return { reasons: [...this.counts].map(([reason, count]) => ({ reason, count })), total: this.total };
  }
}
