// One packet number space (RFC 9000 §12.3) of the client: its keys each way, the numbers sent and
// received, and what is owed an ACK. Received numbers are kept bounded.
import { ackFrame } from './frames.js';
import type { PacketKeys } from './protection.js';

/** Received packet numbers remembered per space, for duplicates and ACKs; a handshake needs a few. */
const MAX_REMEMBERED = 64;

export class PacketSpace {
  private nextPn = 0;
  private readonly received = new Set<number>();
  largest = -1;
  ackPending = false;

  constructor(
    public send: PacketKeys,
    public receive: PacketKeys,
  ) {}

  takePn(): number {
    return this.nextPn++;
  }

  /** Whether the packet number is new (so the packet is processed); remembers it. */
  record(pn: number, ackEliciting: boolean): boolean {
    if (this.received.has(pn)) return false;
    if (this.received.size === MAX_REMEMBERED) this.received.delete(Math.min(...this.received));
    this.received.add(pn);
    this.largest = Math.max(this.largest, pn);
    if (ackEliciting) this.ackPending = true;
    return true;
  }

  seen(pn: number): boolean {
    return this.received.has(pn);
  }

  /** An ACK of what was received, or nothing when nothing was. */
  ack(): Buffer | undefined {
    this.ackPending = false;
    return this.received.size > 0 ? ackFrame(this.received) : undefined;
  }
}
