// The transfer rate where results go: the table, diff, Prometheus and export.
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../src/model/result.js';
import type { Throughput } from '../src/model/transfer.js';
import { diffReports } from '../src/report/diff/diff.js';
import { renderDiff } from '../src/report/diff/text.js';
import { COLUMN_NAMES, rowsOf } from '../src/report/export/columns.js';
import { renderPrometheus } from '../src/report/prometheus/prometheus.js';
import { renderTable } from '../src/report/terminal/table.js';
import { reportOf, summaryOf, TIMINGS } from './helpers/reports.js';

const plain = new Chalk({ level: 0 });

const throughput = (rate: number, slow: boolean, more: Partial<Throughput> = {}): Throughput => ({
  rate_bytes_per_second: rate,
  bytes: 100_000,
  end: 'deadline',
  ttfb_ms: 4,
  stalls: 0,
  slow,
  ...more,
});

const timings = TIMINGS;
const summary = summaryOf({ targets: 2, notes: [] }) as unknown as RunSummary;

describe('the rate in reports', () => {
  it('table: the rate beside a reachable target only when it is notably low', () => {
    const results = reportOf([
      ['slow', 'reachable', { throughput: throughput(36_875, true), timings, tags: [] }],
      ['fast', 'reachable', { throughput: throughput(9_000_000, false), timings, tags: [] }],
    ]).doc.results;
    const text = renderTable(results, summary, plain);
    expect(text).toMatch(/slow +reachable at 295 kbit\/s/);
    expect(text).toMatch(/fast +reachable +/);
    expect(text).not.toMatch(/72 Mbit\/s/);
  });

  it('diff: a rate that fell tenfold is a change, though the verdict stayed; a small wobble is none', () => {
    const before = reportOf([
      ['a', 'reachable', { throughput: throughput(2_000_000, false) }],
      ['b', 'reachable', { throughput: throughput(2_000_000, false) }],
      ['c', 'reachable'],
    ]);
    const after = reportOf([
      ['a', 'reachable', { throughput: throughput(16_000, true) }],
      ['b', 'reachable', { throughput: throughput(700_000, false) }],
      ['c', 'reachable', { throughput: throughput(16_000, true) }],
    ]);
    const diff = diffReports(before, after);
    expect(diff.changes.map((c) => c.name)).toEqual(['a']);
    expect(renderDiff(diff, plain)).toMatch(/reachable at 16 Mbit\/s +→ +reachable at 128 kbit\/s/);
  });

  it('prometheus: reachprobe_target_rate_bytes_per_second for the targets whose transfer was measured', () => {
    const results = reportOf([
      ['a', 'throttled', { throughput: throughput(16_250, true), timings }],
      ['b', 'reachable', { timings }],
    ]).doc.results;
    const text = renderPrometheus(results, summary, false);
    expect(text).toContain('# TYPE reachprobe_target_rate_bytes_per_second gauge');
    expect(text).toContain('reachprobe_target_rate_bytes_per_second{target="a",service="S-a"} 16250');
    expect(text).not.toContain('reachprobe_target_rate_bytes_per_second{target="b"');
  });

  it('export: the rate here and the controls', () => {
    const report = reportOf([
      [
        'a',
        'throttled',
        {
          throughput: throughput(16_250, true, {
            same_path_rate_bytes_per_second: 9e6,
            abroad_rate_bytes_per_second: 8e6,
          }),
        },
      ],
      ['b', 'reachable'],
    ]);
    const rows = rowsOf(report);
    const at = (name: string) => COLUMN_NAMES.indexOf(name);
    expect(rows.map((r) => r[at('rate_bytes_per_second')])).toEqual([16_250, null]);
    expect(rows[0]![at('same_path_rate_bytes_per_second')]).toBe(9e6);
    expect(rows[0]![at('abroad_rate_bytes_per_second')]).toBe(8e6);
  });
});
