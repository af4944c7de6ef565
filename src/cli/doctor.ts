import { readFileSync } from 'node:fs';
import type * as Commander from 'commander';
import { formatServer } from '../model/addresses.js';
import { diagnose, type Answer, type Diagnosis, type HelperSettings, type Status } from '../run/doctor/index.js';
import { envFrom, optionsFrom, withMockNetwork, type CheckFlags, type Given } from './check.js';
import type { Pin } from './flags.js';
import { EXIT } from './meta.js';
import { targetsFrom } from './selection.js';

// `reachprobe doctor`: the preflight of a new vantage point, and the command line it recommends.

interface DoctorFlags extends CheckFlags {
  helper?: string;
  helperTokenFile?: string;
  helperResolve?: Pin;
  helperTimeout?: number;
}

const MARK: Record<Status, string> = { ok: 'ok  ', attention: 'FIX ', note: 'note' };

/** The first non-empty line of the token file, or why there is none. */
function tokenFrom(file: string | undefined): HelperSettings['token'] {
  if (file === undefined) return { problem: 'no --helper-token-file was given' };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return { problem: `the token file ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` };
  }
  const value = text.split('\n').map((l) => l.trim()).find((l) => l !== '');
  return value ? { value } : { problem: `the token file ${file} is empty` };
}

function helperOf(flags: DoctorFlags): HelperSettings | undefined {
  if (flags.helper === undefined) return undefined;
  return { url: flags.helper, token: tokenFrom(flags.helperTokenFile), timeoutMs: flags.helperTimeout ?? 10_000 };
}

const pinText = (p: Pin) => `${p.key}:${p.addresses.map((a) => (a.includes(':') ? `[${a}]` : a)).join(',')}`;

/** The settings the user gave that worked, as check options (key, value); the mock network's own are implied by --mock. */
function recommended(user: DoctorFlags, d: Diagnosis, checkTakes: Set<string>): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  if (user.mock !== undefined) out.push(['mock', user.mock]);
  if (user.resolver && d.works.rawDns) out.push(['resolver', formatServer(user.resolver)]);
  for (const file of user.ca ?? []) out.push(['ca', file]);
  if (user.sink && d.works.sink) out.push(['sink', formatServer(user.sink)]);
  for (const url of user.controlDoh ?? []) if (d.works.controls.includes(url)) out.push(['control-doh', url]);
  if (user.helper && d.works.helper && checkTakes.has('--helper')) {
    out.push(['helper', user.helper], ['helper-token-file', user.helperTokenFile!]);
    if (user.helperResolve) out.push(['helper-resolve', pinText(user.helperResolve)]);
  }
  return out;
}

const quoted = (v: string) => (/^[\w@%+=:,./[\]-]+$/.test(v) ? v : `'${v.replace(/'/g, "'\\''")}'`);

function render(answers: Answer[], advice: Array<[string, string]>, helperWaits: boolean): string {
  const width = Math.max(...answers.map((a) => a.topic.length));
  const lines = answers.map((a) => `  ${MARK[a.status]}  ${a.topic.padEnd(width)}  ${a.says}`);
  const fix = answers.filter((a) => a.status === 'attention').length;
  const verdict = fix === 0 ? 'Usable: nothing needs attention.' : `${fix} ${fix === 1 ? 'thing needs' : 'things need'} attention (FIX above).`;
  const command = ['reachprobe check', ...advice.map(([k, v]) => `--${k} ${quoted(v)}`)].join(' ');
  const yaml = advice.length === 0 ? '' : `\nor, in $XDG_CONFIG_HOME/reachprobe/config.yaml (~/.config/reachprobe/config.yaml):\n${configYaml(advice)}`;
  const later = helperWaits ? '\n(the helper answered, but this reachprobe\'s check does not take --helper yet)' : '';
  const heading = fix === 0 ? 'Recommended:' : 'Recommended, with what works now (fix the FIX lines first):';
  return `reachprobe doctor: is this vantage point ready?\n\n${lines.join('\n')}\n\n${verdict}\n\n${heading}\n  ${command}\n${yaml}${later}\n`;
}

function configYaml(advice: Array<[string, string]>): string {
  const byKey = new Map<string, string[]>();
  for (const [k, v] of advice) byKey.set(k, [...(byKey.get(k) ?? []), v]);
  return [...byKey].map(([k, vs]) => `  ${k}: ${vs.length === 1 ? JSON.stringify(vs[0]) : `[${vs.map((v) => JSON.stringify(v)).join(', ')}]`}`).join('\n') + '\n';
}

async function examine(paths: string[], flags: DoctorFlags, given?: Given): Promise<Diagnosis> {
  const options = optionsFrom(flags, given?.options);
  // Every target of the files, whatever --only or --category a config file gives check: the controls are what doctor asks.
  const targets = await targetsFrom(paths, flags.serviceFrom ? { serviceFrom: flags.serviceFrom } : {}, given?.targets);
  const env = envFrom(flags, options, given?.ca ?? []);
  const pins = new Map(options.pins);
  if (flags.helperResolve) pins.set(flags.helperResolve.key, flags.helperResolve.addresses);
  const helper = helperOf(flags);
  try {
    return await diagnose({ targets, options, env, pins, ...(helper ? { helper } : {}) });
  } finally {
    await env.doh?.destroy();
  }
}

export async function runDoctor(paths: string[], raw: Record<string, unknown>, command: Commander.Command): Promise<number> {
  const flags = raw as DoctorFlags;
  const diagnosis = flags.mock === undefined ? await examine(paths, flags) : await withMockNetwork(flags, (mocked, given) => examine([], mocked, given));
  const checkTakes = new Set(command.parent?.commands.find((c) => c.name() === 'check')?.options.map((o) => o.long ?? ''));
  const helperWaits = diagnosis.works.helper && !checkTakes.has('--helper');
  process.stdout.write(render(diagnosis.answers, recommended(flags, diagnosis, checkTakes), helperWaits));
  return diagnosis.answers.some((a) => a.status === 'attention') ? EXIT.unmet : EXIT.ok;
}
