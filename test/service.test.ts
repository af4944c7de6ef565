import { describe, expect, it } from 'vitest';
import {
  blockHow,
  endpointState,
  LISTED_SINGLES,
  newServiceTally,
  ServiceTallies,
  servicesOf,
  serviceVerdict,
  tallyEndpoint,
  type EndpointResult,
} from '../src/classify/service.js';

const ep = (name: string, verdict: EndpointResult['verdict'], more: Partial<EndpointResult> = {}) =>
  ({ name, service: 'LINE', verdict, blocking: null, ...more }) as EndpointResult;

describe('what one endpoint says about its service', () => {
  it.each([
    ['reachable', null, 'works'],
    ['connected', null, 'works'],
    ['reset', null, 'blocked'],
    ['dns-poisoned', null, 'blocked'],
    ['http-diff', null, 'blocked'],
    ['throttled', null, 'throttled'],
    ['down', false, 'down'],
    // the helper met the same failure abroad: the server's fault, not a block
    ['cert-invalid', false, 'down'],
    ['reset', 'tcp_ip', 'blocked'],
    // a name that does not exist, or a resolver that fails, is a censor's only with a control
    ['dns-nxdomain', null, 'unknown'],
    ['dns-failure', null, 'unknown'],
    ['dns-nxdomain', 'dns', 'blocked'],
    ['vantage-offline', null, 'unknown'],
    ['unreachable', null, 'unknown'],
    ['error', null, 'unknown'],
    // a report written before the helper's keys: no blocking at all reads as no control
    ['dns-nxdomain', undefined, 'unknown'],
    ['reset', undefined, 'blocked'],
  ] as const)('%s with blocking %s: %s', (verdict, blocking, state) => {
    expect(endpointState(ep('x', verdict, { blocking }))).toBe(state);
  });

  it('says what a block is keyed on', () => {
    expect(blockHow(ep('x', 'reset', { 'blocked-by': 'sni' }))).toBe('reset by SNI');
    expect(blockHow(ep('x', 'timeout', { 'blocked-by': 'ip' }))).toBe('timeout by address');
    expect(blockHow(ep('x', 'reset', { 'blocked-by': 'host' }))).toBe('reset by Host');
    expect(blockHow(ep('x', 'reset', { 'blocked-by': 'unknown' }))).toBe('reset');
    expect(blockHow(ep('x', 'dns-poisoned'))).toBe('dns-poisoned');
  });
});

const verdictOf = (...endpoints: EndpointResult[]) => {
  const tally = newServiceTally('LINE');
  for (const e of endpoints) tallyEndpoint(tally, e);
  return serviceVerdict(tally);
};

