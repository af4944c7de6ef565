// Property tests: whatever bytes arrive, the QUIC parsers and the connection return a value or a
// reason and never throw.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { QuicClientConnection } from '../../src/net/quic/connection.js';
import { cryptoFrame, parseFrames } from '../../src/net/quic/frames.js';
import { initialKeys } from '../../src/net/quic/initial.js';
import { parseHeader, sealLong } from '../../src/net/quic/packet.js';
import { unprotect } from '../../src/net/quic/protection.js';
import { HandshakeReader } from '../../src/net/quic/tls/messages.js';
import { clientIds, SERVER_CID } from './peer.js';

const bytes = fc.uint8Array({ maxLength: 1600 }).map((a) => Buffer.from(a));

const connection = () =>
  new QuicClientConnection({
    host: 'localhost',
    serverName: 'localhost',
    alpn: ['h3'],
    verify: true,
    now: () => new Date(),
    idleTimeoutMs: 1000,
  });

describe('QUIC parsing of random bytes', () => {
  it('parseHeader returns a header or a reason, with a packet end inside the datagram', () => {
    fc.assert(
      fc.property(bytes, fc.integer({ min: 0, max: 20 }), (datagram, cidLength) => {
        const parsed = parseHeader(datagram, 0, cidLength);
        if (parsed.ok) expect(parsed.value.end).toBeLessThanOrEqual(datagram.length);
        else expect(parsed.reason.length).toBeGreaterThan(0);
      }),
      { numRuns: 2000 },
    );
  });

  it('parseFrames and unprotect return a value or a reason', () => {
    const keys = initialKeys(Buffer.from('0102030405060708', 'hex')).server;
    fc.assert(
      fc.property(bytes, fc.integer({ min: 0, max: 40 }), (data, pnOffset) => {
        const frames = parseFrames(data);
        expect(typeof frames.ok).toBe('boolean');
        const opened = unprotect(keys, data, pnOffset, -1);
        expect('reason' in opened || 'payload' in opened).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('the handshake reader refuses or buffers, never throwing anything but its Malformed', () => {
    fc.assert(
      fc.property(bytes, (data) => {
        try {
          new HandshakeReader(4096).push(data);
        } catch (err) {
          expect((err as Error).name).toBe('Malformed');
        }
      }),
    );
  });

  it(
    'the connection takes random datagrams, and authentic Initials of random frames or CRYPTO data, ' +
      'without throwing',
    () => {
      fc.assert(
        fc.property(
          fc.array(bytes, { maxLength: 8 }),
          fc.array(bytes, { maxLength: 4 }),
          (datagrams, payloads) => {
            const c = connection();
            const ids = clientIds(c.initialDatagram());
            const keys = initialKeys(ids.dcid).server;
            for (const d of datagrams) c.receive(d);
            payloads.forEach((p, pn) => {
              // Every other payload is CRYPTO data, so the TLS reader gets random bytes too.
              const frames = pn % 2 ? cryptoFrame(0, p) : p;
              const payload =
                frames.length < 20 ? Buffer.concat([frames, Buffer.alloc(20 - frames.length)]) : frames;
              c.receive(sealLong(keys, { type: 'initial', dcid: ids.scid, scid: SERVER_CID }, pn, payload));
            });
            expect(['initial', 'handshake', 'failed']).toContain(c.phase);
          },
        ),
        { numRuns: 300 },
      );
    },
  );
});
