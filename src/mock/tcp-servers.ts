// Loopback servers that behave like censored (or healthy) services: the TCP side of the mock network
// and of the tests. Nothing here listens or sends beyond 127.0.0.1.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { Worker } from 'node:worker_threads';
import { CERTS, type CertName } from './certs.js';
import { bodyOf, isPaced, POLICER_BYTES_PER_SECOND, sendPaced, type Pace } from './throttle.js';

export const HOST = '127.0.0.1';

/**
 * The mock network's servers, forged answers and proxies live in 127.0.0.0/24: answers there are
 * genuine in a mock run (--allow-answers), while the rest of 127.0.0.0/8 stays loopback, an answer no
 * public name can have (OONI's "DNS hijacked to localhost" and "localhost for everyone" scenarios).
 */
export const MOCK_ADDRESSES = '127.0.0.0/24';

/**
 * Where the mock network's helper connects from: "abroad". On Linux all of 127.0.0.0/8 is loopback,
 * so a server tells a client inside (127.0.0.1) from the helper by the source address, and the
 * censor's filters apply to clients inside only.
 */
export const ABROAD = '127.0.0.2';

const fromAbroad = (raw: net.Socket) =>
  raw.remoteAddress === ABROAD || raw.remoteAddress === `::ffff:${ABROAD}`;

export interface Listening {
  address: string;
  port: number;
  close(): Promise<void>;
}

/**
 * What the server does with a connection:
 * - ok: answers every HTTP request with 200 (over TLS when a certificate is given)
 * - reset-on-hello / fin-on-hello: RST / FIN as soon as the client's first bytes (the ClientHello) arrive
 * - not-tls: answers the ClientHello with plain-text bytes (a non-TLS service on the port)
 * - stall: accepts and never sends a byte
 * - reset-on-request: completes TLS (if any), then RSTs when the HTTP request arrives
 * - stall-response: completes TLS (if any), reads the request, never answers
 * - garbage-response: answers the request with bytes that are not HTTP
 * - fin-on-request: completes TLS (if any), then closes (FIN) when the request arrives
 * - truncated-body: announces a longer body than it sends, then closes
 * - endless-body: answers 200 and streams a body that never ends
 * - trickle: answers 200 and sends its body one byte every 100 ms (slowloris)
 * - bad-headers: answers with a status line, then a header line that is not a header
 * - redirect-loop: answers every request with a redirect to itself
 * - redirect-countdown: a request for /N (N > 0) is redirected to /N-1, /0 answers 200 (httpbin's /redirect/N)
 * - redirect-broken: answers with a redirect whose Location is "http://" (no host)
 * - captcha: answers 403 with a CAPTCHA page of its own (a server that treats some visitors apart)
 */
export const BEHAVIOURS = [
  'ok',
  'reset-on-hello',
  'fin-on-hello',
  'not-tls',
  'stall',
  'reset-on-request',
  'stall-response',
  'garbage-response',
  'fin-on-request',
  'truncated-body',
  'endless-body',
  'trickle',
  'bad-headers',
  'redirect-loop',
  'redirect-countdown',
  'redirect-broken',
  'captcha',
] as const;
export type Behaviour = (typeof BEHAVIOURS)[number];

/** A censor's filters in front of a server. */
export interface Filters {
  /** RST right after a ClientHello carrying one of these names (SNI filtering). */
  resetSni?: string[];
  /** RST right after an HTTP request for one of these Hosts (Host filtering). */
  resetHost?: string[];
  /** After a trigger, reset every connection from that client for this long (residual blocking). */
  lingerMs?: number;
  /** Trigger only this many times, then let the names through: blocking that is probabilistic. */
  resetTimes?: number;
  /** A transparent proxy: a request for one of these Hosts gets a blockpage (HTTP 200) instead of the page. */
  blockpageHost?: string[];
  /** TLS interception: a ClientHello for one of these names gets a certificate for it from a CA nobody trusts. */
  interceptSni?: string[];
  /**
   * A policer: responses on a connection naming one of these (SNI over TLS, Host over HTTP; `*`: any) held to
   * a rate.
   */
  police?: string[];
  /** The policer's rate (default 130 kbit/s). */
  policeBytesPerSecond?: number;
  /** Every response to a client inside stops after this many bytes and the connection stays open, silent. */
  freezeAfterBytes?: number;
}

export interface ServerOptions extends Filters {
  behaviour: Behaviour;
  /** What a client abroad (the helper, from ABROAD) meets instead of `behaviour`; the filters never apply to it. */
  abroad?: Behaviour;
  /** Serve TLS with this certificate; plain TCP/HTTP without. */
  cert?: CertName;
  /** Wait this long before answering a request: slow but healthy. */
  delayMs?: number;
  /** Answer every request with a redirect there (a link shortener); asked when the request comes. */
  redirectTo?: () => string;
  /** Listen there (a loopback address) at this port, instead of 127.0.0.1 at any port. */
  at?: { address: string; port: number };
  /** The size of the body `ok` answers with (default a line of text). */
  bodyBytes?: number;
  /** Send responses at this rate, to everyone: a server slow for all, not a censor. */
  bytesPerSecond?: number;
}

