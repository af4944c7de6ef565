import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { diffReports, type ChangeKind } from '../src/report/diff/diff.js';
import { renderDiff } from '../src/report/diff/text.js';
import { reportOf, type Line } from './helpers/reports.js';

type Expected = Array<[kind: ChangeKind, name: string, old: string | undefined, now: string | undefined]>;

describe('diffReports', () => {
  it.each<[string, Line[], Line[], Expected, number]>([
    [
      'the same verdicts: nothing',
      [
        ['a', 'reachable'],
        ['b', 'reset'],
      ],
      [
        ['b', 'reset'],
        ['a', 'reachable'],
      ],
      [],
      2,
    ],
    [
      'a verdict that changed',
      [['a', 'reachable']],
      [['a', 'reset']],
      [['changed', 'a', 'reachable', 'reset']],
      0,
    ],
    [
      'a target that appeared',
      [['a', 'reachable']],
      [
        ['a', 'reachable'],
        ['b', 'timeout'],
      ],
      [['appeared', 'b', undefined, 'timeout']],
      1,
    ],
    [
      'a target that vanished',
      [
        ['a', 'reachable'],
        ['b', 'timeout'],
      ],
      [['a', 'reachable']],
      [['vanished', 'b', 'timeout', undefined]],
      1,
    ],
    [
      'changed, then appeared, then vanished, each in report order',
      [
        ['gone', 'reset'],
        ['x', 'reachable'],
        ['y', 'reachable'],
        ['same', 'closed'],
      ],
      [
        ['new', 'dns-poisoned'],
        ['y', 'timeout'],
        ['same', 'closed'],
        ['x', 'reset'],
      ],
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
    expect(diff.counts).toEqual({
      changed: count('changed'),
      appeared: count('appeared'),
      vanished: count('vanished'),
      unchanged,
    });
  });

  it('the same verdict failing at another stage is no change', () => {
    const before = reportOf([['a', 'reset', { stage: 'connect', failure: 'connection_refused' }]]);
    const after = reportOf([['a', 'reset', { stage: 'tls_handshake', failure: 'connection_reset' }]]);
    expect(diffReports(before, after).changes).toEqual([]);
  });

  it('keeps where and why of each side, and the service of the newer report', () => {
    const before = reportOf([['a', 'reachable', { service: 'Old name' }]]);
    const after = reportOf([
      [
        'a',
        'reset',
        { service: 'New name', stage: 'tls_handshake', failure: 'connection_reset', 'blocked-by': 'sni' },
      ],
    ]);
    expect(diffReports(before, after).changes[0]).toEqual({
      change: 'changed',
      name: 'a',
      service: 'New name',
      old: { verdict: 'reachable', reason: 'a is reachable' },
      new: {
        verdict: 'reset',
        stage: 'tls_handshake',
        failure: 'connection_reset',
        'blocked-by': 'sni',
        reason: 'a is reset',
      },
    });
  });

  it('says which reports, when they started and whether one was interrupted', () => {
    const diff = diffReports(
      reportOf([['a', 'reachable']], '2026-11-23T12:00:00.000Z', 'old.json'),
      reportOf([], '2026-11-23T13:00:00.000Z', 'new.json', true),
    );
    expect(diff.old).toEqual({
      file: 'old.json',
      started_at: '2026-11-23T12:00:00.000Z',
      partial: false,
      targets: 1,
    });
    expect(diff.new).toEqual({
      file: 'new.json',
      started_at: '2026-11-23T13:00:00.000Z',
      partial: true,
      targets: 0,
    });
  });
});

describe('renderDiff', () => {
  const plain = new Chalk({ level: 0 });
  const early = '2026-11-23T12:00:00.000Z';
  const late = '2026-11-23T13:00:00.000Z';

  it.each<[string, ReturnType<typeof reportOf>, ReturnType<typeof reportOf>, string[]]>([
    ['no note for two whole reports in order', reportOf([['a', 'reachable']], early), reportOf([], late), []],
    [
      'a partial NEW: its missing targets may not have been measured',
      reportOf([['a', 'reachable']], early),
      reportOf([], late, 'n.json', true),
      [
        'note: NEW is a partial report (the run was interrupted): targets it lacks may only not have ' +
          'been measured (shown as vanished)',
      ],
    ],
    [
      'OLD newer than NEW',
      reportOf([], late),
      reportOf([], early),
      ['note: OLD started after NEW: the files may be swapped'],
    ],
  ])('%s', (_, older, newer, notes) => {
    const text = renderDiff(diffReports(older, newer), plain);
    expect(text.split('\n').filter((l) => l.startsWith('note: '))).toEqual(notes);
  });

  it('control characters in names do not reach the terminal', () => {
    const text = renderDiff(diffReports(reportOf([]), reportOf([['x\x1b]0;title\x07', 'reset']])), plain);
    // eslint-disable-next-line no-control-regex -- no control character may reach the terminal
    expect(text).not.toMatch(/[\x00-\x08\x0b-\x1f]/);
    expect(text).toContain('x?]0;title?');
  });
});
