// Reassembly of one encryption level's CRYPTO stream (RFC 9000 §19.6, §7.5): fragments may arrive
// out of order, repeated or overlapping. What is buffered ahead of the delivered bytes is capped, so
// a peer cannot make us hold more than `cap` bytes per level.

export class CryptoStream {
  /** Bytes delivered so far: the offset the next delivered byte has. */
  private delivered = 0;
  private readonly pending = new Map<number, Buffer>();
  private buffered = 0;

  constructor(private readonly cap: number) {}

  /** Adds a fragment; returns the bytes that have become contiguous (maybe none), or why it was refused. */
  push(offset: number, data: Buffer): { ok: true; data: Buffer } | { ok: false; reason: string } {
    const end = offset + data.length;
    if (end > this.delivered + this.cap)
      return { ok: false, reason: `CRYPTO data ends at ${end}, beyond the ${this.cap}-byte buffer` };
    // A repeat (ending at or before what was delivered) leaves an empty fragment, drained at once.
    const start = Math.max(offset, this.delivered);
    const fragment = data.subarray(start - offset);
    const held = this.pending.get(start);
    if (!held || held.length < fragment.length) {
      this.buffered += fragment.length - (held?.length ?? 0);
      this.pending.set(start, fragment);
    }
    if (this.buffered > this.cap)
      return { ok: false, reason: `more than ${this.cap} bytes of CRYPTO data held out of order` };
    return { ok: true, data: this.drain() };
  }

  private drain(): Buffer {
    const out: Buffer[] = [];
    for (let progress = true; progress;) {
      progress = false;
      for (const [start, fragment] of this.pending) {
        if (start > this.delivered) continue;
        this.pending.delete(start);
        this.buffered -= fragment.length;
        const end = start + fragment.length;
        if (end > this.delivered) {
          out.push(fragment.subarray(this.delivered - start));
          this.delivered = end;
        }
        progress = true;
      }
    }
    return Buffer.concat(out);
  }
}
