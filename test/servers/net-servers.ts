// Loopback servers that behave like censored (or healthy) services, for tests that go through real
// sockets. Nothing here sends a packet beyond 127.0.0.1.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { Worker } from 'node:worker_threads';

export const HOST = '127.0.0.1';
const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');

export type CertName = 'good' | 'wrong-name' | 'expired' | 'self-signed';
export const TEST_CA = fixture('ca.pem');

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
 */
export type Behaviour =
  | 'ok'
  | 'reset-on-hello'
  | 'fin-on-hello'
  | 'not-tls'
  | 'stall'
  | 'reset-on-request'
  | 'stall-response'
  | 'garbage-response'
  | 'fin-on-request'
  | 'truncated-body';

export interface ServerOptions {
  behaviour: Behaviour;
  /** Serve TLS with this certificate; plain TCP/HTTP without. */
  cert?: CertName;
  status?: number;
}

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

async function listen(server: net.Server): Promise<Listening> {
  const close = track(server);
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  return { address: HOST, port: (server.address() as net.AddressInfo).port, close };
}

function onRequest(stream: net.Socket, then: () => void) {
  let seen = '';
  const read = (chunk: Buffer) => {
    seen += chunk.toString('latin1');
    if (!seen.includes('\r\n\r\n')) return;
    stream.removeListener('data', read);
    then();
  };
  stream.on('data', read);
}

function serveHttp(stream: net.Socket, raw: net.Socket, opts: ServerOptions) {
  onRequest(stream, () => {
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
      default: {
        const body = 'hello from a loopback server\n';
        stream.end(`HTTP/1.1 ${opts.status ?? 200} OK\r\ncontent-length: ${body.length}\r\nconnection: close\r\nserver: reachprobe-test\r\n\r\n${body}`);
      }
    }
  });
}

const FIRST_BYTES: Partial<Record<Behaviour, (raw: net.Socket) => void>> = {
  'reset-on-hello': (raw) => raw.resetAndDestroy(),
  'fin-on-hello': (raw) => raw.end(),
  'not-tls': (raw) => raw.end('HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n'),
  stall: () => {},
};

/** A TCP server (TLS on top when `cert` is given) that behaves as `behaviour` says. */
export function startServer(opts: ServerOptions): Promise<Listening> {
  const context = opts.cert ? tls.createSecureContext({ cert: fixture(`${opts.cert}.pem`), key: fixture(`${opts.cert}-key.pem`) }) : undefined;
  const server = net.createServer((raw) => {
    const early = FIRST_BYTES[opts.behaviour];
    if (early) return void raw.once('data', () => early(raw));
    if (!context) return serveHttp(raw, raw, opts);
    const secure = new tls.TLSSocket(raw, { isServer: true, secureContext: context });
    secure.on('error', () => {});
    serveHttp(secure, raw, opts);
  });
  return listen(server);
}

/** A port nobody listens on: the kernel answers a SYN with a RST (connection refused). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
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
