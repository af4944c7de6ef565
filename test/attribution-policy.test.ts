// The attribution policy (src/run/attribution.ts) on its own: which failures void the decoys and
// which leave a block the next targets are flagged for, over TCP and over QUIC; the decoy a turn
// makes, reuses or skips; the grace. The same rules through real sockets are in attribution.test.ts
// and quic/probe-quic.test.ts.
import { describe, expect, it } from 'vitest';
import { Stopwatch } from '../src/checks/stopwatch.js';
import type { Clock } from '../src/model/clock.js';
import type { FailureString } from '../src/model/failure.js';
import type { TlsObservation } from '../src/model/observation.js';
import type { QuicObservation } from '../src/model/quic.js';
import { decoyHandshake } from './helpers/quic-handshakes.js';
import type { Target } from '../src/model/target.js';
import { systemResolver } from '../src/net/resolve.js';
import { dialTcp } from '../src/net/tcp.js';
import {
  beginTurn,
  decoyGraceMs,
  decoyToMake,
  dialFailed,
  endTurn,
  holdEndpoint,
  isBlocking,
  lingers,
  residualOf,
  withinGrace,
  type Channel,
} from '../src/run/attribution.js';
import { Transactions, type ProbeContext } from '../src/run/context.js';
import { PassedDecoys } from '../src/run/decoys.js';
import { Blocks, EndpointLocks, RESIDUAL_WINDOW_MS } from '../src/run/locks.js';
import { DEFAULT_OPTIONS } from '../src/run/options.js';
import { Slots } from '../src/run/slots.js';

const AT = '127.0.0.1:443';
const DECOY = 'decoy.reachprobe.test';

/** A clock the test moves by hand. */
function handClock(): Clock & { t: number } {
  const clock = { t: 1000, now: () => clock.t, date: () => new Date(clock.t) };
  return clock;
}

/** A run's shared state, with this decoy name (null: --no-decoy). */
function context(decoyName: string | null = DECOY) {
  const clock = handClock();
  const ctx: ProbeContext = {
    env: { clock, resolver: systemResolver(), dial: dialTcp, ca: [], controls: [] },
    options: { ...DEFAULT_OPTIONS, decoyName: decoyName ?? undefined },
    locks: new EndpointLocks(),
    connections: new Slots(1),
    lookups: new Slots(1),
    blocks: new Blocks(),
    decoys: new PassedDecoys(10_000),
    watch: new Stopwatch(clock, 0),
    transactions: new Transactions(),
  };
  return { ctx, clock };
}

const target = (name: string): Target => ({
  name,
  service: 'Test',
  url: `https://${name}.test/`,
  scheme: 'https',
  host: `${name}.test`,
  port: 443,
  path: '/',
  tags: [],
  source: { file: 'test', line: 1 },
});

const tls = (failure?: FailureString): TlsObservation => ({
  check: 'tls_handshake',
  purpose: 'decoy',
  address: '127.0.0.1',
  port: 443,
  started_ms: 0,
  duration_ms: 1,
  ...(failure ? { failure: { failure, operation: 'tls_handshake', message: failure } } : {}),
});

/** A QUIC decoy that passed, as the QUIC step keeps it. */
const quic = (): QuicObservation => decoyHandshake();

const failed = (failure: FailureString | undefined) => (failure ? { failure } : undefined);

interface Row {
  failure: FailureString | undefined;
  blocking: boolean;
  tcpLingers: boolean;
  quicLingers: boolean;
}

// Over TCP every blocking failure lingers; over QUIC silence only.
const ROWS: Row[] = [
  { failure: undefined, blocking: false, tcpLingers: false, quicLingers: false },
  { failure: 'connection_reset', blocking: true, tcpLingers: true, quicLingers: false },
  { failure: 'eof_error', blocking: true, tcpLingers: true, quicLingers: false },
  { failure: 'generic_timeout_error', blocking: true, tcpLingers: true, quicLingers: true },
  { failure: 'connection_refused', blocking: true, tcpLingers: true, quicLingers: false },
  { failure: 'ssl_invalid_hostname', blocking: false, tcpLingers: false, quicLingers: false },
  { failure: 'ssl_failed_handshake', blocking: false, tcpLingers: false, quicLingers: false },
  { failure: 'http_protocol_error', blocking: false, tcpLingers: false, quicLingers: false },
  { failure: 'network_unreachable', blocking: false, tcpLingers: false, quicLingers: false },
];

describe('attribution rules', () => {
  it.each(ROWS)(
    '$failure: blocking $blocking, lingers over TCP $tcpLingers, over QUIC $quicLingers',
    (row) => {
      expect(isBlocking(failed(row.failure))).toBe(row.blocking);
      expect(lingers('tcp', failed(row.failure))).toBe(row.tcpLingers);
      expect(lingers('quic', failed(row.failure))).toBe(row.quicLingers);
    },
  );

  it.each([
    [10_000, 500],
    [5000, 250],
    [600, 30],
    [0, 0],
  ])('the grace of a %i ms deadline is %i ms (a twentieth)', (deadline, grace) => {
    expect(decoyGraceMs(deadline)).toBe(grace);
  });

  it('waits for the work at most the grace, and no longer than the work', async () => {
    const began = performance.now();
    await withinGrace(new Promise(() => {}), 200); // never settles: the grace (10 ms) ends the wait
    expect(performance.now() - began).toBeLessThan(150);
    let done = false;
    await withinGrace(
      new Promise((resolve) => setTimeout(() => resolve((done = true)), 5)),
      60_000, // a 3 s grace the work does not need
    );
    expect(done).toBe(true);
  });
});