export const CAPTCHA_PAGE =
  '<html><head><title>Just a moment...</title></head><body><p>Checking your browser before accessing ' +
  'the site.</p></body></html>\n';

export const BLOCKPAGE =
  '<html><head><title>Access denied</title></head><body><h1>Access denied</h1><p>This site is ' +
  'blocked by order of the authorities.</p></body></html>\n';

function track(server: net.Server): () => Promise<void> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
  });
  return () =>
    new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
}

async function listen(server: net.Server, address = HOST, port = 0): Promise<Listening> {
  const close = track(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, resolve);
  });
  return { address, port: (server.address() as net.AddressInfo).port, close };
}

/** Calls `then` with the request head once it has arrived whole. */
function onRequest(stream: net.Socket, then: (head: string) => void) {
  let seen = '';
  const read = (chunk: Buffer) => {
    seen += chunk.toString('latin1');
    if (!seen.includes('\r\n\r\n')) return;
    stream.removeListener('data', read);
    then(seen);
  };
  stream.on('data', read);
}

const hostWithPort = (head: string) => /^host:\s*(\S+)/im.exec(head)?.[1]?.toLowerCase();
const hostOf = (head: string) => /^host:\s*([^\s:]+)/im.exec(head)?.[1]?.toLowerCase();

/**
 * Whether the answer closes the connection: HTTP/1.1 keeps it open unless asked to close, HTTP/1.0 closes it
 * unless asked to keep it.
 */
function closesAfter(head: string): boolean {
  const tokens = (/^connection:(.*)$/im.exec(head)?.[1] ?? '')
    .toLowerCase()
    .split(',')
    .map((t) => t.trim());
  return /^[^\r\n]* HTTP\/1\.0\r?\n/.test(head) ? !tokens.includes('keep-alive') : tokens.includes('close');
}

const HELLO = Buffer.from('hello from a loopback server\n');

/** The `ok` answer: the head, then the body as fast as the client reads or at the pace given. */
function answer(stream: net.Socket, opts: ServerOptions, head: string, pace: Pace, next: () => void) {
  // As an HTTP server does, the connection stays open for more requests unless the request asks
  // to close it. (A server that closes after every answer makes undici take a stack trace per
  // response, an error it builds to close its side: about 1% of a probe's CPU here.)
  const close = closesAfter(head);
  const body = opts.bodyBytes ? bodyOf(opts.bodyBytes) : HELLO;
  const top =
    `HTTP/1.1 200 ` +
    `OK\r\ncontent-length: ${body.length}\r\n${close ? 'connection: close\r\n' : ''}server: ` +
    `reachprobe-mock\r\n\r\n`;
  const after = () => (close ? void stream.end() : next());
  const timer = setTimeout(() => {
    if (isPaced(pace)) return sendPaced(stream, Buffer.concat([Buffer.from(top), body]), pace, after);
    stream.cork(); // head and body in one segment, as before bodies grew
    stream.write(top);
    stream.write(body);
    stream.uncork();
    after();
  }, opts.delayMs ?? 0);
  stream.once('close', () => clearTimeout(timer));
}

/** Answers one request; `next` waits for the next request on a connection kept open. */
const redirect = (stream: net.Socket, location: string) =>
  void stream.end(
    `HTTP/1.1 302 Found\r\nlocation: ${location}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`,
  );

/** /N of redirect-countdown: the number in the request's path. */
const countdownOf = (head: string) => Number(/^\S+ \/(\d+)/.exec(head)?.[1] ?? 0);

