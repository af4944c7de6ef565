// What every step of a target's measurement is handed: the run's environment and options, and the
// state the targets of one run share (the per-IP:port locks, the recent blocks, the decoys that
// passed). Its own module so that the TCP chain (probe.ts) and the QUIC step (quic.ts), which both
// read it, need not import each other.
import type { Stopwatch } from '../checks/stopwatch.js';
import type { PassedDecoys } from './decoys.js';
import type { Blocks, EndpointLocks } from './locks.js';
import type { ProbeEnv, ProbeOptions } from './options.js';
import type { Slots } from './slots.js';

export interface ProbeContext {
  env: ProbeEnv;
  options: ProbeOptions;
  locks: EndpointLocks;
  /** The run's connection slots (--concurrency): a target's DNS runs before it takes one. */
  connections: Slots;
  /** The run's lookup slots (--concurrency): one per lookup outstanding. */
  lookups: Slots;
  /** Where earlier targets of the run were blocked. */
  blocks: Blocks;
  /** Decoys that passed lately, reused by the next targets on the same IP:port. */
  decoys: PassedDecoys;
  watch: Stopwatch;
  /** Aborted when the run is given up: every connection and handshake still open is closed. */
  cancel?: AbortSignal;
  transactions: Transactions;
}

/**
 * Numbers the connections of a run (OONI's transaction ids): the connect, TLS and HTTP observations
 * of one connection, or a QUIC handshake, carry its number, so results join them by it.
 */
export class Transactions {
  private last = 0;

  next(): number {
    return ++this.last;
  }
}

/** Another target was blocked on the same endpoint shortly before: a failure here may be its echo. */
export interface Residual {
  target: string;
  endpoint: string;
  ago_ms: number;
}
