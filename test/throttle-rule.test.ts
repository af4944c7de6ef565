// The throttling rule, as a table: the target's transfer, the same-path control's, the helper's.
import { describe, expect, it } from 'vitest';
import { assessThrottle, isSlow } from '../src/classify/throttle.js';
import type { TransferEnd, TransferFigures } from '../src/model/transfer.js';

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
