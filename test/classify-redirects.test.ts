// Pure: a redirect chain's hops into the target's one verdict (src/classify/redirects.ts). The first
// failing hop speaks, naming its host; a chain that cannot end is an http-failure; else the last page.
import { describe, expect, it } from 'vitest';
import { classifyChain, type ChainEnd, type ClassifiedHop } from '../src/classify/redirects.js';
import type { Target } from '../src/model/target.js';
import type { Verdict } from '../src/model/verdict.js';

const page = (host: string): Target => ({
  name: host,
  service: 'S',
  url: `https://${host}/`,
  scheme: 'https',
  host,
  port: 443,
  path: '/',
  tags: [],
  source: { file: 'targets/test.yaml', line: 1 },
});
const start = page('a.example');
const reached = (reason: string): Verdict => ({ verdict: 'reachable', reason, evidence: [`${reason} seen`] });
const reset: Verdict = {
  verdict: 'reset',
  stage: 'tls_handshake',
  failure: 'connection_reset',
  reason: 'reset after the ClientHello',
  evidence: ['tls reset'],
};
const hop = (host: string, verdict: Verdict): ClassifiedHop => ({ target: page(host), verdict });
const first = reached('HTTP 301');

describe('classifyChain', () => {
  it('no redirect and no end: the first verdict as it is', () => {
    expect(classifyChain(start, first, [], undefined)).toBe(first);
  });

  it('every hop reached: the last page speaks, via the chain, with each hop listed', () => {
    const v = classifyChain(
      start,
      first,
      [hop('b.example', reached('HTTP 302')), hop('c.example', reached('HTTP 200'))],
      undefined,
    );
    expect(v).toStrictEqual({
      verdict: 'reachable',
      reason: 'after 2 redirect(s) (https://a.example/ → https://b.example/ → https://c.example/): HTTP 200',
      evidence: [
        'HTTP 301 seen',
        'redirect 1 (b.example): HTTP 302 seen',
        'redirect 2 (c.example): HTTP 200 seen',
      ],
      redirects: [
        { url: 'https://b.example/', verdict: 'reachable', reason: 'HTTP 302' },
        { url: 'https://c.example/', verdict: 'reachable', reason: 'HTTP 200' },
      ],
    });
  });

  it('three hops reached: the last one speaks', () => {
    const hops = [
      hop('b.example', reached('HTTP 302')),
      hop('c.example', reached('HTTP 301')),
      hop('d.example', reached('HTTP 200')),
    ];
    expect(classifyChain(start, first, hops, undefined).reason).toMatch(
      /^after 3 redirect\(s\) \(.*\): HTTP 200$/,
    );
  });

  it('a hop failed: the first failing hop speaks, naming its host, even when a later one passed', () => {
    const v = classifyChain(
      start,
      first,
      [
        hop('b.example', reached('HTTP 302')),
        hop('blocked.example', reset),
        hop('d.example', reached('HTTP 200')),
      ],
      undefined,
    );
    expect(v).toMatchObject({ verdict: 'reset', stage: 'tls_handshake', failure: 'connection_reset' });
    expect(v.reason).toBe(
      'after 2 redirect(s) (https://a.example/ → https://b.example/ → https://blocked.example/ → ' +
        'https://d.example/), blocked.example failed: reset after the ClientHello',
    );
    expect(v.redirects?.[1]).toStrictEqual({
      url: 'https://blocked.example/',
      verdict: 'reset',
      stage: 'tls_handshake',
      failure: 'connection_reset',
      reason: 'reset after the ClientHello',
    });
    expect(v.evidence).toContain('redirect 2 (blocked.example): tls reset');
  });

  it.each<[string, ChainEnd, string]>([
    ['a loop', { loop: 'https://a.example/' }, 'a redirect loop: the chain comes back to https://a.example/'],
    ['too many', { tooMany: 10 }, 'more than 10 redirects: stopped'],
    [
      'a bad Location',
      { badLocation: 'ftp://x' },
      'a redirect to "ftp://x", which is no http(s) URL with a host',
    ],
  ])('a chain that cannot end (%s) is an http-failure, said so', (_what, end, said) => {
    const v = classifyChain(start, first, [hop('b.example', reached('HTTP 302'))], end);
    expect(v).toStrictEqual({
      verdict: 'http-failure',
      stage: 'http_round_trip',
      failure: 'unknown_failure',
      reason: `${said} (https://a.example/ → https://b.example/)`,
      evidence: ['HTTP 301 seen', 'redirect 1 (b.example): HTTP 302 seen'],
      redirects: [{ url: 'https://b.example/', verdict: 'reachable', reason: 'HTTP 302' }],
    });
  });

  it('a bad Location on the first answer: an end without hops still ends the chain', () => {
    const v = classifyChain(start, first, [], { badLocation: '' });
    expect(v.verdict).toBe('http-failure');
    expect(v.reason).toBe('a redirect to "", which is no http(s) URL with a host (https://a.example/)');
    expect(v.redirects).toStrictEqual([]);
  });

  it('a failing hop outranks the end of the chain', () => {
    const v = classifyChain(start, first, [hop('blocked.example', reset)], { tooMany: 1 });
    expect(v.verdict).toBe('reset');
  });
});
