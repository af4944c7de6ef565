import type net from 'node:net';

// A public server's connections, counted before TLS: beyond the cap for one client address, or
// overall, a new connection is closed at once, so that no client (or crowd of them) can hold every
// descriptor the helper has.

export interface ConnectionCaps {
  /** Connections open at once, all clients together. */
  total: number;
  /** Connections open at once from one client address. */
  perAddress: number;
}

export function capConnections(server: net.Server, caps: ConnectionCaps): void {
  // node closes a connection beyond maxConnections as it accepts it.
  server.maxConnections = caps.total;
  const open = new Map<string, number>();
  // First, before TLS takes the socket: a refused connection costs no handshake.
  server.prependListener('connection', (socket: net.Socket) => {
    const who = socket.remoteAddress ?? '';
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
