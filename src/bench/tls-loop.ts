// The physical limit the benchmark holds reachprobe against: a bare node:tls loop, one handshake and
// one GET per target, at the same concurrency, against the same servers.
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import pLimit from 'p-limit';
import { loadTargets } from '../targets/load.js';

function handshakeAndGet(host: string, port: number, context: tls.SecureContext): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: host, secureContext: context }, () => {
      socket.write(`GET / HTTP/1.1\r\nhost: ${host}\r\nconnection: close\r\n\r\n`);
    });
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
    socket.on('close', () => resolve(answer.startsWith('HTTP/1.1 200')));
    socket.on('error', () => resolve(false));
  });
}

export async function tlsLoop(
  targetsFile: string,
  checkArgs: string[],
  concurrency: number,
): Promise<{ wallMs: number; ok: number }> {
  const ca = readFileSync(checkArgs[checkArgs.indexOf('--ca') + 1]!, 'utf8');
  const context = tls.createSecureContext({ ca });
  const targets = await loadTargets([targetsFile]);
  const limit = pLimit(concurrency);
  const started = performance.now();
  const results = await Promise.all(
    targets.map((t) => limit(() => handshakeAndGet(t.host, t.port, context))),
  );
  return { wallMs: performance.now() - started, ok: results.filter(Boolean).length };
}
