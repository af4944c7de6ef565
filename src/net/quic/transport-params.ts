// QUIC transport parameters (RFC 9000 §18), carried in the TLS quic_transport_parameters extension.
import { Malformed, Reader } from './bytes.js';
import { encodeVarint } from './varint.js';

export const PARAM = {
  originalDestinationConnectionId: 0x00,
  maxIdleTimeout: 0x01,
  maxUdpPayloadSize: 0x03,
  initialMaxData: 0x04,
  initialMaxStreamDataBidiLocal: 0x05,
  initialMaxStreamDataBidiRemote: 0x06,
  initialMaxStreamDataUni: 0x07,
  initialMaxStreamsBidi: 0x08,
  initialMaxStreamsUni: 0x09,
  initialSourceConnectionId: 0x0f,
  retrySourceConnectionId: 0x10,
} as const;

/** The largest UDP payload we accept, and announce: an Ethernet MTU less the IPv4 and UDP headers. */
export const MAX_UDP_PAYLOAD = 1472;

/** A client's parameters: what a browser would announce, so the flow looks ordinary. */
export function clientTransportParameters(scid: Buffer, idleTimeoutMs: number): Buffer {
  const numbers: Array<[number, number]> = [
    [PARAM.maxIdleTimeout, idleTimeoutMs],
    [PARAM.maxUdpPayloadSize, MAX_UDP_PAYLOAD],
    [PARAM.initialMaxData, 1 << 20],
    [PARAM.initialMaxStreamDataBidiLocal, 1 << 18],
    [PARAM.initialMaxStreamDataBidiRemote, 1 << 18],
    [PARAM.initialMaxStreamDataUni, 1 << 18],
    [PARAM.initialMaxStreamsBidi, 100],
    [PARAM.initialMaxStreamsUni, 3],
  ];
  const parts = numbers.map(([id, value]) => param(id, encodeVarint(value)));
  parts.push(param(PARAM.initialSourceConnectionId, scid));
  return Buffer.concat(parts);
}

const param = (id: number, value: Buffer) =>
  Buffer.concat([encodeVarint(id), encodeVarint(value.length), value]);

/** The parameters by id, raw; a repeated id is an error (RFC 9000 §7.4). */
export function parseTransportParameters(data: Buffer): Map<number, Buffer> {
  const r = new Reader(data);
  const out = new Map<number, Buffer>();
  while (r.left > 0) {
    const id = r.varint('transport parameter id');
    const value = r.vector('varint', `transport parameter 0x${id.toString(16)}`);
    if (out.has(id)) throw new Malformed(`transport parameter 0x${id.toString(16)} given twice`);
    out.set(id, value);
  }
  return out;
}

export interface ConnectionIds {
  /** The Destination Connection ID of our first Initial. */
  original: Buffer;
  /** The Source Connection ID of the server's first Initial. */
  serverInitial: Buffer;
  /** The Source Connection ID of a Retry, if one came. */
  retry?: Buffer;
}

/**
 * What the server's connection ID parameters must say (RFC 9000 §7.3): they authenticate the IDs
 * of the handshake, so an on-path attacker cannot have changed them. Undefined when all is well.
 */
export function connectionIdProblem(params: Map<number, Buffer>, ids: ConnectionIds): string | undefined {
  const expect: Array<[number, string, Buffer | undefined]> = [
    [PARAM.originalDestinationConnectionId, 'original_destination_connection_id', ids.original],
    [PARAM.initialSourceConnectionId, 'initial_source_connection_id', ids.serverInitial],
    [PARAM.retrySourceConnectionId, 'retry_source_connection_id', ids.retry],
  ];
  for (const [id, name, wanted] of expect) {
    const got = params.get(id);
    if (wanted === undefined && got === undefined) continue;
    if (got === undefined) return `the server's transport parameters lack ${name}`;
    if (wanted === undefined) return `the server sent ${name} without a Retry`;
    if (!got.equals(wanted))
      return `the server's ${name} is ${got.toString('hex')}, not ${wanted.toString('hex')}`;
  }
  return undefined;
}
