// The service verdicts where reports go: diff prints the services whose state changed first, and
// Prometheus has a state set per service.
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { diffReports } from '../src/report/diff/diff.js';
import { renderDiff } from '../src/report/diff/text.js';
import { renderPrometheus } from '../src/report/prometheus/prometheus.js';
import { servicesOf } from '../src/classify/service.js';
import type { RunSummary } from '../src/model/result.js';
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
  /** The metrics of a report of `lines`, its summary given `more`. */
  const metricsOf = (lines: Line[], more: Partial<RunSummary> = {}) => {
    const report = reportOf(lines);
    const summary = {
      ...report.doc.summary,
      counts: {},
      unmet: 0,
      vantage: 'online' as const,
      duration_ms: 1,
      services: servicesOf(report.doc.results),
      ...more,
    };
    const results = report.doc.results.map((r) => ({ ...r, timings: { chain_ms: 1, total_ms: 1 } }));
    return renderPrometheus(results, summary, false);
  };

  it('reachprobe_service_state is a state set per service', () => {
    const text = metricsOf([line('a', 'LINE', 'reset', 'sni'), line('b', 'LINE', 'reachable')]);
    expect(text).toContain('reachprobe_service_state{service="LINE",state="partly blocked"} 1');
    expect(text).toContain('reachprobe_service_state{service="LINE",state="usable"} 0');
    expect(text.match(/^reachprobe_service_state\{/gm)).toHaveLength(6);
  });

  it('counts the services the summary does not list, per state', () => {
    const unlisted_services = { services: 7, states: { usable: 3, blocked: 4 } };
    const text = metricsOf([line('a', 'LINE', 'reset', 'sni')], { unlisted_services });
    expect(text).toContain('reachprobe_services_unlisted{state="usable"} 3');
    expect(text).toContain('reachprobe_services_unlisted{state="blocked"} 4');
    expect(text).toContain('reachprobe_services_unlisted{state="down"} 0');
  });
});
