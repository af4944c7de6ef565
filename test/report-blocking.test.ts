// OONI's blocking (decided against a helper's control) in diff, history and the Prometheus metrics.
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { diffReports } from '../src/report/diff/diff.js';
import { renderDiff } from '../src/report/diff/text.js';
import { buildTimeline, digestOf } from '../src/report/history/history.js';
import { renderHistory } from '../src/report/history/text.js';
import { renderPrometheus } from '../src/report/prometheus/prometheus.js';
import { reportOf, summaryOf, TIMINGS } from './helpers/reports.js';

const plain = new Chalk({ level: 0 });

describe('blocking in reports', () => {
  it('diff: blocking that changed is a change where both reports had a control; one without a control is none', () => {
    const before = reportOf([
      ['a', 'reset', { blocking: 'tcp_ip' }],
      ['b', 'reset', { blocking: null }],
      ['c', 'reachable', { blocking: false }],
    ]);
    const after = reportOf([
      ['a', 'reset', { blocking: false }], // the same failure, now from abroad too: the server is down
      ['b', 'reset', { blocking: 'tcp_ip' }],
      ['c', 'reachable'],
    ]);
    const diff = diffReports(before, after);
    expect(diff.changes.map((c) => [c.name, c.old?.blocking, c.new?.blocking])).toEqual([
      ['a', 'tcp_ip', false],
    ]);
    const text = renderDiff(diff, plain);
    expect(text).toMatch(/reset, blocking tcp_ip +→ +reset$/m);
    expect(text).not.toContain('blocking false'); // says nothing the verdict does not
  });

  it('history: the last outcome says blocking where a control decided it', () => {
    const first = digestOf(
      reportOf([['a', 'reset', { blocking: 'http-failure' }]], '2026-11-23T12:00:00.000Z'),
    );
    const second = digestOf(
      reportOf([['a', 'http-diff', { blocking: 'http-diff' }]], '2026-11-23T12:10:00.000Z'),
    );
    expect(renderHistory(buildTimeline([first, second]), plain)).toContain('http-diff, blocking http-diff');
  });

  it(
    'prometheus: reachprobe_target_blocking (a state set, null included) and accessible, in runs with ' +
      'a helper only',
    () => {
      const timings = TIMINGS;
      const base = summaryOf();
      const helper = { url: 'https://helper.test/', reachable: true, sent: 2, controls: 1, refused: 0 };
      const results = reportOf([
        ['a', 'reset', { blocking: 'http-failure', accessible: false, timings }],
        ['b', 'reset', { blocking: null, accessible: null, timings }],
      ]).doc.results;
      const text = renderPrometheus(results, { ...base, helper }, false);
      expect(text).toContain(
        'reachprobe_target_blocking{target="a",service="S-a",blocking="http-failure"} 1',
      );
      expect(text).toContain('reachprobe_target_blocking{target="a",service="S-a",blocking="false"} 0');
      expect(text).toContain('reachprobe_target_blocking{target="b",service="S-b",blocking="null"} 1');
      expect(text).toContain('reachprobe_target_accessible{target="a",service="S-a"} 0');
      expect(text).not.toMatch(/reachprobe_target_accessible\{target="b"/);
      expect(renderPrometheus(results, base, false)).not.toContain('blocking');
    },
  );
});