function respond(
  stream: net.Socket,
  raw: net.Socket,
  opts: ServerOptions,
  head: string,
  pace: Pace,
  next: () => void,
) {
  if (opts.redirectTo) return redirect(stream, opts.redirectTo());
  switch (opts.behaviour) {
    case 'reset-on-request':
      return raw.resetAndDestroy(); // on the TCP socket: a TLS socket cannot send a RST
    case 'stall-response':
      return;
    case 'garbage-response':
      return void stream.end('SSH-2.0-OpenSSH_9.2\r\nnot http at all\r\n\r\n');
    case 'fin-on-request':
      return void stream.end();
    case 'truncated-body':
      return void stream.end('HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\nonly a little');
    case 'redirect-loop':
      return redirect(stream, `http://${hostWithPort(head) ?? 'localhost'}/`);
    case 'redirect-broken':
      return redirect(stream, 'http://');
    case 'captcha':
      return void stream.end(
        `HTTP/1.1 403 Forbidden\r\ncontent-type: ` +
          `text/html\r\ncontent-length: ${CAPTCHA_PAGE.length}\r\nconnection: ` +
          `close\r\n\r\n${CAPTCHA_PAGE}`,
      );
    case 'redirect-countdown':
      if (countdownOf(head) > 0) return redirect(stream, `/${countdownOf(head) - 1}`);
      return respond(stream, raw, { ...opts, behaviour: 'ok' }, head, pace, next);
    case 'bad-headers':
      return void stream.end('HTTP/1.1 200 OK\r\nthis is not a header\r\ncontent-length: 0\r\n\r\n');
    case 'endless-body':
    case 'trickle':
      return streamBody(stream, opts.behaviour);
    default:
      return answer(stream, opts, head, pace, next);
  }
}

/** A chunked body without end: 16 KiB as fast as the client reads, or a byte every 100 ms. */
function streamBody(stream: net.Socket, kind: 'endless-body' | 'trickle') {
  stream.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n');
  const chunk = kind === 'trickle' ? 'x' : 'x'.repeat(16 * 1024);
  const frame = `${chunk.length.toString(16)}\r\n${chunk}\r\n`;
  const timer = setInterval(
    () => {
      if (stream.writableNeedDrain) return;
      stream.write(frame);
    },
    kind === 'trickle' ? 100 : 1,
  );
  stream.once('close', () => clearInterval(timer));
}

const FIRST_BYTES: Partial<Record<Behaviour, (raw: net.Socket) => void>> = {
  'reset-on-hello': (raw) => raw.resetAndDestroy(),
  'fin-on-hello': (raw) => raw.end(),
  'not-tls': (raw) => raw.end('HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n'),
  stall: () => {},
};

/** The censor's memory of triggers: which clients it keeps resetting, and until when. */
class Censor {
  private readonly until = new Map<string, number>();
  private triggers = 0;
  constructor(private readonly filters: Filters) {}

  /** Resets the connection and, with lingering, remembers the client. */
  trigger(raw: net.Socket) {
    this.triggers++;
    if (this.filters.lingerMs) this.until.set(raw.remoteAddress ?? '', Date.now() + this.filters.lingerMs);
    raw.resetAndDestroy();
  }

  private armed = () => this.triggers < (this.filters.resetTimes ?? Infinity);

  lingering(raw: net.Socket): boolean {
    return (this.until.get(raw.remoteAddress ?? '') ?? 0) > Date.now();
  }

  blocksSni = (name: string) =>
    this.armed() && (this.filters.resetSni?.includes(name.toLowerCase()) ?? false);
  blocksHost = (name: string | undefined) =>
    this.armed() && name !== undefined && (this.filters.resetHost?.includes(name) ?? false);
  blockpageFor = (name: string | undefined) =>
    name !== undefined && (this.filters.blockpageHost?.includes(name) ?? false);
  intercepts = (name: string) => this.filters.interceptSni?.includes(name.toLowerCase()) ?? false;

  /** The pace of a response: the server's own rate, the policer's over a named flow, the freeze. */
  paceOf(opts: ServerOptions, name: string | undefined): Pace {
    const names = this.filters.police ?? [];
    const policed = names.includes('*') || (name !== undefined && names.includes(name.toLowerCase()));
    const police = policed ? (this.filters.policeBytesPerSecond ?? POLICER_BYTES_PER_SECOND) : Infinity;
    const rate = Math.min(opts.bytesPerSecond ?? Infinity, police);
    return {
      ...(rate !== Infinity ? { bytesPerSecond: rate } : {}),
      ...(this.filters.freezeAfterBytes ? { freezeAfterBytes: this.filters.freezeAfterBytes } : {}),
    };
  }
}

/** A censor with no filters: what stands between the helper abroad and the servers. */
const NO_CENSOR = new Censor({});

const blockpage = (stream: net.Socket) =>
  void stream.end(
    `HTTP/1.1 200 OK\r\ncontent-type: ` +
      `text/html\r\ncontent-length: ${BLOCKPAGE.length}\r\nconnection: close\r\n\r\n${BLOCKPAGE}`,
  );

/** The interceptor's certificate: for the name, from a CA no client trusts. */
let intercepting: tls.SecureContext | undefined;
const interceptContext = () => (intercepting ??= tls.createSecureContext(CERTS['self-signed']));

/** What a connection meets: the behaviour and the censor in front of it, inside or from abroad. */
interface Face {
  opts: ServerOptions;
  censor: Censor;
}

