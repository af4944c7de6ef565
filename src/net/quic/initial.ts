// Initial packets' keys (RFC 9001 §5.2): derived from a public salt and the Destination Connection
// ID of the client's first Initial, so anyone on the path (the GFW included) can read them.
import { hkdfExpandLabel, hkdfExtract } from './hkdf.js';
import { packetKeys, type PacketKeys } from './protection.js';
import { TLS_AES_128_GCM_SHA256 } from './suites.js';

export const QUIC_V1 = 0x00000001;

const INITIAL_SALT_V1 = Buffer.from('38762cf7f55934b34d179ae6a4c80cadccbb7f0a', 'hex');

export function initialSecrets(dcid: Buffer): { client: Buffer; server: Buffer } {
  const initial = hkdfExtract('sha256', INITIAL_SALT_V1, dcid);
  const expand = (label: string) => hkdfExpandLabel('sha256', initial, label, Buffer.alloc(0), 32);
  return { client: expand('client in'), server: expand('server in') };
}

export function initialKeys(dcid: Buffer): { client: PacketKeys; server: PacketKeys } {
  const secrets = initialSecrets(dcid);
  return {
    client: packetKeys(TLS_AES_128_GCM_SHA256, secrets.client),
    server: packetKeys(TLS_AES_128_GCM_SHA256, secrets.server),
  };
}
