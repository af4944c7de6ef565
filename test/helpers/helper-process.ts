// A `reachprobe helper` as a user starts one: spawned, with its files written to a folder, ready
// once it says where it listens.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CERTS, MOCK_CA } from '../../src/mock/certs.js';
import { BIN } from './cli.js';

export const TOKEN = 'e2e-helper-token-000111222333444555';

export interface HelperFiles {
  cert: string;
  key: string;
  tokens: string;
  ca: string;
}

export async function helperFiles(dir: string): Promise<HelperFiles> {
  const files = {
    cert: path.join(dir, 'helper.pem'),
    key: path.join(dir, 'helper-key.pem'),
    tokens: path.join(dir, 'tokens'),
    ca: path.join(dir, 'ca.pem'),
  };
  await writeFile(files.cert, CERTS.good.cert);
  await writeFile(files.key, CERTS.good.key);
  await writeFile(files.tokens, `# the probes' tokens\n${TOKEN}\n`);
  await writeFile(files.ca, MOCK_CA);
  return files;
}

/** The flags that give a helper its files, and a loopback port of its own. */
export const helperArgs = (files: HelperFiles, key = files.key) => [
  ...['--listen', '127.0.0.1:0', '--cert', files.cert],
  ...['--key', key, '--token-file', files.tokens],
];

export interface HelperProcess {
  url: string;
  child: ChildProcessWithoutNullStreams;
  stderr: () => string;
  stop(): Promise<number | null>;
}

/** Spawns the helper (under `prefix`, e.g. `ip netns exec NS`) and waits for its "listening on" line. */
export function spawnHelper(args: string[], prefix: string[] = []): Promise<HelperProcess> {
  const [command, ...rest] = [...prefix, process.execPath, BIN, 'helper', ...args];
  const child = spawn(command!, rest, { env: { ...process.env, NO_COLOR: '1' } });
  let err = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the helper did not start: ${err}`)), 10_000);
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      const listening = /listening on (https:\/\/\S+)/.exec(err);
      if (!listening) return;
      clearTimeout(timer);
      resolve({
        url: listening[1]!,
        child,
        stderr: () => err,
        stop: () =>
          new Promise((done) => {
            if (child.exitCode !== null) return done(child.exitCode);
            child.once('exit', (code) => done(code));
            child.kill('SIGTERM');
          }),
      });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the helper exited ${code}: ${err}`));
    });
  });
}
