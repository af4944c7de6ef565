// --verbose: the steps the layers publish on their diagnostics channels, printed as they happen.
import diagnostics_channel from 'node:diagnostics_channel';
import { describe, expect, it } from 'vitest';
import { traceLine } from '../src/cli/verbose.js';
import { channelName, trace, traceStep, type TraceEvent } from '../src/net/trace.js';
import { BIN, exec } from './helpers/cli.js';

describe('the trace channels', () => {
  it('build no event while nobody listens, and publish it to whoever does', () => {
    let built = 0;
    const event = () => {
      built++;
      return { what: 'TCP connect, 127.0.0.1:9' };
    };
    trace('connect', event);
    expect(built).toBe(0);
    const seen: unknown[] = [];
    const listen = (m: unknown) => seen.push(m);
    diagnostics_channel.subscribe(channelName('connect'), listen);
    try {
      trace('connect', event);
    } finally {
      diagnostics_channel.unsubscribe(channelName('connect'), listen);
    }
    expect(built).toBe(1);
    expect(seen).toEqual([{ step: 'connect', what: 'TCP connect, 127.0.0.1:9' }]);
  });

  it('end a step with its failure and code, else what it found, else ok', () => {
    const seen: TraceEvent[] = [];
    const listen = (m: unknown) => seen.push(m as TraceEvent);
    diagnostics_channel.subscribe(channelName('tls'), listen);
    try {
      const reset = { failure: { failure: 'connection_reset', code: 'ECONNRESET' }, duration_ms: 12 };
      traceStep('tls', () => 'TLS handshake')(reset);
      traceStep(
        'tls',
        () => 'TLS handshake',
        () => 'TLS 1.3',
      )({ duration_ms: 3 });
      traceStep('tls', () => 'TLS handshake')({ duration_ms: 4 });
    } finally {
      diagnostics_channel.unsubscribe(channelName('tls'), listen);
    }
    expect(seen.filter((e) => e.outcome !== undefined).map((e) => e.outcome)).toEqual([
      'connection_reset (ECONNRESET)',
      'TLS 1.3',
      'ok',
    ]);
    expect(traceLine(seen[1]!, 1234.6)).toBe(
      '[   1.235 s] tls      TLS handshake: connection_reset (ECONNRESET) after 12 ms',
    );
  });
});

describe('check --verbose', () => {
  const args = ['check', '--mock', 'gfw', '--only', 'sni-rst', '--json'];

  it('names the step that failed and how, for a target reset by its SNI; without it, stderr stays empty', async () => {
    const [verbose, quiet] = await Promise.all([
      exec('node', [BIN, ...args, '--verbose'], {}, 60_000),
      exec('node', [BIN, ...args], {}, 60_000),
    ]);
    expect(verbose.status).toBe(0);
    const lines = verbose.stderr.split('\n');
    // The decoy on the same IP:port passes, the target's own handshake is reset: blocked by SNI.
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^\[ *[\d.]+ s\] tls {6}TLS handshake, SNI google\.reachprobe\.test, 127\.0\.0\.1:\d+: connection_reset/,
      ),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        / decoy {4}TLS handshake, SNI \S+ \(certificate unchecked\), 127\.0\.0\.1:\d+: ok /,
      ),
    );
    expect(lines).toContainEqual(expect.stringMatching(/ dns {6}A query for google\.reachprobe\.test to /));
    expect(lines).toContainEqual(expect.stringMatching(/ control {2}control of sni-rst: verdict reachable/));
    expect(quiet.status).toBe(0);
    expect(quiet.stderr).toBe('');
    expect(quiet.stdout.split('\n').length).toBe(verbose.stdout.split('\n').length);
  }, 70_000);
});
