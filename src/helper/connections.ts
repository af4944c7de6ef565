import type net from 'node:net';

// A public server's connections, counted before TLS: beyond the cap for one client address, or
// overall, a new connection is closed at once, so that no client (or crowd of them) can hold every
// descriptor the helper has.

export interface ConnectionCaps {
  /** Connections open at once, all clients together. */
  total: number;
  /** Connections open at once from one client address (an IPv6 client: its /64). */
  perAddress: number;
}

/**
 * Whose connection it is: an IPv4 address, or the /64 of an IPv6 one (a host has a /64 to itself,
 * so counting its addresses one by one would cap nothing). An IPv4-mapped address is its IPv4 one.
 */
export function clientOf(address: string): string {
  if (address.startsWith('::ffff:') && address.includes('.')) return address.slice(7);
  if (!address.includes(':')) return address;
  const [head = '', tail] = address.split('::');
  const words = head === '' ? [] : head.split(':');
  const missing = 8 - words.length - (tail === undefined ? 0 : tail === '' ? 0 : tail.split(':').length);
  const all = [...words, ...Array<string>(Math.max(missing, 0)).fill('0'), ...(tail ? tail.split(':') : [])];
  return `${all
    .slice(0, 4)
    .map((w) => parseInt(w, 16).toString(16))
    .join(':')}::/64`;
}

export function capConnections(server: net.Server, caps: ConnectionCaps): void {
  // node closes a connection beyond maxConnections as it accepts it.
  server.maxConnections = caps.total;
  const open = new Map<string, number>();
  // First, before TLS takes the socket: a refused connection costs no handshake.
  server.prependListener('connection', (socket: net.Socket) => {
    const who = clientOf(socket.remoteAddress ?? '');
    const now = (open.get(who) ?? 0) + 1;
    if (now > caps.perAddress) {
      socket.destroy();
      return;
    }
    open.set(who, now);
    socket.once('close', () => {
      const left = open.get(who)! - 1;
      if (left > 0) open.set(who, left);
      else open.delete(who);
    });
  });
}
