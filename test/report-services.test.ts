// The service verdicts where reports go: diff prints the services whose state changed first, and
// Prometheus has a state set per service.
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { diffReports } from '../src/report/diff/diff.js';
import { renderDiff } from '../src/report/diff/text.js';
import { renderPrometheus } from '../src/report/prometheus/prometheus.js';
import { servicesOf } from '../src/classify/service.js';
import { reportOf, type Line } from './helpers/reports.js';

const plain = new Chalk({ level: 0 });
const line = (name: string, service: string, verdict: Line[1], by?: 'sni' | 'ip'): Line => [
  name,
  verdict,
  { service, ...(by && { 'blocked-by': by }) },
];

describe('services in diff', () => {
  const before = reportOf([
    line('flickr-www', 'Flickr', 'reachable'),
    line('flickr-api', 'Flickr', 'reachable'),
    line('line-www', 'LINE', 'reachable'),
    line('line-gd2', 'LINE', 'reset', 'sni'),
  ]);
  const after = reportOf(
    [
      line('flickr-www', 'Flickr', 'reset', 'sni'),
      line('flickr-api', 'Flickr', 'reset', 'sni'),
      line('line-www', 'LINE', 'reachable'),
      line('line-gd2', 'LINE', 'timeout', 'ip'),
    ],
    '2026-11-23T12:10:00.000Z',
  );

  it('lists the services whose state changed, not those whose targets changed within a state', () => {
    const diff = diffReports(before, after);
    expect(diff.services.map((s) => [s.service, s.old?.state, s.new?.state])).toEqual([
      ['Flickr', 'usable', 'blocked'],
    ]);
  });

  it('prints them first, with how', () => {
    const text = renderDiff(diffReports(before, after), plain);
    const serviceLine = text.search(/^Flickr +usable +→ +blocked +reset by SNI$/m);
    expect(serviceLine).toBeGreaterThan(0);
    expect(serviceLine).toBeLessThan(text.search(/^SERVICE +TARGET/m));
  });

  it('a service that appeared or vanished is a change', () => {
    const diff = diffReports(before, reportOf([line('flickr-www', 'Flickr', 'reachable')]));
    expect(diff.services.map((s) => [s.service, s.old?.state, s.new?.state ?? '-'])).toEqual([
      ['LINE', 'partly blocked', '-'],
    ]);
  });
});

describe('services in Prometheus', () => {
  it('reachprobe_service_state is a state set per service', () => {
    const report = reportOf([line('a', 'LINE', 'reset', 'sni'), line('b', 'LINE', 'reachable')]);
    const summary = {
      ...report.doc.summary,
      counts: {},
      unmet: 0,
      vantage: 'online' as const,
      duration_ms: 1,
      services: servicesOf(report.doc.results),
    };
    const results = report.doc.results.map((r) => ({ ...r, timings: { chain_ms: 1, total_ms: 1 } }));
    const text = renderPrometheus(results, summary, false);
    expect(text).toContain('reachprobe_service_state{service="LINE",state="partly blocked"} 1');
    expect(text).toContain('reachprobe_service_state{service="LINE",state="usable"} 0');
    expect(text.match(/^reachprobe_service_state\{/gm)).toHaveLength(6);
  });
});
