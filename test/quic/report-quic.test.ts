// The QUIC verdict in diff, history's cells and the Prometheus metrics.
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import type { QuicResult, QuicVerdictName } from '../../src/model/quic.js';
import { diffReports } from '../../src/report/diff/diff.js';
import { renderDiff } from '../../src/report/diff/text.js';
import { renderPrometheus } from '../../src/report/prometheus/prometheus.js';
import { reportOf, summaryOf, TIMINGS } from '../helpers/reports.js';

const quic = (verdict: QuicVerdictName): QuicResult => ({
  verdict,
  stage: 'initial',
  offered: true,
  offered_by: ['target'],
  address: '127.0.0.1',
  port: 443,
  reason: 'r',
  evidence: [],
  timings: { total_ms: 5 },
  checks: [],
});

describe('QUIC in reports', () => {
  it('diff: a QUIC verdict that changed is a change, shown beside the verdict; a run without QUIC is none', () => {
    const before = reportOf([
      ['a', 'reachable', { quic: quic('reachable') }],
      ['b', 'reachable', { quic: quic('timeout') }],
    ]);
    const after = reportOf([
      ['a', 'reachable', { quic: quic('timeout') }],
      ['b', 'reachable'],
    ]);
    const diff = diffReports(before, after);
    expect(diff.changes.map((c) => [c.name, c.old?.quic_verdict, c.new?.quic_verdict])).toEqual([
      ['a', 'reachable', 'timeout'],
    ]);
    expect(renderDiff(diff, new Chalk({ level: 0 }))).toContain('reachable, quic timeout');
  });

  it('prometheus: reachprobe_target_quic_verdict for the targets measured over QUIC only', () => {
    const timings = TIMINGS;
    const summary = summaryOf();
    const doc = reportOf([
      ['a', 'reachable', { quic: quic('not-offered'), timings }],
      ['b', 'reachable', { timings }],
    ]).doc;
    const text = renderPrometheus(doc.results, summary, false);
    expect(text).toContain(
      'reachprobe_target_quic_verdict{target="a",service="S-a",verdict="not-offered"} 1',
    );
    expect(text).toContain('reachprobe_target_quic_verdict{target="a",service="S-a",verdict="timeout"} 0');
    expect(text).not.toMatch(/reachprobe_target_quic_verdict\{target="b"/);
    const without = reportOf([['b', 'reachable', { timings }]]).doc;
    expect(renderPrometheus(without.results, summary, false)).not.toContain('quic');
  });
});