describe('a turn on an endpoint', () => {
  it('makes a decoy where nothing happened lately, and keeps it once it passed', () => {
    const { ctx, clock } = context();
    const turn = beginTurn(ctx, AT, target('a'), 'https');
    expect(turn).toMatchObject({ decoyName: DECOY });
    expect(turn.residual).toBeUndefined();
    expect(decoyToMake(turn)).toBe(DECOY);
    clock.t += 5;
    expect(endTurn(ctx, turn, tls(), undefined)).toBe(false);
    expect(ctx.decoys.fresh(AT, 'https', clock.t)?.shared_from).toBe('a');
  });

  it('reuses the decoy another target made there lately, and makes none', () => {
    const { ctx, clock } = context();
    endTurn(ctx, beginTurn(ctx, AT, target('a'), 'https'), tls(), undefined);
    clock.t += 100;
    const turn = beginTurn(ctx, AT, target('b'), 'https');
    expect(turn.reused?.shared_from).toBe('a');
    expect(decoyToMake(turn)).toBeUndefined();
    expect(turn.decoyName).toBe(DECOY); // still the name a residual check would send
  });

  it('makes no decoy without a decoy name (--no-decoy)', () => {
    const { ctx } = context(null);
    const turn = beginTurn(ctx, AT, target('a'), 'https');
    expect([turn.decoyName, decoyToMake(turn)]).toEqual([undefined, undefined]);
  });

  it.each<[Channel, 'https' | 'quic', FailureString, boolean]>([
    ['tcp', 'https', 'connection_reset', true],
    ['tcp', 'https', 'generic_timeout_error', true],
    ['quic', 'quic', 'generic_timeout_error', true],
    ['quic', 'quic', 'connection_refused', false],
  ])(
    'over %s, a %s turn blocked by %s voids the decoys there; the next target is flagged: %s',
    (channel, kind, failure, flagged) => {
      const { ctx, clock } = context();
      const passed = kind === 'quic' ? quic() : tls();
      endTurn(ctx, beginTurn(ctx, AT, target('a'), kind), passed, undefined);
      clock.t += 10;
      const turn = beginTurn(ctx, AT, target('b'), kind);
      expect(endTurn(ctx, turn, undefined, { failure })).toBe(true);
      clock.t += 10;
      expect(ctx.decoys.fresh(AT, kind, clock.t)).toBeUndefined();
      const next = beginTurn(ctx, AT, target('c'), kind);
      expect(next.residual).toEqual(flagged ? { target: 'b', endpoint: AT, ago_ms: 10 } : undefined);
      // Flagged, it makes no decoy: one would only meet the lingering block.
      expect(decoyToMake(next)).toBe(flagged ? undefined : DECOY);
      expect(residualOf(ctx, channel, AT, target('c'))).toEqual(next.residual);
    },
  );

  it('a block over QUIC says nothing of TCP on the same address and port, and the reverse', () => {
    const { ctx, clock } = context();
    endTurn(ctx, beginTurn(ctx, AT, target('a'), 'https'), tls(), undefined);
    endTurn(ctx, beginTurn(ctx, AT, target('a'), 'quic'), quic(), undefined);
    endTurn(ctx, beginTurn(ctx, AT, target('b'), 'quic'), undefined, { failure: 'generic_timeout_error' });
    expect(beginTurn(ctx, AT, target('c'), 'https')).toMatchObject({ reused: { shared_from: 'a' } });
    expect(residualOf(ctx, 'tcp', AT, target('c'))).toBeUndefined();
    endTurn(ctx, beginTurn(ctx, AT, target('d'), 'https'), undefined, { failure: 'connection_reset' });
    clock.t += 1;
    expect(ctx.decoys.fresh(AT, 'https', clock.t)).toBeUndefined();
    expect(residualOf(ctx, 'quic', AT, target('e'))?.target).toBe('b'); // QUIC's own block, not d's
  });

  it('a failed decoy voids what the endpoint had; a failed dial voids the TCP decoys only', () => {
    const { ctx, clock } = context();
    endTurn(ctx, beginTurn(ctx, AT, target('a'), 'https'), tls(), undefined);
    endTurn(ctx, beginTurn(ctx, AT, target('b'), 'https'), tls('connection_reset'), undefined);
    expect(ctx.decoys.fresh(AT, 'https', clock.t)).toBeUndefined();
    endTurn(ctx, beginTurn(ctx, AT, target('c'), 'http'), tls(), undefined);
    endTurn(ctx, beginTurn(ctx, AT, target('c'), 'quic'), quic(), undefined);
    dialFailed(ctx, AT);
    expect([
      ctx.decoys.fresh(AT, 'http', clock.t),
      ctx.decoys.fresh(AT, 'quic', clock.t)?.shared_from,
    ]).toEqual([undefined, 'c']);
  });

  it('a block is flagged for the residual window only', () => {
    const { ctx, clock } = context();
    endTurn(ctx, beginTurn(ctx, AT, target('a'), 'https'), undefined, { failure: 'eof_error' });
    clock.t += RESIDUAL_WINDOW_MS + 1;
    expect(beginTurn(ctx, AT, target('b'), 'https')).toMatchObject({ decoyName: DECOY });
    expect(residualOf(ctx, 'tcp', AT, target('b'))).toBeUndefined();
  });

  it('holds the endpoint per channel: QUIC and TCP on one address and port do not wait for each other', async () => {
    const { ctx } = context();
    const tcp = await holdEndpoint(ctx, 'tcp', AT);
    const udp = await holdEndpoint(ctx, 'quic', AT); // would hang if keyed as TCP's
    let second = false;
    const next = holdEndpoint(ctx, 'tcp', AT).then((release) => ((second = true), release));
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(second).toBe(false);
    tcp();
    (await next)();
    udp();
    expect(ctx.locks.size).toBe(0);
  });
});
