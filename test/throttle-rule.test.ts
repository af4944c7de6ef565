// The throttling rule, as a table: the target's transfer, the same-path control's, the helper's.
import { describe, expect, it } from 'vitest';
import {
  assessThrottle,
  compareTransfer,
  isSlow,
  ownText,
  withThroughput,
} from '../src/classify/throttle.js';
import type { Comparison } from '../src/classify/comparison.js';
import type { Control } from '../src/model/control.js';
import type { HttpObservation, Observation } from '../src/model/observation.js';
import type { Scheme, Target } from '../src/model/target.js';
import { rateText, type TransferEnd, type TransferFigures } from '../src/model/transfer.js';
import type { Verdict } from '../src/model/verdict.js';

function t(end: TransferEnd, rate: number | undefined, bytes = 200_000, frozenAt?: number): TransferFigures {
  return {
    limit_bytes: 524_288,
    bytes,
    end,
    ttfb_ms: 5,
    duration_ms: 1000,
    ...(rate !== undefined ? { rate_bytes_per_second: rate } : {}),
    stalls: end === 'frozen' ? 1 : 0,
    longest_stall_ms: 0,
    stall_ms: 1000,
    ...(frozenAt !== undefined ? { frozen_at_bytes: frozenAt } : {}),
  };
}

const policed = t('deadline', 16_000, 160_000);
const fast = t('cut', 5_000_000, 524_288);
const slowToo = t('deadline', 15_000, 150_000);
const frozen = t('frozen', 16_000, 16_000, 16_000);
const tinyPage = t('complete', 90_000, 300);

describe('isSlow', () => {
  it.each([
    ['a policed transfer the deadline cut', policed, true],
    ['a fast one cut at --transfer', fast, false],
    ['a frozen one', frozen, true],
    ['a small page, however slow its one read', t('complete', 2000, 3000), false],
    ['a failed one', t('failed', 100, 100), false],
    ['a large body at 900 kbit/s', t('complete', 112_500, 300_000), true],
  ])('%s: %s', (_what, transfer, slow) => expect(isSlow(transfer)).toBe(slow));
});

describe('assessThrottle', () => {
  it.each([
    ['fast: nothing to decide', 'https', fast, undefined, undefined, undefined],
    ['policed on the name, fast on the same path', 'https', policed, fast, undefined, 'sni'],
    ['policed on the Host of plain HTTP', 'http', policed, fast, fast, 'host'],
    ['slow on the same path, fast abroad', 'https', policed, slowToo, fast, 'ip'],
    ['no same-path control, fast abroad', 'https', policed, undefined, fast, 'unknown'],
    ['slow everywhere', 'https', policed, slowToo, slowToo, undefined],
    ['slow here and on the path, no helper', 'https', policed, slowToo, undefined, undefined],
    ['no control at all', 'https', policed, undefined, undefined, undefined],
    ['a control only 3x faster', 'https', policed, t('cut', 48_000, 524_288), undefined, undefined],
    ['a same-path control that got a tiny page', 'http', policed, tinyPage, undefined, undefined],
    ['frozen here, the same path too, abroad went on', 'http', frozen, frozen, fast, 'ip'],
    ['frozen here, abroad frozen too', 'http', frozen, frozen, frozen, undefined],
    [
      'frozen here, a control that stopped before that point',
      'http',
      frozen,
      undefined,
      t('complete', 1e6, 8000),
      undefined,
    ],
  ] as const)('%s', (_what, scheme, own, samePath, abroad, blockedBy) => {
    const d = assessThrottle({
      scheme,
      own,
      ...(samePath ? { samePath } : {}),
      ...(abroad ? { abroad } : {}),
    });
    expect(d.throttled?.blockedBy).toBe(blockedBy);
    expect(d.throughput.rate_bytes_per_second).toBe(own.rate_bytes_per_second);
  });

  it('says why it claims nothing, and gives the ratio', () => {
    expect(assessThrottle({ scheme: 'https', own: policed, abroad: slowToo }).throughput.note).toMatch(
      /slow from abroad too: the server or its path, not censorship/,
    );
    expect(assessThrottle({ scheme: 'https', own: policed }).throughput.note).toMatch(/nothing claimed/);
    expect(assessThrottle({ scheme: 'https', own: policed, samePath: fast }).throughput.ratio).toBe(312.5);
  });
});

