import dnsPacket from 'dns-packet';
import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../src/model/clock.js';
import { formatServer, parseServer } from '../src/model/addresses.js';
import { queryUdp, type DnsQuery } from '../src/net/dns-udp.js';
import { startDnsServer, type DnsServerScript, type MockDnsServer } from '../src/mock/dns-server.js';

// Real sockets, loopback only: the test server binds 127.0.0.1 and every query goes to it.

const servers: MockDnsServer[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(script: DnsServerScript): Promise<MockDnsServer> {
  const server = await startDnsServer(script);
  servers.push(server);
  return server;
}

function ask(server: MockDnsServer, name: string, options: Partial<DnsQuery> = {}) {
  const query = { server: { address: server.address, port: server.port }, name, type: 'A' as const };
  return queryUdp({ ...query, timeoutMs: 1000, windowMs: 100, clock: systemClock, ...options });
}

/** A reply to the query in `bytes` built by hand, for what the test server does not script. */
function handmade(bytes: Buffer, reply: dnsPacket.Packet): Buffer {
  const query = dnsPacket.decode(bytes);
  return dnsPacket.encode({ type: 'response', id: query.id, questions: query.questions, ...reply });
}

describe('queryUdp', () => {
  it('records a clean reply and resolves when the window after it ends, not at the timeout', async () => {
    const server = await serve({ 'example.com': { answer: ['192.0.2.1'], ttl: 300 } });
    const started = performance.now();
    const result = await ask(server, 'Example.COM', { timeoutMs: 1000, windowMs: 150 });
    const elapsed = performance.now() - started;

    expect(result.failure).toBeUndefined();
    expect(result.ignored).toEqual([]);
    expect(result.replies).toEqual([
      {
        from: `127.0.0.1:${server.port}`,
        after_ms: expect.any(Number),
        rcode: 'NOERROR',
        answers: [{ type: 'A', data: '192.0.2.1', ttl: 300 }],
        addresses: ['192.0.2.1'],
      },
    ]);
    expect(elapsed).toBeGreaterThanOrEqual(140);
    expect(elapsed).toBeLessThan(700);
    expect(server.queries).toEqual([{ name: 'Example.COM', type: 'A' }]);
  });

  it('writes an AAAA answer as RFC 5952 does (dns-packet would write fd77::2:0:0:0:48)', async () => {
    const server = await serve({ 'v6.example': { answer: ['fd77:0:0:2:0:0:0:48'] } });
    const result = await ask(server, 'v6.example', { type: 'AAAA' });
    expect(result.replies[0]?.addresses).toEqual(['fd77:0:0:2::48']);
    expect(result.replies[0]?.answers[0]?.data).toBe('fd77:0:0:2::48');
  });

  it('records a forged reply and the real one that follows, in order', async () => {
    const server = await serve({
      'blocked.example': [{ answer: ['127.0.0.66'] }, { answer: ['127.0.0.10'], delayMs: 150 }],
    });
    const result = await ask(server, 'blocked.example', { windowMs: 400 });

    expect(result.replies.map((r) => r.addresses)).toEqual([['127.0.0.66'], ['127.0.0.10']]);
    const [forged, real] = result.replies.map((r) => r.after_ms);
    expect(forged).toBeLessThan(real ?? 0);
    expect(real).toBeGreaterThanOrEqual(140);
    expect(result.failure).toBeUndefined();
  });

  it('keeps a reply that came in time while the event loop was blocked past the window', async () => {
    const server = await serve({
      'blocked.example': [{ answer: ['127.0.0.66'] }, { answer: ['127.0.0.10'], delayMs: 50 }],
    });
    const asked = ask(server, 'blocked.example', { windowMs: 150 });
    // Busy from 20 ms to 320 ms: the real reply and the end of the window fall due together.
    setTimeout(() => {
      const until = Date.now() + 300;
      while (Date.now() < until);
    }, 20);
    expect((await asked).replies.map((r) => r.addresses)).toEqual([['127.0.0.66'], ['127.0.0.10']]);
  });

  it('records an NXDOMAIN reply as a reply, not a failure', async () => {
    const server = await serve({});
    const result = await ask(server, 'nowhere.example');

    expect(result.replies).toMatchObject([{ rcode: 'NXDOMAIN', answers: [], addresses: [] }]);
    expect(result.failure).toBeUndefined();
  });

  it('records a truncated (TC) reply as such, and a huge one whole', async () => {
    const many = Array.from({ length: 250 }, (_, i) => ({
      type: 'A' as const,
      name: 'big.example',
      data: `192.0.2.${i}`,
      ttl: 60,
    }));
    const server = await serve({
      'cut.example': { raw: (q) => handmade(q, { flags: dnsPacket.TRUNCATED_RESPONSE, answers: [] }) },
      'big.example': { raw: (q) => handmade(q, { answers: many }) },
    });
    const cut = await ask(server, 'cut.example');
    expect(cut.replies).toMatchObject([{ truncated: true, addresses: [] }]);
    const big = await ask(server, 'big.example');
    expect(big.replies[0]!.addresses).toHaveLength(250);
    expect(big.replies[0]!.truncated).toBeUndefined();
  });

  it("ignores a reply from another port than the server's, and notes it", async () => {
    const server = await serve({
      'spoofed.example': [
        { answer: ['192.0.2.66'], fromOtherPort: true },
        { answer: ['192.0.2.1'], delayMs: 30 },
      ],
    });
    const result = await ask(server, 'spoofed.example');
    expect(result.replies.map((r) => r.addresses)).toEqual([['192.0.2.1']]);
    expect(result.ignored).toHaveLength(1);
    expect(result.ignored[0]).toMatch(/^reply from 127\.0\.0\.1:\d+, not the server$/);
  });

  it('ends with generic_timeout_error when the server never answers', async () => {
    const server = await serve({ 'quiet.example': { silent: true } });
    const result = await ask(server, 'quiet.example', { timeoutMs: 300 });

    expect(result.replies).toEqual([]);
    expect(result.failure).toMatchObject({ failure: 'generic_timeout_error', operation: 'resolve' });
  });

  it('sends again a third into the deadline when the first query is lost: a reply, not a failure', async () => {
    const server = await serve({ 'lossy.example': { answer: ['192.0.2.7'], lose: 1 } });
    const result = await ask(server, 'lossy.example', { timeoutMs: 600, windowMs: 50, sends: 3 });

    expect(result.failure).toBeUndefined();
    expect(result.sent).toBe(2);
    expect(result.replies.map((r) => r.addresses)).toEqual([['192.0.2.7']]);
    expect(result.replies[0]!.after_ms).toBeGreaterThanOrEqual(190); // timed from the first send
    expect(server.queries).toHaveLength(2);
  });

  it('gives each send a new ID, and a reply to a later send says which', async () => {
    // A slow resolver: it answers the first query after the second went out, with another address.
    const socket = dgram.createSocket('udp4');
    const ids: number[] = [];
    socket.on('message', (msg, rinfo) => {
      const query = dnsPacket.decode(msg);
      ids.push(query.id!);
      const address = ids.length === 1 ? '192.0.2.1' : '192.0.2.2';
      const answer = handmade(msg, {
        answers: [{ type: 'A', name: 'slow.example', ttl: 60, data: address }],
      });
      setTimeout(() => socket.send(answer, rinfo.port, rinfo.address), ids.length === 1 ? 300 : 0);
    });
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    try {
      const result = await queryUdp({
        server: { address: '127.0.0.1', port: socket.address().port },
        name: 'slow.example',
        type: 'A',
        timeoutMs: 600,
        windowMs: 250,
        sends: 3,
        clock: systemClock,
      });
      expect(ids).toHaveLength(2);
      expect(ids[0]).not.toBe(ids[1]);
      expect(result.sent).toBe(2);
      expect(result.replies.map((r) => [r.addresses, r.send])).toEqual([
        [['192.0.2.2'], 2],
        [['192.0.2.1'], undefined],
      ]);
    } finally {
      socket.close();
    }
  });

  it('sent once by default: the lost query is a timeout', async () => {
    const server = await serve({ 'lossy.example': { answer: ['192.0.2.7'], lose: 1 } });
    const result = await ask(server, 'lossy.example', { timeoutMs: 300 });

    expect(result.failure).toMatchObject({ failure: 'generic_timeout_error' });
    expect(result.sent).toBe(1);
    expect(server.queries).toHaveLength(1);
  });

  it('a server that never answers gets every send, and the query still ends at its deadline', async () => {
    const server = await serve({ 'quiet.example': { silent: true } });
    const started = performance.now();
    const result = await ask(server, 'quiet.example', { timeoutMs: 450, sends: 3 });

    expect(performance.now() - started).toBeLessThan(700);
    expect(result.failure).toMatchObject({ failure: 'generic_timeout_error' });
    expect(result.sent).toBe(3);
    expect(server.queries).toHaveLength(3);
  });

  it('ignores malformed, wrong-ID and wrong-question packets and still records the good reply', async () => {
    const server = await serve({
      'example.com': [
        { raw: () => Buffer.from('garbage') },
        { answer: ['192.0.2.66'], wrongId: true },
        { raw: (q) => handmade(q, { questions: [{ name: 'other.example', type: 'A' }] }) },
        { answer: ['192.0.2.1'], delayMs: 50 },
      ],
    });
    const result = await ask(server, 'example.com');

    expect(result.replies.map((r) => r.addresses)).toEqual([['192.0.2.1']]);
    expect(result.ignored).toEqual([
      expect.stringMatching(/^malformed reply from 127\.0\.0\.1:\d+: /),
      expect.stringMatching(/^reply from 127\.0\.0\.1:\d+ with ID \d+, not \d+$/),
      expect.stringMatching(/^reply from 127\.0\.0\.1:\d+ for other\.example A, not example\.com A$/),
    ]);
  });

  it('keeps only the asked family, unless the server injects whatever the type', async () => {
    const server = await serve({
      'dual.example': { answer: ['192.0.2.1', '2001:db8::1'] },
      'wrong-type.example': { answer: ['192.0.2.66'], anyType: true },
    });
    const dual = await ask(server, 'dual.example', { type: 'AAAA' });
    const wrongType = await ask(server, 'wrong-type.example', { type: 'AAAA' });

    expect(dual.replies[0]?.addresses).toEqual(['2001:db8::1']);
    expect(wrongType.replies[0]?.answers).toEqual([{ type: 'A', data: '192.0.2.66', ttl: 60 }]);
  });

  it('gives TXT and MX data in string form', async () => {
    const txtRecord: dnsPacket.Answer = { type: 'TXT', name: 'txt.example', data: ['v=spf1 ', '-all'] };
    const mx = { preference: 10, exchange: 'mail.example' };
    const mxRecord: dnsPacket.Answer = { type: 'MX', name: 'mx.example', data: mx };
    const server = await serve({
      'txt.example': { raw: (q) => handmade(q, { answers: [txtRecord] }) },
      'mx.example': { raw: (q) => handmade(q, { answers: [mxRecord] }) },
    });
    const txt = await ask(server, 'txt.example', { type: 'TXT' });
    const mxReply = await ask(server, 'mx.example', { type: 'MX' });

    expect(txt.replies[0]?.answers[0]?.data).toBe('v=spf1 -all');
    expect(mxReply.replies[0]?.answers[0]?.data).toBe('10 mail.example');
  });

  it('queries in flight at once share sockets, and each hears only its own replies', async () => {
    // No more than the test server's own receive buffer holds at once (about 250 queries).
    const names = Array.from({ length: 200 }, (_, i) => `n${i}.example`);
    const script: DnsServerScript = Object.fromEntries(
      names.map((name, i) => [
        name,
        [{ answer: [`192.0.2.${i % 250}`] }, { answer: [`198.51.100.${i % 250}`], delayMs: 20 }],
      ]),
    );
    const server = await serve(script);
    const udpSockets = () => process.getActiveResourcesInfo().filter((r) => r === 'UDPWrap').length;
    const before = udpSockets();
    const asked = names.map((name) => ask(server, name, { windowMs: 100 }));
    expect(udpSockets() - before).toBeLessThanOrEqual(Math.ceil(names.length / 16));
    const results = await Promise.all(asked);
    results.forEach((result, i) => {
      expect(result.replies.map((r) => r.addresses)).toEqual([
        [`192.0.2.${i % 250}`],
        [`198.51.100.${i % 250}`],
      ]);
      expect(result.ignored).toEqual([]);
    });
  });

  it('a reply after the window is heard by no other query', async () => {
    const server = await serve({
      'late.example': [{ answer: ['192.0.2.1'] }, { answer: ['192.0.2.2'], delayMs: 150 }],
      'slow.example': { answer: ['192.0.2.3'], delayMs: 250 },
    });
    const [late, slow] = await Promise.all([
      ask(server, 'late.example', { windowMs: 50 }),
      ask(server, 'slow.example', { windowMs: 50 }),
    ]);
    expect(late.replies.map((r) => r.addresses)).toEqual([['192.0.2.1']]);
    expect(slow.replies.map((r) => r.addresses)).toEqual([['192.0.2.3']]);
    expect(slow.ignored).toEqual([]);
  });

  it('a reply with a wrong ID is noted on the query it answers, not on the others in flight', async () => {
    const server = await serve({
      'asked.example': [
        { answer: ['192.0.2.66'], wrongId: true },
        { answer: ['192.0.2.1'], delayMs: 30 },
      ],
      'other.example': { answer: ['192.0.2.2'], delayMs: 60 },
    });
    const [asked, other] = await Promise.all([ask(server, 'asked.example'), ask(server, 'other.example')]);
    expect(asked.ignored).toEqual([
      expect.stringMatching(/^reply from 127\.0\.0\.1:\d+ with ID \d+, not \d+$/),
    ]);
    expect(other.ignored).toEqual([]);
  });

  it('turns a send that throws into a failure instead of rejecting', async () => {
    const result = await queryUdp({
      server: { address: '127.0.0.1', port: 0 },
      name: 'example.com',
      type: 'A',
      timeoutMs: 1000,
      windowMs: 100,
      clock: systemClock,
    });

    expect(result.failure).toMatchObject({ operation: 'resolve', code: 'ERR_SOCKET_BAD_PORT' });
  });
});

describe('parseServer and formatServer', () => {
  it.each([
    ['1.2.3.4', { address: '1.2.3.4', port: 53 }, '1.2.3.4:53'],
    ['1.2.3.4:5353', { address: '1.2.3.4', port: 5353 }, '1.2.3.4:5353'],
    ['::1', { address: '::1', port: 53 }, '[::1]:53'],
    ['[::1]:5353', { address: '::1', port: 5353 }, '[::1]:5353'],
    ['[2001:db8::53]', { address: '2001:db8::53', port: 53 }, '[2001:db8::53]:53'],
  ])('%s', (text, server, formatted) => {
    expect(parseServer(text)).toEqual(server);
    expect(formatServer(server)).toBe(formatted);
  });

  it.each([
    'dns.google',
    '',
    '1.2.3',
    '1.2.3.4:',
    '1.2.3.4:0',
    '1.2.3.4:65536',
    '1.2.3.4:53x',
    '[1.2.3.4]:53',
    '[::1]:',
    '[::1',
    'localhost:53',
    ' 1.2.3.4',
  ])('rejects %j', (text) => {
    expect(parseServer(text)).toBeUndefined();
  });

  it('uses the given default port', () => {
    expect(parseServer('::1', 5353)).toEqual({ address: '::1', port: 5353 });
  });
});