describe('a service verdict from its endpoints', () => {
  const ok = (n: string, more?: Partial<EndpointResult>) => ep(n, 'reachable', more);
  const rst = (n: string, more?: Partial<EndpointResult>) => ep(n, 'reset', { 'blocked-by': 'sni', ...more });
  const slow = (n: string, more?: Partial<EndpointResult>) => ep(n, 'throttled', more);

  it.each([
    ['every endpoint works', [ok('a'), ok('b')], 'usable'],
    ['one endpoint blocked beside working ones', [ok('a'), rst('b')], 'partly blocked'],
    ['every endpoint blocked', [rst('a'), ep('b', 'dns-poisoned')], 'blocked'],
    ['blocked and throttled, none works', [rst('a'), slow('b')], 'blocked'],
    ['throttled and nothing else', [slow('a'), slow('b')], 'throttled'],
    ['throttled beside working ones', [ok('a'), slow('b')], 'partly blocked'],
    ['down everywhere', [ep('a', 'down', { blocking: false }), ep('b', 'down', { blocking: false })], 'down'],
    ['works where it is not down', [ok('a'), ep('b', 'down', { blocking: false })], 'usable'],
    ['blocked where it is not down', [rst('a'), ep('b', 'down', { blocking: false })], 'blocked'],
    ['no evidence', [ep('a', 'vantage-offline'), ep('b', 'unreachable')], 'unknown'],
    ['no evidence but one block', [ep('a', 'vantage-offline'), rst('b')], 'blocked'],
    ['nothing measured', [], 'unknown'],
    [
      'the essential endpoint down, another blocked',
      [ep('a', 'down', { blocking: false, essential: true }), rst('b')],
      'partly blocked',
    ],
    [
      'the essential endpoint gave no evidence, another works',
      [ep('a', 'vantage-offline', { essential: true }), ok('b')],
      'usable',
    ],
  ] as const)('%s: %s', (_, endpoints, state) => {
    expect(verdictOf(...endpoints).state).toBe(state);
  });

  it('essential endpoints decide: chat works, adding friends does not', () => {
    const chat = ok('line-legy', { essential: true });
    const friends = rst('line-friends', { essential: true });
    const web = ok('line-www');
    expect(verdictOf(chat, friends, web).state).toBe('partly blocked');
    // every essential endpoint blocked: blocked, whatever the others do
    expect(verdictOf(rst('a', { essential: true }), rst('b', { essential: true }), web).state).toBe(
      'blocked',
    );
    // a non-essential endpoint blocked alone leaves the service partly blocked, never blocked
    expect(verdictOf(ok('a', { essential: true }), rst('b')).state).toBe('partly blocked');
    const v = verdictOf(chat, friends, web);
    expect(v.essential).toBe(2);
    expect(v.endpoints).toBe(3);
  });

  it('names how and where, most frequent first, and counts the rest', () => {
    const v = verdictOf(
      ep('a', 'dns-poisoned'),
      rst('b'),
      rst('c'),
      rst('d'),
      rst('e'),
      rst('f'),
      rst('g'),
      ok('h'),
    );
    expect(v.how).toEqual(['reset by SNI', 'dns-poisoned']);
    expect(v.blocked_endpoints).toHaveLength(5);
    expect(v.blocked_endpoints[0]).toBe('a (dns-poisoned)');
    expect(v.counts).toEqual({ works: 1, blocked: 7 });
    expect(v.reason).toBe(
      '7 of 8 endpoints blocked (a (dns-poisoned), b (reset by SNI), c (reset by SNI), d (reset by SNI), ' +
        'e (reset by SNI), …), 1 work',
    );
  });

  it('names five blocked endpoints without "…" when there are exactly five', () => {
    const v = verdictOf(rst('a'), rst('b'), rst('c'), rst('d'), rst('e'), ok('f'));
    expect(v.reason).toBe(
      '5 of 6 endpoints blocked (a (reset by SNI), b (reset by SNI), c (reset by SNI), d (reset by SNI), ' +
        'e (reset by SNI)), 1 work',
    );
  });

  it('a usable service names no block', () => {
    const v = verdictOf(ok('a'), ep('b', 'down', { blocking: false }));
    expect([v.how, v.blocked_endpoints]).toEqual([[], []]);
  });

  it('a service of controls is a control too', () => {
    expect(verdictOf(ok('a', { role: 'control-domestic' })).role).toBe('control-domestic');
    expect(verdictOf(ok('a', { role: 'control-domestic' }), ok('b')).role).toBeUndefined();
  });

  // The reason is what the services table prints: each state's, word for word.
  it.each([
    ['every endpoint that gave evidence works (2 of 3)', [ok('a'), ok('b'), ep('c', 'error')]],
    ['works; 1 of 2 endpoints fail from abroad too (down, not censorship)', [ok('a'), ep('b', 'down')]],
    [
      'no endpoint that gave evidence works: reset by SNI, dns-poisoned',
      [rst('a'), rst('b'), ep('c', 'dns-poisoned')],
    ],
    [
      'no essential endpoint that gave evidence works: reset by SNI',
      [rst('a', { essential: true }), ok('b')],
    ],
    ['no endpoint works at full speed: throttled', [slow('a')]],
    [
      'no endpoint works at full speed: throttled by SNI, throttled by address',
      [slow('a', { 'blocked-by': 'sni' }), slow('b', { 'blocked-by': 'ip' })],
    ],
    ['1 of 2 endpoints blocked (b (throttled)), 1 work', [ok('a'), slow('b')]],
    ['every endpoint that gave evidence fails from abroad too: down, not censorship', [ep('a', 'down')]],
    [
      'no endpoint gave evidence either way (offline vantage point, local failures, or no control)',
      [ep('a', 'dns-failure')],
    ],
  ] as const)('says %s', (reason, endpoints) => {
    expect(verdictOf(...endpoints).reason).toBe(reason);
  });

  it('one verdict per service, in the order services first appear, each with its counts', () => {
    const line = (n: string, v: EndpointResult['verdict']) => ep(n, v);
    const wa = (n: string, v: EndpointResult['verdict']) => ep(n, v, { service: 'WhatsApp' });
    const verdicts = servicesOf([wa('w1', 'reachable'), line('l1', 'reset'), wa('w2', 'reachable')]);
    expect(verdicts.map((v) => [v.service, v.state, v.endpoints, v.counts])).toStrictEqual([
      ['WhatsApp', 'usable', 2, { works: 2 }],
      ['LINE', 'blocked', 1, { blocked: 1 }],
    ]);
    expect(verdicts[1]).toMatchObject({ essential: 0, how: ['reset'], blocked_endpoints: ['l1 (reset)'] });
  });
});