// The edges of the rule: 1 Mbit/s, the smallest body whose rate counts, and exactly 10x.
describe('the throttling rule at its edges', () => {
  it.each([
    ['a large body just under 1 Mbit/s', t('complete', 124_999, 300_000), true],
    ['a large body at exactly 1 Mbit/s', t('complete', 125_000, 300_000), false],
    ['a body of exactly 32 KiB, slow', t('complete', 1000, 32 * 1024), true],
    ['a body a byte short of 32 KiB, slow', t('complete', 1000, 32 * 1024 - 1), false],
    ['a transfer without a rate', t('deadline', undefined), false],
    ['a small body the deadline cut, slow', t('deadline', 1000, 3000), true],
    ['a large slow body that failed', t('failed', 1000, 200_000), false],
  ])('%s: %s', (_what, transfer, slow) => expect(isSlow(transfer)).toBe(slow));

  it.each([
    ['exactly 10x faster', t('deadline', 160_000), 'sni'],
    ['a byte per second short of 10x', t('deadline', 159_999), undefined],
    ['10x faster over a small complete body', t('complete', 160_000, 32 * 1024 - 1), undefined],
    ['10x faster, a body of exactly 32 KiB', t('complete', 160_000, 32 * 1024), 'sni'],
    ['frozen, but only after the point the target froze at', t('frozen', 1e6, 100_000, 100_000), 'sni'],
    ['failed', t('failed', 1e6), undefined],
  ])('a same-path control %s', (_what, samePath, blockedBy) => {
    expect(assessThrottle({ scheme: 'https', own: policed, samePath }).throttled?.blockedBy).toBe(blockedBy);
  });

  // A control against the target's own transfer: 10x faster (or past its freeze), not, or too little to say.
  it.each<[string, TransferFigures, TransferFigures | undefined, string]>([
    ['no control', policed, undefined, 'unusable'],
    ['a control that failed, however fast', policed, t('failed', 1e6), 'unusable'],
    ['a control the deadline cut, small but 10x faster', policed, t('deadline', 160_000, 3000), 'faster'],
    [
      'a control that froze, small but 10x faster before it',
      policed,
      t('frozen', 160_000, 3000, 3000),
      'faster',
    ],
    ['a small complete control', policed, t('complete', 1e6, 3000), 'unusable'],
    ['a control the deadline cut with no rate', policed, t('deadline', undefined, 0), 'unusable'],
    ['a control just short of 10x', policed, t('deadline', 159_999), 'not-faster'],
    ['frozen here, frozen there', frozen, frozen, 'not-faster'],
    ['frozen here, a control past that byte', frozen, t('complete', 1e6, 16_001), 'faster'],
    ['frozen here, a control that stopped at that byte', frozen, t('complete', 1e6, 16_000), 'unusable'],
    [
      'frozen here at no byte recorded, a control with one byte',
      { ...frozen, frozen_at_bytes: undefined },
      t('complete', 1e6, 1),
      'faster',
    ],
  ])('compareTransfer: %s -> %s', (_what, own, control, compared) => {
    expect(compareTransfer(own, control)).toBe(compared);
  });

  it('a frozen transfer is throttled where a control went past the byte it froze at, not at it', () => {
    const at = (bytes: number) =>
      assessThrottle({ scheme: 'http', own: frozen, abroad: t('complete', 1e6, bytes) });
    expect(at(16_001).throttled?.blockedBy).toBe('unknown');
    expect(at(16_000).throttled).toBeUndefined();
  });
});