/** A TCP server (TLS on top when `cert` is given) that behaves as `behaviour` says, behind a censor's filters. */
export function startServer(opts: ServerOptions): Promise<Listening> {
  const pair = opts.cert ? CERTS[opts.cert] : undefined;
  const context = pair ? tls.createSecureContext(pair) : undefined;
  const inside: Face = { opts, censor: new Censor(opts) };
  const abroad: Face = { opts: { ...opts, behaviour: opts.abroad ?? opts.behaviour }, censor: NO_CENSOR };
  // The policer keys on what it can read: the SNI of a TLS flow (known once the handshake began),
  // the Host of a plain one.
  const serveHttp = (face: Face, stream: net.Socket, raw: net.Socket, sni?: () => string | undefined): void =>
    onRequest(stream, (head) => {
      const { opts: o, censor } = face;
      const host = hostOf(head);
      if (censor.blocksHost(host)) return censor.trigger(raw);
      if (censor.blockpageFor(host)) return blockpage(stream);
      const pace = censor.paceOf(o, sni ? sni() : host);
      respond(stream, raw, o, head, pace, () => serveHttp(face, stream, raw, sni));
    });
  // No Nagle: a small answer must not wait for the ACK of the last one (40 ms of delayed ACK on Linux).
  const server = net.createServer({ noDelay: true }, (raw) => {
    const face = fromAbroad(raw) ? abroad : inside;
    const { censor } = face;
    if (censor.lingering(raw)) return void raw.once('data', () => censor.trigger(raw));
    const early = FIRST_BYTES[face.opts.behaviour];
    if (early) return void raw.once('data', () => early(raw));
    if (!context) return serveHttp(face, raw, raw);
    let sni: string | undefined;
    const secure = new tls.TLSSocket(raw, {
      isServer: true,
      secureContext: context,
      // The name in the ClientHello decides, before the server answers it: SNI filtering, interception.
      SNICallback: (name, done) => {
        sni = name;
        if (censor.blocksSni(name)) return censor.trigger(raw);
        done(null, censor.intercepts(name) ? interceptContext() : context);
      },
    });
    secure.on('error', () => {});
    serveHttp(face, secure, raw, () => sni);
  });
  return listen(server, opts.at?.address, opts.at?.port);
}

/** Where the kernel picks the ports of `listen(0)` and of outgoing connections (Linux; else the IANA range). */
function ephemeralLow(): number {
  try {
    return (
      Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 49152
    );
  } catch {
    return 49152;
  }
}

/** Whether the port can be listened on now (then it is closed again). */
function free(port: number): Promise<boolean> {
  const server = net.createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, HOST, () => server.close(() => resolve(true)));
  });
}

/**
 * A port nobody listens on: the kernel answers a SYN with a RST (connection refused). It is taken below
 * the ephemeral range, so no server of another test (they all listen on port 0) can be given it while
 * a run still dials it.
 */
export async function closedPort(): Promise<number> {
  const low = Math.max(ephemeralLow(), 20_000);
  for (let tries = 0; tries < 100; tries++) {
    const port = 10_000 + Math.floor(Math.random() * (low - 10_000));
    if (await free(port)) return port;
  }
  throw new Error(`no free port between 10000 and ${low}`);
}

// A listener whose accept queue is full drops further SYNs on loopback: a real connect timeout
// without root. Node always accepts, so the listener lives in a worker whose event loop is blocked.
const BLACKHOLE_WORKER = `
const net = require('node:net');
const { parentPort, workerData } = require('node:worker_threads');
const server = net.createServer();
server.listen({ port: 0, host: '${HOST}', backlog: 1 }, () => {
  parentPort.postMessage(server.address().port);
  Atomics.wait(new Int32Array(workerData), 0, 0);
  server.close();
});`;

/** Fills the accept queue until a connect attempt is dropped. */
async function fillQueue(port: number): Promise<net.Socket[]> {
  const fillers: net.Socket[] = [];
  for (let i = 0; i < 8; i++) {
    const s = net.connect(port, HOST);
    s.on('error', () => {});
    const connected = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 200);
      s.once('connect', () => (clearTimeout(timer), resolve(true)));
    });
    if (!connected) {
      s.destroy();
      return fillers;
    }
    fillers.push(s);
  }
  throw new Error('the accept queue never filled: SYNs are not dropped here');
}

/** A server that never answers a SYN. */
export async function startBlackhole(): Promise<Listening> {
  const gate = new SharedArrayBuffer(4);
  const worker = new Worker(BLACKHOLE_WORKER, { eval: true, workerData: gate });
  const port = await new Promise<number>((resolve) => worker.once('message', resolve));
  const fillers = await fillQueue(port);
  return {
    address: HOST,
    port,
    async close() {
      for (const s of fillers) s.destroy();
      Atomics.store(new Int32Array(gate), 0, 1);
      Atomics.notify(new Int32Array(gate), 0);
      await worker.terminate();
    },
  };
}