describe('the services a run lists', () => {
  const on = (service: string, name: string, verdict: EndpointResult['verdict']) =>
    ({ name, service, verdict, blocking: null }) as EndpointResult;
  /** A URL list's hosts: `n` services of one target each, every `usable`-th of them working. */
  const hosts = (n: number, usable: number) =>
    Array.from({ length: n }, (_, i) => on(`h${i}`, `t${i}`, i % usable === 0 ? 'connected' : 'reset'));
  const tallied = (results: EndpointResult[]) => {
    const tallies = new ServiceTallies(results);
    for (const r of results) tallies.add(r);
    return { listed: tallies.verdicts(), unlisted: tallies.unlistedServices() };
  };

  it('lists every service while the single-target ones are few enough', () => {
    const results = [...hosts(LISTED_SINGLES, 2), on('LINE', 'a', 'reset'), on('LINE', 'b', 'connected')];
    const { listed, unlisted } = tallied(results);
    expect(listed).toHaveLength(LISTED_SINGLES + 1);
    expect(listed[0]).toMatchObject({ service: 'h0', state: 'usable' });
    expect(unlisted).toBeUndefined();
  });

  it('past the limit: every grouped service, the first single ones not usable, the rest counted', () => {
    const many = hosts(3 * LISTED_SINGLES, 3);
    const grouped = [on('LINE', 'a', 'connected'), on('LINE', 'b', 'connected')];
    const results = [many[0]!, ...grouped, ...many.slice(1)];
    const { listed, unlisted } = tallied(results);
    // LINE works, and is listed as a service of two targets; h0 works, and is not.
    expect(listed.map((v) => v.service).slice(0, 3)).toEqual(['LINE', 'h1', 'h2']);
    expect(listed).toHaveLength(1 + LISTED_SINGLES);
    expect(listed.slice(1).every((v) => v.state === 'blocked' && v.endpoints === 1)).toBe(true);
    expect(listed.at(-1)!.service).toBe(`h${1.5 * LISTED_SINGLES - 1}`);
    expect(unlisted).toEqual({
      services: 2 * LISTED_SINGLES,
      states: { usable: LISTED_SINGLES, blocked: LISTED_SINGLES },
    });
  });

  it("without the run's targets (a report read back), lists every service", () => {
    const tallies = new ServiceTallies();
    for (const r of hosts(2 * LISTED_SINGLES, 2)) tallies.add(r);
    expect(tallies.verdicts()).toHaveLength(2 * LISTED_SINGLES);
    expect(tallies.unlistedServices()).toBeUndefined();
  });
});