describe('what the throttling rule says', () => {
  const kbit = rateText(16_000);
  it.each([
    [
      'by SNI',
      { scheme: 'https', own: policed, samePath: fast },
      `the body came at ${kbit}; the same URL on the same address with an innocuous SNI was 10x faster or ` +
        `more: same path (${rateText(5_000_000)}), throttled by SNI`,
    ],
    [
      'by Host, for a frozen transfer',
      { scheme: 'http', own: frozen, samePath: fast },
      'the transfer froze after 16000 bytes; the same URL on the same address with an innocuous Host went ' +
        `on: same path (${rateText(5_000_000)}), throttled by Host`,
    ],
    [
      'by address',
      { scheme: 'https', own: policed, samePath: slowToo, abroad: fast },
      `the body came at ${kbit}; the helper abroad was 10x faster or more: abroad (${rateText(5_000_000)}), ` +
        'as slow with an innocuous name on the same path: throttled by address',
    ],
    [
      'abroad, the same-path control too small to say',
      { scheme: 'https', own: policed, samePath: tinyPage, abroad: fast },
      `the body came at ${kbit}; the helper abroad was 10x faster or more: abroad (${rateText(5_000_000)})`,
    ],
  ] as const)('%s', (_what, input, reason) => {
    expect(assessThrottle(input).throttled?.reason).toBe(reason);
  });

  it('says why it claims nothing, word for word', () => {
    const note = (samePath?: TransferFigures, abroad?: TransferFigures) =>
      assessThrottle({
        scheme: 'https',
        own: policed,
        ...(samePath ? { samePath } : {}),
        ...(abroad ? { abroad } : {}),
      }).throughput.note;
    expect(note(slowToo)).toBe(
      `the body came at ${kbit}, as slow with an innocuous name on the same path and no control abroad: a ` +
        'slow path cannot be told from a throttled address, nothing claimed',
    );
    expect(note(undefined, slowToo)).toBe(
      `the body came at ${kbit}, slow from abroad too: the server or its path, not censorship`,
    );
    expect(note()).toBe(`the body came at ${kbit}, and no control to compare it with: nothing claimed`);
    expect(assessThrottle({ scheme: 'https', own: fast }).throughput.note).toBeUndefined();
  });

  it('the figures of a fast transfer: nothing it did not measure', () => {
    expect(assessThrottle({ scheme: 'https', own: fast }).throughput).toStrictEqual({
      rate_bytes_per_second: 5_000_000,
      bytes: 524_288,
      end: 'cut',
      ttfb_ms: 5,
      stalls: 0,
      slow: false,
    });
  });

  it('no ratio without a control, nor when nothing came here', () => {
    expect(assessThrottle({ scheme: 'https', own: policed }).throughput.ratio).toBeUndefined();
    const nothing = { ...frozen, rate_bytes_per_second: undefined, frozen_at_bytes: 0, bytes: 0 };
    const d = assessThrottle({ scheme: 'http', own: nothing, abroad: fast });
    expect([d.throughput.rate_bytes_per_second, d.throughput.ratio]).toEqual([0, undefined]);
    expect(d.throttled?.blockedBy).toBe('unknown');
  });

  it('a frozen transfer without the byte it froze at says its bytes', () => {
    expect(
      ownText({
        ...assessThrottle({ scheme: 'http', own: frozen }).throughput,
        frozen_at_bytes: undefined,
        bytes: 9000,
      }),
    ).toBe('the transfer froze after 9000 bytes');
  });

  it('a same-path control that froze too, but 10x faster before it: said frozen', () => {
    const samePath = t('frozen', 1e6, 100_000, 100_000);
    expect(assessThrottle({ scheme: 'https', own: policed, samePath }).throttled?.reason).toBe(
      `the body came at ${kbit}; the same URL on the same address with an innocuous SNI was 10x faster or ` +
        'more: same path (frozen too), throttled by SNI',
    );
  });

  it('the figures: both control rates, the ratio to the best, a ceiling, the byte it froze at', () => {
    const d = assessThrottle({
      scheme: 'https',
      own: { ...policed, ceiling_bytes_per_second: 15_000 },
      samePath: t('deadline', 48_000),
      abroad: t('deadline', 50_000),
    });
    expect(d.throughput).toStrictEqual({
      rate_bytes_per_second: 16_000,
      bytes: 160_000,
      end: 'deadline',
      ttfb_ms: 5,
      stalls: 0,
      slow: true,
      ceiling_bytes_per_second: 15_000,
      same_path_rate_bytes_per_second: 48_000,
      abroad_rate_bytes_per_second: 50_000,
      ratio: 3.1,
      note:
        `the body came at ${kbit} (settling at ${rateText(15_000)}), slow from abroad too: the server or ` +
        'its path, not censorship',
    });
    expect(assessThrottle({ scheme: 'https', own: fast, abroad: fast }).throughput.ratio).toBeUndefined();
    expect(ownText({ ...assessThrottle({ scheme: 'http', own: frozen }).throughput })).toBe(
      'the transfer froze after 16000 bytes',
    );
    expect(assessThrottle({ scheme: 'http', own: frozen }).throughput.frozen_at_bytes).toBe(16_000);
  });
});

