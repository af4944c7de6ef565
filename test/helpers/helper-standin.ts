// A stand-in for `reachprobe helper` (issue 15) on loopback, speaking the two endpoints doctor asks:
// GET /v1/health, and POST /v1/measure with a bearer token (JSON Lines ending in an "end" line).
import https from 'node:https';
import type net from 'node:net';
import { CERTS } from '../../src/mock/certs.js';

export interface StandIn {
  port: number;
  close(): Promise<void>;
}

/** `clockOffsetMs` shifts the Date header it sends, as a server whose clock (or ours) is off. */
export async function startHelperStandIn(token: string, clockOffsetMs = 0): Promise<StandIn> {
  const server = https.createServer(CERTS.good, (req, res) => {
    res.setHeader('date', new Date(Date.now() + clockOffsetMs).toUTCString());
    if (req.method === 'GET' && req.url === '/v1/health') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          status: 'ok',
          service: 'reachprobe-helper',
          version: '0.0.0-standin',
          schema_version: 1,
        }),
      );
      return;
    }
    if (req.method === 'POST' && req.url === '/v1/measure') {
      if (req.headers.authorization !== `Bearer ${token}`) {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"bad token"}');
        return;
      }
      req.resume();
      req.on('end', () =>
        res.writeHead(200, { 'content-type': 'application/x-ndjson' }).end('{"type":"end","measured":0}\n'),
      );
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
