// A DNS-over-HTTPS control resolver on loopback (RFC 8484 GET), answering from the same kind of
// script as the UDP server.
import https from 'node:https';
import type net from 'node:net';
import {
  decodeQuery,
  replyFor,
  scriptReader,
  type DnsBehaviour,
  type DnsServerScript,
} from './dns-server.js';
import { CERTS, type CertName } from './certs.js';
import { HOST, type Listening } from './tcp-servers.js';

export interface DohServer extends Listening {
  url: string;
}

export async function startDohServer(
  script: DnsServerScript,
  cert: CertName = 'self-signed',
  fallback: DnsBehaviour = { rcode: 'NXDOMAIN' },
): Promise<DohServer> {
  const behavioursFor = scriptReader(script, fallback);
  const server = https.createServer(CERTS[cert], (req, res) => {
    const dns = new URL(req.url ?? '/', 'https://x').searchParams.get('dns');
    const msg = dns ? Buffer.from(dns, 'base64url') : undefined;
    const query = msg && decodeQuery(msg);
    const question = query?.questions?.[0];
    const behaviour = question && behavioursFor(question.name)[0];
    if (!msg || !query || !question || !behaviour || 'silent' in behaviour) {
      res.writeHead(400).end();
      return;
    }
    res
      .writeHead(200, { 'content-type': 'application/dns-message' })
      .end(replyFor(behaviour, msg, query, question));
  });
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    address: HOST,
    port,
    url: `https://${HOST}:${port}/dns-query`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
