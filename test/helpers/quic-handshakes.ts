// QUIC handshake observations as the QUIC check records them, for the tests of the pure QUIC verdict.
import type { QuicObservation } from '../../src/model/quic.js';
import type { Target } from '../../src/model/target.js';

export const quicTarget: Target = {
  name: 't',
  service: 'T',
  url: 'https://t.test/',
  scheme: 'https',
  host: 't.test',
  port: 443,
  path: '/',
  tags: [],
  source: { file: 'targets/t.yaml', line: 1 },
};

/** The target's own handshake: complete, or failed with `failure` at the Initial. */
export function handshake(failure?: string, extra: Partial<QuicObservation> = {}): QuicObservation {
  return {
    check: 'quic_handshake',
    started_ms: 0,
    duration_ms: 10,
    address: '127.0.0.1',
    port: 443,
    sni: 't.test',
    stage: failure ? 'initial' : 'complete',
    retry: false,
    initials_sent: 1,
    datagrams_sent: 1,
    datagrams_received: failure ? 0 : 3,
    datagrams_unread: 0,
    bytes_received: 0,
    ignored: [],
    ignored_total: 0,
    ...(failure
      ? { failure: { failure: failure as never, operation: 'quic_handshake', message: failure } }
      : { alpn: 'h3' }),
    ...extra,
  };
}

/** A decoy handshake (another name, same address and port). */
export const decoyHandshake = (failure?: string, extra: Partial<QuicObservation> = {}): QuicObservation =>
  handshake(failure, { purpose: 'decoy', sni: 'www.example.org', ...extra });
