// npm run bench: how fast reachprobe measures, against a mock network on loopback, beside a bare
// node:tls loop (the physical limit: one TLS handshake and one GET per target) and curl.
// A benchmark, not a test: it prints its figures and the goals they are held against.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CERTS } from '../mock/certs.js';
import { loadTargets } from '../targets/load.js';
import { scaleRun } from './scale.js';
import { tlsLoop } from './tls-loop.js';
import { benchOptions, USAGE, type BenchOptions } from './options.js';
import { HOP_TARGETS, redirectsYaml, scenarioYaml, type Mix } from './scenario.js';
import type { ListFigures } from './read-list.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = path.join(ROOT, 'bin/reachprobe.js');
const MEASURE = fileURLToPath(new URL('./measure.js', import.meta.url));
const READ_LIST = fileURLToPath(new URL('./read-list.js', import.meta.url));

/** The options given, or undefined once the usage (asked for, or after a bad option) is printed. */
function given(): BenchOptions | undefined {
  try {
    const options = benchOptions(process.argv.slice(2));
    if (options !== 'help') return options;
    process.stdout.write(USAGE);
  } catch (err) {
    process.stderr.write(`npm run bench: ${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
    process.exitCode = 2;
  }
  return undefined;
}

const options = given();
// Without options main() does not run, and these are not read.
const SIZES = options?.sizes ?? [];
const CONCURRENCY = options?.concurrency ?? 0;
const ROUNDS = options?.rounds ?? 0;
const DEADLINE_S = 1;
/** The run's scratch folder, made by main(). */
let work = '';

interface Mock {
  targetsFile: string;
  checkArgs: string[];
  stop(): Promise<void>;
}

/** Starts `reachprobe mock` on a generated scenario in its own process, so it is not measured. */
async function startMock(name: string, yaml: string): Promise<Mock> {
  const scenario = path.join(work, `${name}.yaml`);
  const targetsFile = path.join(work, `${name}-targets.yaml`);
  writeFileSync(scenario, yaml);
  const child = spawn(
    process.execPath,
    [BIN, 'mock', '--scenario', scenario, '--write-targets', targetsFile],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const command = await new Promise<string>((resolve, reject) => {
    child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim()));
    child.once('exit', (code) => reject(new Error(`the mock network exited (${code})`)));
  });
  // After "reachprobe check FILE", without the mock's own helper: the helper run starts a real one.
  const checkArgs = dropOptions(command.split(' ').slice(3), ['--helper', '--helper-token-file']);
  return { targetsFile, checkArgs, stop: () => stop(child) };
}

/** Options (each with its value) taken out of a command line. */
function dropOptions(args: string[], names: string[]): string[] {
  const drop = new Set(names);
  return args.filter((a, i) => !drop.has(a) && !drop.has(args[i - 1] ?? ''));
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGINT');
  });
}

export interface Measured {
  /** From main() to its end: reading the targets, loading the measuring code, the run, the summary. */
  wallMs: number;
  /** The run alone (the summary's duration), timed as the loop is: from targets in memory to the last result. */
  runMs: number;
  cpuMs: number;
  maxRssMb: number;
  counts: Record<string, number>;
  /** How long timed-out steps took, over their deadline. */
  timeoutRatios: number[];
  /** QUIC verdicts, and the QUIC timeouts over their deadline. */
  quicCounts: Record<string, number>;
  quicTimeoutRatios: number[];
}

/** Runs the CLI's check in a child process of its own and reads its figures. */
function measure(mock: Mock, extra: string[] = []): Promise<Measured> {
  const cliArgs = [
    'check',
    mock.targetsFile,
    ...mock.checkArgs,
    '--timeout',
    String(DEADLINE_S),
    '--concurrency',
    String(CONCURRENCY),
    ...extra,
  ];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [MEASURE, ...cliArgs], { maxBuffer: 1 << 30 }, (err, stdout, stderr) => {
      // an unmet expectation exits 1 with figures
      if (err && !stdout) return reject(new Error(`${err.message}\n${stderr}`));
      resolve(JSON.parse(stdout.trim().split('\n').at(-1)!) as Measured);
    });
  });
}

interface CurlRun {
  wallMs: number;
  counts: Record<string, number>;
}

const CURL_VERDICTS: Record<string, string> = {
  '0': 'reachable',
  '7': 'reset',
  '28': 'timeout',
  '35': 'reset',
  '56': 'reset',
  '6': 'dns-failure',
};

/** Each target's name pinned to the mock's servers' address, as curl and reachprobe take it: HOST:PORT:ADDR. */
async function pinsOf(mock: Mock): Promise<Array<{ pin: string; url: string }>> {
  return (await loadTargets([mock.targetsFile])).map((t) => ({
    pin: `${t.host}:${t.port}:127.0.0.1`,
    url: t.url,
  }));
}

/** The same targets through curl: one process each, `xargs -P` at the same concurrency. */
async function curlRun(mock: Mock): Promise<CurlRun> {
  const ca = mock.checkArgs[mock.checkArgs.indexOf('--ca') + 1]!;
  const lines = (await pinsOf(mock)).map((t) => `${t.pin} ${t.url}`);
  const list = path.join(work, 'curl-list.txt');
  writeFileSync(list, `${lines.join('\n')}\n`);
  const script =
    `xargs -P ${CONCURRENCY} -L 1 sh -c 'curl -s -o /dev/null --max-time ${DEADLINE_S} --cacert ${ca} ` +
    `--resolve "$0" "$1"; echo $?' < ${list}`;
  const started = performance.now();
  const stdout = await new Promise<string>((resolve) =>
    execFile('bash', ['-c', script], { maxBuffer: 1 << 26 }, (_e, out) => resolve(out)),
  );
  const counts: Record<string, number> = {};
  for (const code of stdout.trim().split('\n')) {
    const verdict = CURL_VERDICTS[code] ?? `exit ${code}`;
    counts[verdict] = (counts[verdict] ?? 0) + 1;
  }
  return { wallMs: performance.now() - started, counts };
}

function hasCurl(): Promise<boolean> {
  return new Promise((resolve) => execFile('curl', ['--version'], (err) => resolve(!err)));
}

/** The median of 7 starts of `reachprobe --help`, and of node alone beside them, in this environment. */
async function startupMs(env: NodeJS.ProcessEnv): Promise<{ help: number; node: number }> {
  const start = async (args: string[]) => {
    const started = performance.now();
    await new Promise((resolve) => execFile(process.execPath, args, { env }, resolve));
    return performance.now() - started;
  };
  const help: number[] = [];
  const node: number[] = [];
  for (let i = 0; i < 7; i++) {
    help.push(await start([BIN, '--help']));
    node.push(await start(['-e', '']));
  }
  return { help: median(help), node: median(node) };
}

/**
 * NODE_EXTRA_CA_CERTS (some machines set it for a proxy's CA) makes Node 20 read and parse that
 * file, and its own root store, before any code runs: about 40 ms of every start here, with the
 * system bundle. The goal is reachprobe's start-up: it is held where the variable is not set.
 */
async function helpRun() {
  const extra = process.env.NODE_EXTRA_CA_CERTS;
  const { NODE_EXTRA_CA_CERTS: _dropped, ...clean } = process.env;
  console.log('');
  if (extra !== undefined) {
    const given = await startupMs(process.env);
    console.log(
      `  reachprobe --help with NODE_EXTRA_CA_CERTS=${extra}, as this machine sets it: ` +
        `${f(given.help)} ms (median of 7; node alone ${f(given.node)} ms)`,
    );
  }
  const m = await startupMs(clean);
  const where = extra === undefined ? '' : ', without NODE_EXTRA_CA_CERTS';
  goal(
    'reachprobe --help starts in under 150 ms',
    m.help < 150,
    `${f(m.help)} ms (median of 7${where}; node alone ${f(m.node)} ms)`,
  );
}

const rate = (n: number, ms: number) => (n / ms) * 1000;
/** The median of some numbers (the upper of the middle two when their count is even); 0 of none. */
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? 0;
const f = (x: number, digits = 0) => x.toFixed(digits);
/** A share as a whole percentage. */
const pct = (x: number) => `${f(x * 100)}%`;
const verdicts = (c: Record<string, number>) =>
  Object.entries(c)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${v} ${k}`)
    .join(', ');

function goal(label: string, ok: boolean, detail: string) {
  console.log(`  ${ok ? 'MET ' : 'MISS'}  ${label}: ${detail}`);
}

async function mixedRun(count: number) {
  const mix: Mix = { reachable: 0.7, poisoned: 0.1, reset: 0.1, timeout: 0.1 };
  const mock = await startMock(`mixed-${count}`, scenarioYaml(count, mix));
  try {
    const m = await measure(mock);
    const worst = Math.max(...m.timeoutRatios);
    console.log(
      `\nmixed run, ${count} targets (70% reachable HTTPS, 10% DNS-poisoned, 10% reset, 10% ` +
        `timeout), concurrency ${CONCURRENCY}, deadline ${DEADLINE_S} s`,
    );
    console.log(`  verdicts: ${verdicts(m.counts)}`);
    console.log(
      `  ${f(rate(count, m.runMs))} targets/s, run ${f(m.runMs / 1000, 2)} s ` +
        `(${f(m.wallMs / 1000, 2)} s end to end), CPU ${f(m.cpuMs / 1000, 2)} s, peak ` +
        `RSS ${f(m.maxRssMb)} MB`,
    );
    goal(
      'a timed-out check ends within 5% of its deadline',
      worst <= 1.05,
      `worst ${f(worst, 3)}x, ` +
        `median ${f(median(m.timeoutRatios), 3)}x ` +
        `over ${m.timeoutRatios.length} timeouts`,
    );
    if (count >= 10_000)
      goal('peak RSS under 200 MB at 10,000 targets', m.maxRssMb < 200, `${f(m.maxRssMb)} MB`);
  } finally {
    await mock.stop();
  }
}

/** The mock's check options without the sink and the DoH control: the pipeline as most users run it. */
function withoutControls(mock: Mock): Mock {
  return { ...mock, checkArgs: dropOptions(mock.checkArgs, ['--sink', '--control-doh']) };
}

interface Helper {
  url: string;
  tokenFile: string;
  /** Its peak RSS so far (VmHWM), in MB. */
  peakRssMb(): number;
  stop(): Promise<void>;
}

/** A `reachprobe helper` process on loopback, resolving with the mock network's resolver, as one abroad would. */
async function startHelper(mock: Mock): Promise<Helper> {
  const at = (name: string) => mock.checkArgs[mock.checkArgs.indexOf(name) + 1]!;
  const [cert, key, tokenFile] = ['helper.pem', 'helper-key.pem', 'helper.token'].map((f) =>
    path.join(work, f),
  ) as [string, string, string];
  writeFileSync(cert, CERTS.good.cert);
  writeFileSync(key, CERTS.good.key);
  writeFileSync(tokenFile, 'bench-token-0123456789abcdef\n');
  const args = [
    'helper',
    '--listen',
    '127.0.0.1:0',
    '--cert',
    cert,
    '--key',
    key,
    '--token-file',
    tokenFile,
    '--ca',
    at('--ca'),
    '--allow-answers',
    '127.0.0.0/8',
    '--resolver',
    at('--resolver'),
  ];
  const child = spawn(process.execPath, [BIN, ...args, '--timeout', String(DEADLINE_S)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /listening on (\S+)/.exec(err);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`the helper exited (${code}): ${err}`)));
  });
  child.stderr!.resume(); // one log line per request: read and dropped
  const peakRssMb = () =>
    Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
  return { url, tokenFile, peakRssMb, stop: () => stop(child) };
}

/** The same targets measured from both sides: a helper process on the same two CPUs doubles the work. */
async function helperRun(mock: Mock, count: number, alone: Measured) {
  const helper = await startHelper(mock);
  try {
    // Two runs against the same helper, the goal held against the slower: a second run within the
    // minute is what found the helper's first default rate limit (600 requests a minute, 200 of
    // them per run) throttling the probe (docs/performance.md).
    const helperArgs = ['--helper', helper.url, '--helper-token-file', helper.tokenFile];
    const cold = await measure(mock, helperArgs);
    const m = await measure(mock, helperArgs);
    const helperRss = helper.peakRssMb();
    const share = Math.min(rate(count, m.runMs), rate(count, cold.runMs)) / rate(count, alone.runMs);
    console.log(
      `  with a helper (reachprobe helper, its own process on the same CPUs, measuring every target ` +
        `again): ${f(rate(count, m.runMs))} targets/s, CPU ${f(m.cpuMs / 1000, 2)} s ` +
        `(${verdicts(m.counts)}); the run before it: ${f(rate(count, cold.runMs))} targets/s ` +
        `(${pct(rate(count, cold.runMs) / rate(count, alone.runMs))})`,
    );
    goal('with a helper, at least 40% of the rate without', share >= 0.4, pct(share));
    goal(
      'each process under 250 MB peak RSS with a helper',
      Math.max(m.maxRssMb, cold.maxRssMb) < 250 && helperRss < 250,
      `the probe ${f(Math.max(m.maxRssMb, cold.maxRssMb))} MB, the helper ${f(helperRss)} MB`,
    );
  } finally {
    await helper.stop();
  }
}

/** The resolver's listen window the mock's check runs with, in ms. */
const dnsWindowMs = (mock: Mock) => Number(mock.checkArgs[mock.checkArgs.indexOf('--dns-window') + 1]) * 1000;

/** N timed-out targets at concurrency C must take about ceil(N/C) deadlines, never the sum. */
async function boundRun(count: number) {
  const mock = await startMock(
    `timeouts-${count}`,
    scenarioYaml(count, { reachable: 0, poisoned: 0, reset: 0, timeout: 1 }),
  );
  try {
    const m = await measure(mock);
    // Nothing is dialled before the resolver's listen window has told which answers were forged:
    // the first targets wait one window, the others listen theirs out while those ahead connect.
    const window = dnsWindowMs(mock);
    const bound = window + Math.ceil(count / CONCURRENCY) * DEADLINE_S * 1000;
    console.log(
      `\n${count} targets that all time out (TLS handshake stalls), concurrency ${CONCURRENCY}, ` +
        `deadline ${DEADLINE_S} s`,
    );
    goal(
      'bounded: about one DNS window and ceil(N/C) deadlines, plus < 10%',
      m.runMs <= bound * 1.1,
      `the run ${f(m.runMs)} ms against ${bound} ms (${f(m.runMs / bound, 3)}x; the sum would ` +
        `be ${count * DEADLINE_S} s)`,
    );
    console.log(
      `        end to end, with loading the measuring code, reading the targets and a full GC before ` +
        `it: ${f(m.wallMs)} ms (${f(m.wallMs / bound, 3)}x)`,
    );
  } finally {
    await mock.stop();
  }
}

/** One round of the throughput runs: reachprobe as most run it, and with full evidence. */
interface Round {
  plain: Measured;
  controlled: Measured;
  /** The loop right before and right after the round: its rate, and how many of its GETs were answered 200. */
  loops: [Loop, Loop];
}

interface Loop {
  rate: number;
  ok: number;
}

/**
 * This machine's speed drifts by 10-20% within minutes, and a run of the loop can land on a fast
 * minute and reachprobe's on a slow one. So the runs are interleaved, ROUNDS times over: the loop,
 * reachprobe (default, then full evidence), the loop again, and so on; each round is held against
 * the mean of the loops on either side of it, and the goals against the median round.
 */
async function throughputRounds(mock: Mock, full: Mock, count: number): Promise<Round[]> {
  const loop = async (): Promise<Loop> => {
    const { wallMs, ok } = await tlsLoop(mock.targetsFile, mock.checkArgs, CONCURRENCY);
    return { rate: rate(count, wallMs), ok };
  };
  const rounds: Round[] = [];
  let before = await loop();
  for (let r = 0; r < ROUNDS; r++) {
    const plain = await measure(mock);
    const controlled = await measure(full);
    const after = await loop();
    rounds.push({ plain, controlled, loops: [before, after] });
    before = after;
  }
  return rounds;
}

/** What a round is held against: the mean of the loops on either side of it. */
const loopRateOf = (r: Round) => (r.loops[0].rate + r.loops[1].rate) / 2;

async function throughputRun(count: number, withCurl: boolean) {
  const full = await startMock(`reachable-${count}`, scenarioYaml(count, REACHABLE));
  const mock = withoutControls(full);
  try {
    console.log(`\n${count} reachable HTTPS targets, concurrency ${CONCURRENCY}`);
    const rounds = await throughputRounds(mock, full, count);
    const share = (r: Round, m: Measured) => rate(count, m.runMs) / loopRateOf(r);
    const over = (rs: Round[]) => (rs.length === 1 ? 'one round' : `median of ${rs.length} rounds`);
    for (const [i, r] of rounds.entries()) {
      console.log(
        `  round ${i + 1}: bare node:tls loop (handshake + GET) ${f(r.loops[0].rate)} and ` +
          `${f(r.loops[1].rate)} /s (${r.loops[0].ok} and ${r.loops[1].ok} ok); ` +
          `reachprobe ${f(rate(count, r.plain.runMs))} targets/s (${pct(share(r, r.plain))}), with full ` +
          `evidence ${f(rate(count, r.controlled.runMs))} targets/s (${pct(share(r, r.controlled))})`,
      );
    }
    // The round whose default run is the median one: its share is the goal's, and it gives the other
    // figures (helper, curl, CPU).
    const byShare = [...rounds].sort((a, b) => share(a, a.plain) - share(b, b.plain));
    const mid = byShare[rounds.length >> 1]!;
    const m = mid.plain;
    const loopRate = loopRateOf(mid);
    const plainShare = share(mid, m);
    const fullShare = median(rounds.map((r) => share(r, r.controlled)));
    // Both are timed from the targets in memory to the last result: the loop reads the same file first.
    const ours = rate(count, m.runMs);
    const endToEnd = rate(count, m.wallMs);
    console.log(
      `  reachprobe full pipeline (resolver, raw A/AAAA/TXT queries, connect, decoy TLS reused per ` +
        `IP:port, TLS, GET), the median round: ${f(ours)} targets/s against the loop's ${f(loopRate)}, ` +
        `run ${f(m.runMs / 1000, 2)} s, CPU ${f(m.cpuMs / 1000, 2)} s, peak RSS ${f(m.maxRssMb)} MB ` +
        `(${verdicts(m.counts)})`,
    );
    console.log(
      `    end to end, with loading the measuring code, reading the ${count} targets and a full ` +
        `GC: ${f(endToEnd)} targets/s, ${f(m.wallMs / 1000, 2)} s (${pct(endToEnd / loopRate)} of the loop)`,
    );
    goal('at least 70% of the bare TLS+GET rate', plainShare >= 0.7, `${pct(plainShare)} (${over(rounds)})`);
    await helperRun(mock, count, m);
    // The targets share 64 servers (scenario.ts), so nearly every decoy is reused; a list where each name
    // has an address of its own costs a decoy handshake per target, as here.
    const each = await measure(mock, ['--decoy-reuse', '0']);
    const eachRate = rate(count, each.runMs);
    console.log(
      `  a decoy for every target (--decoy-reuse 0, as when no two targets share an ` +
        `IP:port): ${f(eachRate)} targets/s (${pct(eachRate / loopRate)} of the loop), ` +
        `CPU ${f(each.cpuMs / 1000, 2)} s, peak RSS ${f(each.maxRssMb)} MB`,
    );
    const bare = await measure(mock, ['--no-decoy']);
    const bareRate = rate(count, bare.runMs);
    console.log(
      `  without the decoy handshake (--no-decoy), the same work as the loop plus ` +
        `DNS: ${f(bareRate)} targets/s (${pct(bareRate / loopRate)} of the loop), ` +
        `CPU ${f(bare.cpuMs / 1000, 2)} s, peak RSS ${f(bare.maxRssMb)} MB`,
    );
    // What the DNS evidence costs (three raw queries a name, their windows, their classification and
    // evidence): the same run with every name pinned, as curl is given them.
    const pins = (await pinsOf(mock)).flatMap((t) => ['--resolve', t.pin]);
    const pinned = await measure(mock, pins);
    const pinnedRate = rate(count, pinned.runMs);
    console.log(
      `  every name pinned (--resolve, no DNS at all): ${f(pinnedRate)} targets/s ` +
        `(${pct(pinnedRate / loopRate)} of the loop), CPU ${f(pinned.cpuMs / 1000, 2)} s`,
    );
    const controlled = mid.controlled;
    console.log(
      `  full evidence, with the sink and a DoH control too, the same round: ` +
        `${f(rate(count, controlled.runMs))} targets/s, CPU ${f(controlled.cpuMs / 1000, 2)} s, ` +
        `peak RSS ${f(controlled.maxRssMb)} MB`,
    );
    goal(
      'full evidence: at least 55% of the bare TLS+GET rate',
      fullShare >= 0.55,
      `${pct(fullShare)} (${over(rounds)})`,
    );
    if (withCurl) {
      const c = await curlRun(mock);
      const curlRate = rate(count, c.wallMs);
      console.log(`  curl, xargs -P ${CONCURRENCY}: ${f(curlRate)} /s (${verdicts(c.counts)})`);
      goal(
        'at least 2.5x curl',
        ours >= 2.5 * curlRate,
        `${f(ours / curlRate, 2)}x (end to end ${f(endToEnd / curlRate, 2)}x)`,
      );
    }
  } finally {
    await full.stop();
  }
}

