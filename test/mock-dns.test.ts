import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../src/model/clock.js';
import { queryUdp } from '../src/net/dns-udp.js';
import { startDnsServer, type MockDnsServer } from '../src/mock/dns-server.js';

// The mock DNS server runs in this process, so the test can stall its event loop as a loaded
// machine would. Loopback only.

let server: MockDnsServer | undefined;
afterEach(async () => server?.close());

const busy = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until);
};
const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('mock DNS server', () => {
  it('sends racing replies in the order of their delays even when its event loop stalls', async () => {
    // The injector's answer first, the real one 20 ms later, as in the benchmark's poisoned targets.
    server = await startDnsServer({
      'race.reachprobe.test': [{ answer: ['127.0.0.66'] }, { answer: ['127.0.0.1'], delayMs: 20 }],
    });
    const ask = () =>
      queryUdp({
        server: { address: server!.address, port: server!.port },
        name: 'race.reachprobe.test',
        type: 'A',
        timeoutMs: 3000,
        windowMs: 60,
        clock: systemClock,
      });
    const firsts: string[] = [];
    // A query whose real answer is due in about 20 ms, a second one just before it is, then a stall:
    // once both real answers are overdue, Node runs the 20 ms timers before the second's 1 ms one.
    for (let k = 0; k < 24; k++) {
      const seen = server.queries.length;
      const first = ask();
      while (server.queries.length === seen) await turn();
      busy(18 + (k % 4) * 0.5);
      const second = ask();
      setImmediate(() => busy(30));
      const [, raced] = await Promise.all([first, second]);
      firsts.push(raced.replies[0]?.addresses.join() ?? 'none');
    }
    expect(firsts).toEqual(firsts.map(() => '127.0.0.66'));
  });
});
