import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';

// Whether UDP to port 443 gets through, asked the one way a QUIC server must answer without any
// handshake: a long-header packet with a reserved version (RFC 9000 §6, §15: 0x?a?a?a?a) draws a
// Version Negotiation packet that echoes our connection IDs. No QUIC is spoken beyond that.

const GREASE_VERSION = 0x1a2a3a4a;
/** A client's first datagram must be at least this big, or the server may drop it (RFC 9000 §14.1). */
const MIN_DATAGRAM = 1200;

/** `reached`: an ICMP port unreachable came back, so the datagram got there and nothing listens. */
export type UdpProbe = { answered: true; ms: number } | { answered: false; why: string; reached?: true };

function versionProbe(dcid: Buffer, scid: Buffer): Buffer {
  const head = Buffer.concat([
    Buffer.from([0xc0]),
    Buffer.alloc(4),
    Buffer.from([dcid.length]),
    dcid,
    Buffer.from([scid.length]),
    scid,
  ]);
  head.writeUInt32BE(GREASE_VERSION, 1);
  return Buffer.concat([head, Buffer.alloc(MIN_DATAGRAM - head.length)]);
}

/** A Version Negotiation packet for our probe: version 0, its destination ID our source ID. */
function isVersionNegotiation(msg: Buffer, scid: Buffer): boolean {
  if (msg.length < 7 || (msg[0]! & 0x80) === 0 || msg.readUInt32BE(1) !== 0) return false;
  const length = msg[5]!;
  return msg.subarray(6, 6 + length).equals(scid);
}

/** Sends the probe to address:port and waits up to timeoutMs for the server's answer; never rejects. */
export function probeUdp(address: string, port: number, timeoutMs: number): Promise<UdpProbe> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket(net.isIPv6(address) ? 'udp6' : 'udp4');
    const dcid = randomBytes(8);
    const scid = randomBytes(8);
    const started = performance.now();
    const done = (result: UdpProbe) => {
      clearTimeout(timer);
      socket.close();
      resolve(result);
    };
    const timer = setTimeout(
      () => done({ answered: false, why: `no answer in ${timeoutMs / 1000} s` }),
      timeoutMs,
    );
    socket.on('error', (err: NodeJS.ErrnoException) =>
      done(
        err.code === 'ECONNREFUSED'
          ? { answered: false, why: 'ICMP port unreachable', reached: true }
          : { answered: false, why: err.code ?? err.message },
      ),
    );
    socket.on('message', (msg) => {
      if (isVersionNegotiation(msg, scid))
        done({ answered: true, ms: Math.round(performance.now() - started) });
    });
    // Connected, so that an ICMP port unreachable comes back as ECONNREFUSED instead of silence.
    socket.connect(port, address, () => {
      socket.send(versionProbe(dcid, scid), (err) => {
        if (err) done({ answered: false, why: (err as NodeJS.ErrnoException).code ?? err.message });
      });
    });
  });
}
