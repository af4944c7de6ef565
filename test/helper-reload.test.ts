// The helper's operation as a service: SIGHUP reloads its certificate, key and tokens without
// dropping the service (a renewal needs no restart), keeps what it has when the new files are bad,
// and a key that is not the certificate's is refused at start, exit 2, in one clear sentence.
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import tls from 'node:tls';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CERTS } from '../src/mock/certs.js';
import { run } from './helpers/cli.js';
import { helperArgs, helperFiles, spawnHelper, TOKEN, type HelperFiles } from './helpers/helper-process.js';

const NEW_TOKEN = 'renewed-helper-token-0123456789abcdef';
let dir: string;
let files: HelperFiles;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'reachprobe-reload-'));
  files = await helperFiles(dir);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const start = (key = files.key) =>
  run([
    'helper',
    '--listen',
    '127.0.0.1:0',
    '--cert',
    files.cert,
    '--key',
    key,
    '--token-file',
    files.tokens,
  ]);

/** The fingerprint of the certificate the helper serves now. */
function served(url: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: hostname, port: Number(port), rejectUnauthorized: false }, () => {
      resolve(socket.getPeerX509Certificate()!.fingerprint256);
      socket.destroy();
    });
    socket.once('error', reject);
  });
}

const fingerprint = (pem: string) => new X509Certificate(pem).fingerprint256;
const agent = new Agent({ connect: { rejectUnauthorized: false } });
const health = async (url: string, token: string) =>
  (
    await request(`${url}/v1/health`, { dispatcher: agent, headers: { authorization: `Bearer ${token}` } })
  ).body.json();

async function waitFor(text: RegExp, stderr: () => string): Promise<void> {
  for (let i = 0; i < 100 && !text.test(stderr()); i++) await sleep(50);
  expect(stderr()).toMatch(text);
}

describe('the helper as a service', { timeout: 60_000 }, () => {
  it("a key that is not the certificate's is refused at start: exit 2, one sentence, no stack trace", async () => {
    const other = path.join(dir, 'other-key.pem');
    await writeFile(other, CERTS.expired.key);
    const rsa = path.join(dir, 'rsa-key.pem');
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await writeFile(rsa, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    for (const key of [other, rsa]) {
      const r = await start(key);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/the key does not match the certificate/);
      expect(r.stderr).toContain(key);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('SIGHUP reloads the certificate, key and tokens; a bad pair then is refused and the old one kept', async () => {
    const helper = await spawnHelper(helperArgs(files));
    try {
      expect(await served(helper.url)).toBe(fingerprint(CERTS.good.cert));
      await writeFile(files.cert, CERTS.expired.cert);
      await writeFile(files.key, CERTS.expired.key);
      await writeFile(files.tokens, `${NEW_TOKEN}\n`);
      helper.child.kill('SIGHUP');
      await waitFor(/SIGHUP, certificate, key and 1 token\(s\) reloaded/, helper.stderr);
      expect(await served(helper.url)).toBe(fingerprint(CERTS.expired.cert));
      expect(await health(helper.url, NEW_TOKEN)).toMatchObject({ service: 'reachprobe-helper' });
      expect(await health(helper.url, TOKEN)).toEqual({ status: 'ok' }); // the old token no longer opens

      await writeFile(files.cert, CERTS.good.cert); // a renewal half-written: the old key beside it
      helper.child.kill('SIGHUP');
      await waitFor(/SIGHUP, nothing reloaded \(.*the key does not match the certificate/, helper.stderr);
      expect(await served(helper.url)).toBe(fingerprint(CERTS.expired.cert));
      expect(await health(helper.url, NEW_TOKEN)).toMatchObject({ service: 'reachprobe-helper' });
      expect(helper.child.exitCode).toBeNull();
    } finally {
      expect(await helper.stop()).toBe(0);
      await writeFile(files.cert, CERTS.good.cert);
      await writeFile(files.key, CERTS.good.key);
    }
  });
});
