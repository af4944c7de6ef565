import { randomBytes } from 'node:crypto';
import type net from 'node:net';
import { buildHelper, DEFAULT_LIMITS } from '../helper/server.js';
import { blockListOf, hostPort, type DnsServer } from '../model/addresses.js';
import { systemClock } from '../model/clock.js';
import { serverResolver } from '../net/resolve.js';
import { dialerFrom, type Dialer } from '../net/tcp.js';
import { helperOptions } from '../helper/measure.js';
import { Tokens } from '../helper/tokens.js';
import { DEFAULT_OPTIONS, type StageTimeouts } from '../run/options.js';
import { CERTS, MOCK_CA } from './certs.js';
import { ABROAD, HOST, MOCK_ADDRESSES, type Listening } from './tcp-servers.js';

// The mock network's view from abroad: a `reachprobe helper` (the same server, in this process)
// that resolves with a resolver of its own (the true answers) and connects from ABROAD, where the
// censor's filters do not apply. What a userland server cannot do by source address (drop a SYN,
// refuse a port) the censor does to one listener; the helper's dials to it reach its twin, which
// behaves as the server does from abroad.

export interface MockHelper extends Listening {
  url: string;
  token: string;
}

/** Dials from ABROAD; an IP:port the censor blocks in the kernel is dialled at its twin's port. */
function dialAbroad(twins: Map<string, number>): Dialer {
  const dial = dialerFrom(ABROAD);
  return (address, port, timeoutMs, cancel) =>
    dial(address, twins.get(hostPort(address, port)) ?? port, timeoutMs, cancel);
}

export async function startMockHelper(
  resolver: DnsServer,
  twins: Map<string, number>,
  timeouts: StageTimeouts,
): Promise<MockHelper> {
  const token = randomBytes(24).toString('hex');
  const options = helperOptions({
    ...DEFAULT_OPTIONS,
    timeouts,
    quicTimeoutMs: timeouts.connect,
    allowedAnswers: blockListOf([MOCK_ADDRESSES]),
  });
  const env = {
    clock: systemClock,
    resolver: serverResolver(resolver),
    dial: dialAbroad(twins),
    udpSource: ABROAD,
    ca: [MOCK_CA],
    controls: [],
  };
  const app = await buildHelper({
    tokens: new Tokens([token]),
    tls: CERTS.good,
    basePath: '',
    limits: DEFAULT_LIMITS,
    options,
    env,
    log: () => {},
  });
  await app.listen({ host: HOST, port: 0 });
  const { port } = app.server.address() as net.AddressInfo;
  return { address: HOST, port, url: `https://${HOST}:${port}`, token, close: () => app.close() };
}
