// The throttling rule, as a table: the target's transfer, the same-path control's, the helper's.
import { describe, expect, it } from 'vitest';
import { assessThrottle, isSlow, ownText } from '../src/classify/throttle.js';
import { rateText, type TransferEnd, type TransferFigures } from '../src/model/transfer.js';

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
