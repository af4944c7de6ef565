// The helper's --transfer: how much of a body it downloads for a probe's target, measured by the
// pipeline helperPipeline builds from the flag, against a loopback server; bounded whatever the flag
// says (whoever holds a token picks the URLs), and a flag beyond the bound refused before it listens.
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_HELPER_TRANSFER } from '../src/helper/budget.js';
import { measureControls } from '../src/helper/measure.js';
import { helperPipeline } from '../src/helper/pipeline.js';
import { HOST } from '../src/mock/tcp-servers.js';
import type { Control } from '../src/model/control.js';
import { run } from './helpers/cli.js';
import { ENV, pinned, Servers } from './helpers/transfer.js';

const servers = new Servers();
afterAll(servers.close);

/** The control of one https target serving a 200 kB body, measured with the helper's --transfer. */
async function controlWith(transferBytes: number | undefined): Promise<Control> {
  const port = await servers.start({ behaviour: 'ok', cert: 'good', bodyBytes: 200_000 });
  const target = pinned('big', 'https', port);
  const { options } = helperPipeline({
    ca: [],
    allowAnswers: ['127.0.0.0/8'],
    ...(transferBytes === undefined ? {} : { transferBytes }),
  });
  const pins = new Map([[`${target.host}:${port}`, [HOST]]]);
  let control: Control | undefined;
  await measureControls(
    [{ name: target.name, url: target.url, addresses: [HOST] }],
    { ...options, pins },
    ENV,
    (c) => (control = c),
  );
  return control!;
}

describe('helper --transfer', () => {
  it('the body is downloaded up to --transfer and cut there, its figures sent back', async () => {
    const c = await controlWith(16_384);
    expect(c.http?.status).toBe(200);
    expect(c.http?.transfer).toMatchObject({ limit_bytes: 16_384, bytes: 16_384, end: 'cut' });
    expect(c.http?.transfer?.rate_bytes_per_second).toBeGreaterThan(0);
  });

  it('by default 512 KiB: the whole 200 kB body', async () => {
    const c = await controlWith(undefined);
    expect(c.http?.transfer).toMatchObject({ limit_bytes: 512 * 1024, bytes: 200_000, end: 'complete' });
  });

  it('0: no transfer measured, the body read as check reads it without one', async () => {
    const c = await controlWith(0);
    expect(c.http?.status).toBe(200);
    expect(c.http?.transfer).toBeUndefined();
  });

  it(`never more than ${MAX_HELPER_TRANSFER} bytes, whatever the library is given`, () => {
    const { options } = helperPipeline({ ca: [], transferBytes: 1 << 30 });
    expect(options.transferBytes).toBe(MAX_HELPER_TRANSFER);
  });

  it('a --transfer over the bound is a usage error, before anything listens', async () => {
    const r = await run([
      'helper',
      '--listen',
      '127.0.0.1:0',
      '--cert',
      'c',
      '--key',
      'k',
      '--token-file',
      't',
      '--transfer',
      String(MAX_HELPER_TRANSFER + 1),
    ]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--transfer/);
    expect(r.stderr).toMatch(new RegExp(`${MAX_HELPER_TRANSFER}`));
    expect((await run(['helper', '--help'])).stdout).toMatch(/--transfer <bytes>/);
  });
});
