import { describe, expect, it } from 'vitest';
import { diffReports, type ChangeKind } from '../src/report/diff.js';
import { reportOf, type Line } from './helpers/reports.js';

type Expected = Array<[kind: ChangeKind, name: string, old: string | undefined, now: string | undefined]>;

describe('diffReports', () => {
  it.each<[string, Line[], Line[], Expected, number]>([
    ['the same verdicts: nothing', [['a', 'reachable'], ['b', 'reset']], [['b', 'reset'], ['a', 'reachable']], [], 2],
    ['a verdict that changed', [['a', 'reachable']], [['a', 'reset']], [['changed', 'a', 'reachable', 'reset']], 0],
    ['a target that appeared', [['a', 'reachable']], [['a', 'reachable'], ['b', 'timeout']], [['appeared', 'b', undefined, 'timeout']], 1],
    ['a target that vanished', [['a', 'reachable'], ['b', 'timeout']], [['a', 'reachable']], [['vanished', 'b', 'timeout', undefined]], 1],
    [
      'changed, then appeared, then vanished, each in report order',
      [['gone', 'reset'], ['x', 'reachable'], ['y', 'reachable'], ['same', 'closed']],
      [['new', 'dns-poisoned'], ['y', 'timeout'], ['same', 'closed'], ['x', 'reset']],
      [
        ['changed', 'y', 'reachable', 'timeout'],
        ['changed', 'x', 'reachable', 'reset'],
        ['appeared', 'new', undefined, 'dns-poisoned'],
        ['vanished', 'gone', 'reset', undefined],
      ],
      1,
    ],
    ['both empty', [], [], [], 0],
  ])('%s', (_, before, after, expected, unchanged) => {
    const diff = diffReports(reportOf(before), reportOf(after));
    expect(diff.changes.map((c) => [c.change, c.name, c.old?.verdict, c.new?.verdict])).toEqual(expected);
    const count = (k: ChangeKind) => expected.filter((e) => e[0] === k).length;
    expect(diff.counts).toEqual({ changed: count('changed'), appeared: count('appeared'), vanished: count('vanished'), unchanged });
  });

  it('the same verdict failing at another stage is no change', () => {
    const before = reportOf([['a', 'reset', { stage: 'connect', failure: 'connection_refused' }]]);
    const after = reportOf([['a', 'reset', { stage: 'tls_handshake', failure: 'connection_reset' }]]);
    expect(diffReports(before, after).changes).toEqual([]);
  });

  it('keeps where and why of each side, and the service of the newer report', () => {
    const before = reportOf([['a', 'reachable', { service: 'Old name' }]]);
    const after = reportOf([['a', 'reset', { service: 'New name', stage: 'tls_handshake', failure: 'connection_reset', 'blocked-by': 'sni' }]]);
    expect(diffReports(before, after).changes[0]).toEqual({
      change: 'changed',
      name: 'a',
      service: 'New name',
      old: { verdict: 'reachable', reason: 'a is reachable' },
      new: { verdict: 'reset', stage: 'tls_handshake', failure: 'connection_reset', 'blocked-by': 'sni', reason: 'a is reset' },
    });
  });

  it('says which reports, when they started and whether one was interrupted', () => {
    const diff = diffReports(reportOf([['a', 'reachable']], '2026-11-23T12:00:00.000Z', 'old.json'), reportOf([], '2026-11-23T13:00:00.000Z', 'new.json', true));
    expect(diff.old).toEqual({ file: 'old.json', started_at: '2026-11-23T12:00:00.000Z', partial: false, targets: 1 });
    expect(diff.new).toEqual({ file: 'new.json', started_at: '2026-11-23T13:00:00.000Z', partial: true, targets: 0 });
  });
});