// The rule inside the comparison with the controls: which verdicts a slow transfer can turn into
// `throttled`, with which of OONI's keys, and which controls count.
describe('a slow transfer in the comparison with the controls', () => {
  const target = (scheme: Scheme): Target => ({
    name: 't',
    service: 'S',
    url: `${scheme}://site.example/`,
    scheme,
    host: 'site.example',
    port: scheme === 'https' ? 443 : 80,
    path: '/',
    tags: [],
    source: { file: 'targets/t.yaml', line: 1 },
  });
  const get = (
    transfer: TransferFigures | undefined,
    more: Partial<HttpObservation> = {},
  ): HttpObservation => ({
    check: 'http_round_trip',
    address: '104.18.32.7',
    port: 443,
    url: 'https://site.example/',
    status: 200,
    body_bytes: transfer?.bytes ?? 0,
    body_truncated: false,
    started_ms: 0,
    duration_ms: 1000,
    ...(transfer ? { transfer: { ...transfer, samples: [] } } : {}),
    ...more,
  });
  const sameWithName = (transfer: TransferFigures) => get(transfer, { purpose: 'transfer_control' });
  const reachable: Verdict = { verdict: 'reachable', reason: 'HTTP 200 from 104.18.32.7', evidence: ['e'] };
  const timedOut = (stage: Verdict['stage']): Verdict => ({
    verdict: 'timeout',
    stage,
    failure: 'generic_timeout_error',
    reason: 'no complete HTTP response',
    evidence: ['e'],
  });
  const helper = (transfer?: TransferFigures, refused?: string): Control => ({
    type: 'control',
    name: 't',
    url: 'https://site.example/',
    tcp: [],
    duration_ms: 50,
    ...(refused ? { refused } : {}),
    http: {
      address: '151.101.65.69',
      port: 443,
      status: 200,
      body_bytes: 524_288,
      body_truncated: false,
      ...(transfer ? { transfer } : {}),
    },
  });
  const compare = (
    checks: Observation[],
    verdict: Verdict,
    control?: Control,
    scheme: Scheme = 'https',
  ): Comparison => {
    const before: Comparison = control
      ? { verdict, blocking: false, accessible: true }
      : { verdict, blocking: null, accessible: null };
    return withThroughput(target(scheme), checks, before, control);
  };

  it('no transfer measured: the comparison as it was', () => {
    const before: Comparison = { verdict: reachable, blocking: false, accessible: true };
    expect(withThroughput(target('https'), [get(undefined)], before, helper(fast))).toBe(before);
  });

  it('throttled by SNI with a helper compared: http-failure, not accessible, the figures kept', () => {
    const got = compare(
      [get(policed), sameWithName(fast)],
      { ...reachable, measured: 'reachable' },
      helper(fast),
    );
    expect(got.blocking).toBe('http-failure');
    expect(got.accessible).toBe(false);
    expect(got.verdict).toStrictEqual({
      verdict: 'throttled',
      stage: 'http_round_trip',
      blockedBy: 'sni',
      reason: assessThrottle({ scheme: 'https', own: policed, samePath: fast }).throttled!.reason,
      evidence: ['e'],
      throughput: expect.objectContaining({ rate_bytes_per_second: 16_000, ratio: 312.5 }),
    });
  });

  it("throttled without a helper: OONI's keys say nothing (null)", () => {
    const got = compare([get(policed), sameWithName(fast)], reachable);
    expect([got.verdict.verdict, got.blocking, got.accessible]).toEqual(['throttled', null, null]);
  });

  it('the helper abroad is the control only when it measured: a refused target has none', () => {
    const abroad = compare([get(policed)], reachable, helper(fast));
    expect([abroad.verdict.verdict, abroad.verdict.blockedBy]).toEqual(['throttled', 'unknown']);
    const refused = compare([get(policed)], reachable, helper(fast, 'loopback address'));
    expect(refused.verdict.verdict).toBe('reachable');
    expect(refused.verdict.reason).toBe(
      `HTTP 200 from 104.18.32.7; the body came at ${rateText(16_000)}, and no control to compare it ` +
        'with: nothing claimed',
    );
  });

  it('only the same-path control counts as the same path (a decoy does not), and only the last try is the own', () => {
    const decoyFast = get(fast, { purpose: 'decoy' });
    expect(compare([get(policed), decoyFast], reachable).verdict.verdict).toBe('reachable');
    // The first try was slow, the last one fast: nothing to decide.
    const tries = compare(
      [get(policed), get(policed, { try: 2 }), get(fast, { try: 3 }), sameWithName(fast)],
      reachable,
    );
    expect(tries.verdict.verdict).toBe('reachable');
    expect(tries.verdict.reason).toBe(reachable.reason);
    expect(tries.verdict.throughput?.slow).toBe(false);
  });

  it('a transfer that froze at the HTTP step turns a timeout, or a server down, into throttled', () => {
    const got = compare([get(frozen)], timedOut('http_round_trip'), helper(fast), 'http');
    expect(got.verdict).toMatchObject({
      verdict: 'throttled',
      stage: 'http_round_trip',
      failure: 'generic_timeout_error',
      blockedBy: 'unknown',
    });
    const down = compare(
      [get(frozen)],
      { ...timedOut('http_round_trip'), verdict: 'down', measured: 'timeout' },
      helper(fast),
      'http',
    );
    expect(down.verdict.verdict).toBe('throttled');
    expect(down.verdict.measured).toBeUndefined();
  });

  it.each<[string, TransferFigures, Verdict]>([
    ['a timeout at TLS (not the transfer)', frozen, timedOut('tls_handshake')],
    ['a timeout at HTTP whose transfer was only slow, not frozen', policed, timedOut('http_round_trip')],
    ['a reset', frozen, { ...timedOut('http_round_trip'), verdict: 'reset', failure: 'connection_reset' }],
  ])('%s stays as it was, figures added, no note', (_what, own, verdict) => {
    const got = compare([get(own)], verdict, helper(fast), 'http');
    expect(got.verdict).toStrictEqual({ ...verdict, throughput: expect.objectContaining({ end: own.end }) });
    expect([got.blocking, got.accessible]).toEqual([false, true]);
  });

  it('a page that came fast: its figures, the reason untouched', () => {
    const got = compare([get(fast)], reachable, helper(fast));
    expect(got.verdict.reason).toBe(reachable.reason);
    expect(got.verdict.throughput).toMatchObject({ slow: false, rate_bytes_per_second: 5_000_000 });
  });
});
