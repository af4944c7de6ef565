// Why received packets were not used, kept bounded: an endless or hostile answer must not grow it.
import type { IgnoredReason } from '../../model/quic.js';

export interface IgnoredPackets {
  /** Distinct reasons (the first of each kind) with how often each kind came, in the order first seen. */
  reasons: IgnoredReason[];
  /** All ignored packets or datagrams, those of reasons not kept included. */
  total: number;
}

const MAX_REASONS = 16;

/** Reasons that differ only in their numbers (lengths, packet numbers) count as one. */
const kind = (reason: string) => reason.replace(/0x[0-9a-f]+|\d+/gi, '#');

export class IgnoredLog {
  /** By kind: the first reason of the kind, as given, and how often the kind came. */
  private readonly kinds = new Map<string, IgnoredReason>();
  private total = 0;

  add(reason: string): void {
    this.total++;
    const seen = this.kinds.get(kind(reason));
    if (seen) seen.count++;
    else if (this.kinds.size < MAX_REASONS) this.kinds.set(kind(reason), { reason, count: 1 });
  }

  view(): IgnoredPackets {
    return { reasons: [...this.kinds.values()].map((k) => ({ ...k })), total: this.total };
  }
}