const LIST_SIZE = 100_000;

function readList(
  mode: 'load' | 'targets' | 'check',
  file: string,
  extra: string[] = [],
): Promise<ListFigures> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [READ_LIST, mode, file, ...extra],
      { maxBuffer: 1 << 20 },
      (err, stdout, stderr) =>
        // check exits 1 here (its targets are not reachable): the figures are what counts.
        err && !stdout
          ? reject(new Error(`${err.message}\n${stderr}`))
          : resolve(JSON.parse(stdout) as ListFigures),
    );
  });
}

/**
 * A 100,000-URL list (plain, and as a Citizen Lab CSV file) is read within 300 MB, and checked within
 * it too: tcp:// URLs to a closed port on as many loopback addresses (a RST each, on IP:ports of
 * their own, so that no target waits for another's lock), every result streamed as JSON Lines.
 */
async function listRun() {
  const urls = Array.from(
    { length: LIST_SIZE },
    (_, i) => `https://www.site-${i % 25_000}.example/page/${i}`,
  );
  const plain = path.join(work, 'list.txt');
  const csv = path.join(work, 'list.csv');
  writeFileSync(plain, `# generated\n${urls.join('\n')}\n`);
  writeFileSync(
    csv,
    'url,category_code,category_description,date_added,source,notes\n' +
      urls.map((u, i) => `${u},${['NEWS', 'HUMR', 'POLR'][i % 3]},x,2014-04-15,citizenlab,`).join('\n') +
      '\n',
  );
  console.log(`\na list of ${LIST_SIZE.toLocaleString('en')} URLs, read in a process of its own`);
  for (const [label, file, mode] of [
    ['plain list, the loader', plain, 'load'],
    ['Citizen Lab CSV, the loader', csv, 'load'],
    ['Citizen Lab CSV, reachprobe targets --json', csv, 'targets'],
  ] as const) {
    const m = await readList(mode, file);
    goal(
      `${label}: peak RSS under 300 MB`,
      m.maxRssMb < 300 && m.targets === LIST_SIZE,
      `${f(m.maxRssMb)} MB, ${m.targets} targets in ${f(m.wallMs)} ms`,
    );
  }
  const refused = path.join(work, 'refused.txt');
  const loopback = (i: number) => `127.${1 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;
  writeFileSync(
    refused,
    `${Array.from({ length: LIST_SIZE }, (_, i) => `tcp://${loopback(i)}:9`).join('\n')}\n`,
  );
  const c = await readList('check', refused, [
    '--no-decoy',
    '--tries',
    '1',
    '--connect-timeout',
    String(DEADLINE_S),
  ]);
  // One line per target, and the summary.
  goal(
    'check on it (tcp:// to closed loopback ports, --json): peak RSS under 300 MB',
    c.maxRssMb < 300 && c.targets === LIST_SIZE + 1,
    `${f(c.maxRssMb)} MB, ${c.targets - 1} results in ${f(c.wallMs / 1000, 1)} s`,
  );
}

const REACHABLE: Mix = { reachable: 1, poisoned: 0, reset: 0, timeout: 0 };

/** --quic on reachable targets, held against the same run without, measured before and after it. */
async function quicRun(count: number) {
  const mock = withoutControls(await startMock(`quic-${count}`, scenarioYaml(count, REACHABLE, 'ok')));
  try {
    console.log(
      `\n${count} reachable HTTPS targets that speak QUIC, concurrency ${CONCURRENCY}: --quic ` +
        `against the same run without`,
    );
    const before = await measure(mock);
    const m = await measure(mock, ['--quic']);
    const after = await measure(mock);
    const plain = (rate(count, before.runMs) + rate(count, after.runMs)) / 2;
    const ours = rate(count, m.runMs);
    console.log(
      `  without QUIC, before and after: ${f(rate(count, before.runMs))} ` +
        `and ${f(rate(count, after.runMs))} targets/s, peak RSS ${f(before.maxRssMb)} ` +
        `and ${f(after.maxRssMb)} MB`,
    );
    console.log(
      `  with --quic (the own QUIC handshake per target, a QUIC decoy per address and port reused as ` +
        `over TCP): ${f(ours)} targets/s, CPU ${f(m.cpuMs / 1000, 2)} s, peak RSS ${f(m.maxRssMb)} MB ` +
        `(QUIC: ${verdicts(m.quicCounts)})`,
    );
    goal('with --quic, at least 40% of the rate without', ours >= 0.4 * plain, pct(ours / plain));
    goal('with --quic, peak RSS under 200 MB', m.maxRssMb < 200, `${f(m.maxRssMb)} MB`);
  } finally {
    await mock.stop();
  }
}

/** Every target's QUIC times out (UDP blackholed): about ceil(N/C) QUIC deadlines, each within 5%. */
async function quicBoundRun(count: number) {
  const mock = withoutControls(
    await startMock(`quic-timeouts-${count}`, scenarioYaml(count, REACHABLE, 'blackhole')),
  );
  try {
    const m = await measure(mock, ['--quic', '--quic-timeout', String(DEADLINE_S)]);
    const bound = Math.ceil(count / CONCURRENCY) * DEADLINE_S * 1000;
    const worst = Math.max(...m.quicTimeoutRatios);
    console.log(
      `\n${count} targets whose QUIC times out (UDP blackholed, TLS fine), ` +
        `concurrency ${CONCURRENCY}, QUIC deadline ${DEADLINE_S} s`,
    );
    goal(
      'bounded: about ceil(N/C) QUIC deadlines, plus < 10%',
      m.runMs <= bound * 1.1,
      `the run ${f(m.runMs)} ms against ${bound} ms (${f(m.runMs / bound, 3)}x)`,
    );
    goal(
      'a QUIC timeout ends within 5% of --quic-timeout',
      worst <= 1.05,
      `worst ${f(worst, 3)}x over ${m.quicTimeoutRatios.length} timeouts`,
    );
  } finally {
    await mock.stop();
  }
}

// Following a redirect measures a second chain (its DNS, connect, TLS and GET), and every name here
// has addresses of both families, both dialled: twice the work of a target that does not redirect,
// so about half its rate. The goal leaves a fifth of that for the second family's connects and
// for a machine others share.
const REDIRECT_SHARE = 0.4;

/**
 * Targets that each redirect once, to another name, every name with an IPv4 and an IPv6 address,
 * both served: followed (the default), against the same targets with --max-redirects 0 (the
 * redirect recorded, not followed) measured before and after it.
 */
async function redirectRun(count: number) {
  const mock = withoutControls(await startMock(`redirects-${count}`, redirectsYaml(count)));
  // The mock's servers are in 127.0.0.0/24, which it allows; ::1 is loopback, allowed here too.
  const both = { ...mock, checkArgs: [...mock.checkArgs, '--allow-answers', '::1/128'] };
  try {
    console.log(
      `\n${count} HTTPS targets, all but the ${HOP_TARGETS} they redirect to redirecting once to another ` +
        `name, every name resolving to 127.0.0.1 and ::1, both served, concurrency ${CONCURRENCY}`,
    );
    const before = await measure(both, ['--max-redirects', '0']);
    const m = await measure(both);
    const after = await measure(both, ['--max-redirects', '0']);
    const plain = (rate(count, before.runMs) + rate(count, after.runMs)) / 2;
    const ours = rate(count, m.runMs);
    console.log(
      `  not followed (--max-redirects 0), before and after: ${f(rate(count, before.runMs))} and ` +
        `${f(rate(count, after.runMs))} targets/s, peak RSS ${f(before.maxRssMb)} and ${f(after.maxRssMb)} MB`,
    );
    console.log(
      `  followed: ${f(ours)} targets/s, run ${f(m.runMs / 1000, 2)} s, CPU ${f(m.cpuMs / 1000, 2)} s, ` +
        `peak RSS ${f(m.maxRssMb)} MB (${verdicts(m.counts)})`,
    );
    goal(
      `redirects followed, at least ${REDIRECT_SHARE * 100}% of the rate without`,
      ours >= REDIRECT_SHARE * plain,
      pct(ours / plain),
    );
    goal('redirects followed, peak RSS under 200 MB', m.maxRssMb < 200, `${f(m.maxRssMb)} MB`);
  } finally {
    await mock.stop();
  }
}

const TRANSFER_BYTES = 512 * 1024;

/** Every target a 512 KiB page, each read whole and its transfer measured (the default --transfer). */
async function transferRun(count: number) {
  const mix = { reachable: 1, poisoned: 0, reset: 0, timeout: 0 };
  const mock = await startMock(`transfer-${count}`, scenarioYaml(count, mix, undefined, TRANSFER_BYTES));
  try {
    // A deadline that a loaded machine's transfers fit in: the figure is the rate, not a timeout.
    const m = await measure(mock, ['--http-timeout', '10', '--transfer', String(TRANSFER_BYTES)]);
    const mb = (count * TRANSFER_BYTES) / 2 ** 20;
    console.log(`\n${count} targets serving ${TRANSFER_BYTES / 1024} KiB each, concurrency ${CONCURRENCY}`);
    console.log(
      `        ${f(count / (m.runMs / 1000))} targets/s, ${f(mb / (m.runMs / 1000))} MiB/s of bodies ` +
        `(${f(mb)} MiB in ${f(m.runMs)} ms); verdicts ${JSON.stringify(m.counts)}`,
    );
    goal('with 512 KiB transfers, peak RSS under 200 MB', m.maxRssMb < 200, `${f(m.maxRssMb)} MB`);
  } finally {
    await mock.stop();
  }
}

async function main(options: BenchOptions) {
  work = mkdtempSync(path.join(os.tmpdir(), 'reachprobe-bench-'));
  const cpus = os.cpus();
  console.log(
    `reachprobe benchmark on ${cpus.length} ` +
      `x ${cpus[0]?.model ?? 'cpu'}, ${f(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
  );
  const withCurl = options.curl && (await hasCurl());
  try {
    if (options.only === 'scale') return await scaleRun(work, 64);
    if (options.only === 'transfer') return await transferRun(Math.min(...SIZES));
    if (options.only === 'redirects') return await redirectRun(Math.max(...SIZES));
    if (options.only === 'quic') {
      await quicBoundRun(10 * CONCURRENCY);
      return await quicRun(Math.max(...SIZES));
    }
    for (const count of SIZES) await mixedRun(count);
    await boundRun(10 * CONCURRENCY);
    await throughputRun(Math.max(...SIZES), withCurl);
    await listRun();
    await transferRun(Math.min(...SIZES));
    await helpRun();
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (options) await main(options);
