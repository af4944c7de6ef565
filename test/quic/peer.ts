// A loopback UDP peer for the QUIC dial tests: it answers the client's datagrams as a test tells it,
// and can forge server Initials, which anyone on the path can (their keys derive from the client's
// Destination Connection ID), as a censor could.
import dgram from 'node:dgram';
import { initialKeys } from '../../src/net/quic/initial.js';
import { parseHeader, sealLong } from '../../src/net/quic/packet.js';

export interface Peer {
  port: number;
  /** Datagrams received from the client. */
  received: Buffer[];
  close(): Promise<void>;
}

/** How the peer answers a client datagram; `first` is the client's first, whose IDs key the Initials. */
export type Answer = (datagram: Buffer, reply: (bytes: Buffer) => void, first: Buffer) => void;

export async function peer(answer: Answer): Promise<Peer> {
  const socket = dgram.createSocket('udp4');
  const received: Buffer[] = [];
  socket.on('message', (msg, from) => {
    received.push(msg);
    answer(msg, (bytes) => socket.send(bytes, from.port, from.address), received[0]!);
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  return { port: socket.address().port, received, close: () => new Promise((r) => socket.close(() => r())) };
}

/**
 * Sends `count` datagrams made by `make`, a few per turn of the event loop: a burst of hundreds would
 * overflow the receiver's socket buffer, and the kernel, not the code under test, would drop them.
 * setImmediate, not a timer: the receiver reads between batches, and a loaded machine's timers
 * (often 10 ms late) do not stretch the flood past the dial's deadline.
 */
export function flood(reply: (bytes: Buffer) => void, make: (i: number) => Buffer, count: number): void {
  let i = 0;
  const batch = () => {
    for (const end = Math.min(count, i + 10); i < end; i++) reply(make(i));
    if (i < count) setImmediate(batch);
  };
  batch();
}

/** The connection IDs of a client Initial: the one it chose for the server (dcid) and its own (scid). */
export function clientIds(datagram: Buffer): { dcid: Buffer; scid: Buffer } {
  const parsed = parseHeader(datagram, 0, 0);
  if (!parsed.ok || parsed.value.form !== 'long') throw new Error('not a client Initial');
  return { dcid: parsed.value.dcid, scid: parsed.value.scid };
}

export const SERVER_CID = Buffer.from('5e7e5e7e5e7e5e7e', 'hex');

/** A server Initial with these frames, sealed with the keys of the client's Initial. */
export function forgedInitial(
  clientDatagram: Buffer,
  frames: Buffer,
  opts: { pn?: number; dcid?: Buffer } = {},
): Buffer {
  const ids = clientIds(clientDatagram);
  const payload = frames.length < 20 ? Buffer.concat([frames, Buffer.alloc(20 - frames.length)]) : frames;
  return sealLong(
    initialKeys(ids.dcid).server,
    { type: 'initial', dcid: opts.dcid ?? ids.scid, scid: SERVER_CID },
    opts.pn ?? 0,
    payload,
  );
}
