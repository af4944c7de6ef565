// The QUIC dial's own I/O edges on loopback: a run given up before or during the handshake, a port
// the socket refuses, and the listener it leaves on a run's shared abort signal.
import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { dialQuic } from '../../src/net/quic/dial.js';
import { peer, type Peer } from './peer.js';

let current: Peer | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

const dial = (port: number, cancel?: AbortSignal, timeoutMs = 2000) =>
  dialQuic({ address: '127.0.0.1', port, host: 'localhost', verify: true, timeoutMs, cancel });

describe('the QUIC dial, given up or refused', () => {
  it('sends nothing for a run already given up', async () => {
    current = await peer(() => {});
    const result = await dial(current.port, AbortSignal.abort());
    expect(result.failure?.message).toBe('cancelled');
    expect([result.datagramsSent, current.received.length]).toEqual([0, 0]);
  });

  it('ends at once when the run is given up mid-handshake, and leaves no listener on its signal', async () => {
    const run = new AbortController();
    current = await peer(() => run.abort());
    const began = performance.now();
    const result = await dial(current.port, run.signal);
    expect(result.failure?.message).toBe('cancelled: the run was given up');
    expect(performance.now() - began).toBeLessThan(1000);
    const shared = new AbortController();
    const done = await dial(current.port, shared.signal, 200);
    expect(done.failure?.failure).toBe('generic_timeout_error');
    await new Promise((r) => setTimeout(r, 20)); // the socket closes after the CONNECTION_CLOSE is sent
    expect(getEventListeners(shared.signal, 'abort')).toHaveLength(0);
  });

  it('turns a port the socket refuses into a failure, not an exception', async () => {
    const result = await dial(70000);
    expect(result.failure?.message).toMatch(/Port should be > 0 and < 65536/);
    expect(result.datagramsSent).toBe(0);
  });
});
