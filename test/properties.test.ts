// Random input never makes the target parser or the DNS reply handling throw anything but a typed
// error: a hand-written file or a hostile server's bytes are data, never a crash.
import dgram from 'node:dgram';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../src/model/clock.js';
import { InputError } from '../src/model/input-error.js';
import { queryUdp } from '../src/net/dns-udp.js';
import { parseTargets } from '../src/targets/parse.js';

/** YAML-ish text: fragments of real targets files mixed with noise. */
const yamlish = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        'targets:',
        '- ',
        '  - name: a',
        '    url: https://x.test/',
        'service: S',
        'defaults:',
        ': ',
        '[',
        ']',
        '{',
        '}',
        '&a',
        '*a',
        '---',
        '"',
        "'",
        '#',
        '\t',
        'url: tcp://[::1]:99999',
        'expect: reset',
      ),
      fc.string(),
    ),
    { maxLength: 20 },
  )
  .chain((parts) => fc.constantFrom('\n', ' ', '').map((separator) => parts.join(separator)));

describe('the target parser, on random text', () => {
  it('returns targets or throws an InputError naming the file', () => {
    fc.assert(
      fc.property(fc.oneof(yamlish, fc.string(), fc.string({ unit: 'binary' })), (text) => {
        try {
          const targets = parseTargets(text, 'random.yaml');
          expect(targets.length).toBeGreaterThan(0);
        } catch (err) {
          expect(err).toBeInstanceOf(InputError);
          expect((err as InputError).file).toBe('random.yaml');
        }
      }),
      { numRuns: 1500 },
    );
  });
});

describe('DNS reply handling, on random datagrams from the server', () => {
  it('never throws: every datagram is a reply or is ignored with a reason', { timeout: 30_000 }, async () => {
    const server = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => server.bind(0, '127.0.0.1', resolve));
    const { port } = server.address();
    let payload = Buffer.alloc(0);
    // Echo the query's ID (so some garbage passes the ID check), then the random bytes.
    server.on('message', (msg, rinfo) =>
      server.send(Buffer.concat([msg.subarray(0, 2), payload]), rinfo.port, rinfo.address),
    );
    try {
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ maxLength: 600 }), async (bytes) => {
          payload = Buffer.from(bytes);
          const result = await queryUdp({
            server: { address: '127.0.0.1', port },
            name: 'x.reachprobe.test',
            type: 'A',
            timeoutMs: 60,
            windowMs: 5,
            clock: systemClock,
          });
          expect(result.replies.length + result.ignored.length).toBeGreaterThan(0);
        }),
        { numRuns: 100 },
      );
    } finally {
      server.close();
    }
  });
});
