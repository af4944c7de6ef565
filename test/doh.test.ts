import https from 'node:https';
import type { AddressInfo } from 'node:net';
import dnsPacket from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CERTS } from '../src/mock/certs.js';
import { dohDispatcher, queryDoh } from '../src/net/doh.js';

// A DoH server on loopback that answers each path its own way: the client must record what each
// answer was, never throw, and send the question as RFC 8484's `dns=` parameter.

const SELF_SIGNED = CERTS['self-signed'];
const NAME = 'www.reachprobe.test';

/** The question the request carried, from its `dns=` parameter. */
const questionOf = (url: URL) =>
  dnsPacket.decode(Buffer.from(url.searchParams.get('dns') ?? '', 'base64url'));

function answer(url: URL, name = NAME): Buffer {
  const q = questionOf(url);
  return dnsPacket.encode({
    type: 'response',
    id: 0,
    flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE,
    questions: [{ ...q.questions![0]!, name }],
    answers: [{ type: 'A', name, ttl: 60, data: '127.0.0.7' }],
  });
}

let server: https.Server;
let base: string;
const seen: string[] = [];

beforeAll(async () => {
  server = https.createServer({ cert: SELF_SIGNED.cert, key: SELF_SIGNED.key }, (req, res) => {
    const url = new URL(req.url!, 'https://x');
    seen.push(req.url!);
    const send = (status: number, body: Buffer) => {
      res.writeHead(status, { 'content-type': 'application/dns-message' });
      res.end(body);
    };
    if (url.pathname === '/ok') return send(200, answer(url));
    if (url.pathname === '/status') return send(503, Buffer.from('busy'));
    if (url.pathname === '/huge') return send(200, Buffer.alloc(70_000));
    if (url.pathname === '/garbage') return send(200, Buffer.from([1, 2, 3]));
    if (url.pathname === '/other') return send(200, answer(url, 'other.reachprobe.test'));
    // /silent: never answers
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const ask = async (path: string, timeoutMs = 2000) => {
  const dispatcher = dohDispatcher([SELF_SIGNED.cert], timeoutMs, 2);
  try {
    return await queryDoh({ url: `${base}${path}`, name: NAME, type: 'A', timeoutMs, dispatcher });
  } finally {
    await dispatcher.destroy();
  }
};

describe('a DoH query', () => {
  it('reads the answer, the question sent as dns= after the URL own parameters', async () => {
    const r = await ask('/ok?ct=application/dns-message&dns=stale');
    expect(r).toMatchObject({ rcode: 'NOERROR', addresses: ['127.0.0.7'] });
    expect(r.failure).toBeUndefined();
    const sent = new URL(seen.at(-1)!, 'https://x');
    expect(sent.searchParams.getAll('dns')).toHaveLength(1);
    expect(sent.searchParams.get('ct')).toBe('application/dns-message');
    expect(questionOf(sent).questions).toEqual([{ name: NAME, type: 'A', class: 'IN' }]);
  });

  it.each([
    ['/status', /HTTP 503/],
    ['/huge', /larger than 65535 bytes/],
    ['/garbage', /not a DNS message/],
    ['/other', /another question/],
  ])('records a misbehaving server (%s) as dns_server_misbehaving', async (path, message) => {
    const r = await ask(path);
    expect(r.addresses).toEqual([]);
    expect(r.failure).toMatchObject({ failure: 'dns_server_misbehaving' });
    expect(r.failure?.message).toMatch(message);
  });

  it('ends at its deadline when the server never answers', async () => {
    const started = performance.now();
    const r = await ask('/silent', 300);
    expect(r.failure?.failure).toBe('generic_timeout_error');
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('records a URL it cannot use instead of throwing', async () => {
    const dispatcher = dohDispatcher([], 500, 1);
    const r = await queryDoh({ url: 'not a url', name: NAME, type: 'A', timeoutMs: 500, dispatcher });
    await dispatcher.destroy();
    expect(r.failure).toBeDefined();
  });
});
