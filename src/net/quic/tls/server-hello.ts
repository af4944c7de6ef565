// The ServerHello (RFC 8446 §4.1.3): the suite the server chose and its key share.
import { Malformed, Reader } from '../bytes.js';
import { SUITES, type CipherSuite } from '../suites.js';
import { EXTENSION, parseExtensions, TLS13, X25519 } from './messages.js';

/** The random value that makes a ServerHello a HelloRetryRequest (RFC 8446 §4.1.3). */
const HELLO_RETRY_RANDOM = Buffer.from(
  'cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c',
  'hex',
);

export type ServerHello =
  | { retryRequest: false; suite: CipherSuite; keyShare: Buffer }
  | { retryRequest: true; suite: CipherSuite; group?: number };

/** Reads a ServerHello body; throws Malformed when it is not one we can continue with. */
export function parseServerHello(body: Buffer): ServerHello {
  const r = new Reader(body);
  r.u16('legacy_version');
  const random = r.bytes(32, 'random');
  if (r.vector(1, 'legacy_session_id_echo').length !== 0)
    throw new Malformed('ServerHello echoes a session ID we did not send');
  const suiteId = r.u16('cipher suite');
  const suite = SUITES.get(suiteId);
  if (!suite)
    throw new Malformed(`ServerHello chose cipher suite 0x${suiteId.toString(16)}, which we did not offer`);
  if (r.u8('compression') !== 0) throw new Malformed('ServerHello chose a compression method');
  const extensions = parseExtensions(r, 'ServerHello');
  r.done('ServerHello');
  const versions = extensions.get(EXTENSION.supportedVersions);
  if (!versions || versions.length !== 2 || versions.readUInt16BE(0) !== TLS13)
    throw new Malformed('ServerHello does not select TLS 1.3');
  const share = extensions.get(EXTENSION.keyShare);
  if (random.equals(HELLO_RETRY_RANDOM))
    return { retryRequest: true, suite, ...(share?.length === 2 ? { group: share.readUInt16BE(0) } : {}) };
  if (!share) throw new Malformed('ServerHello without a key share');
  const s = new Reader(share);
  const group = s.u16('key share group');
  const key = s.vector(2, 'key share');
  s.done('key share');
  if (group !== X25519)
    throw new Malformed(`ServerHello key share for group 0x${group.toString(16)}, which we did not offer`);
  if (key.length !== 32) throw new Malformed(`X25519 key share of ${key.length} bytes`);
  return { retryRequest: false, suite, keyShare: key };
}
