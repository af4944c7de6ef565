import { formatServer } from '../model/addresses.js';
import {
  diagnose,
  type Answer,
  type Diagnosis,
  type HelperSettings,
  type Status,
} from '../run/doctor/index.js';
import { InputError } from '../model/input-error.js';
import { readTokens } from './files.js';
import { envFrom, optionsFrom, withMockNetwork, type Given } from './probe-flags.js';
import type { Pin } from './flags.js';
import { EXIT } from './meta.js';
import type { CheckFlags } from './options.js';
import { targetsFrom } from './selection.js';
import { shellQuote } from './shell.js';
import { tracedWhen } from './verbose.js';

// `reachprobe doctor`: the preflight of a new vantage point, and the command line it recommends.

type DoctorFlags = CheckFlags;

const MARK: Record<Status, string> = { ok: 'ok  ', attention: 'FIX ', note: 'note' };

/** The token check uses: the first of the file (as check takes it), the mock network's, or why there is none. */
function tokenFrom(file: string | undefined, given: string | undefined): HelperSettings['token'] {
  if (file === undefined)
    return given === undefined ? { problem: 'no --helper-token-file was given' } : { value: given };
  try {
    return { value: readTokens(file)[0]! };
  } catch (err) {
    if (err instanceof InputError) return { problem: err.describe() };
    throw err;
  }
}

function helperOf(flags: DoctorFlags, given?: Given): HelperSettings | undefined {
  if (flags.helper === undefined) return undefined;
  return {
    url: flags.helper,
    token: tokenFrom(flags.helperTokenFile, given?.helperToken),
    timeoutMs: flags.helperTimeout ?? 10_000,
  };
}

const pinText = (p: Pin) => `${p.key}:${p.addresses.map((a) => (a.includes(':') ? `[${a}]` : a)).join(',')}`;

/**
 * The targets and settings the user gave that worked, as check options (key, value; `targets` are the
 * positional paths); the mock network's own are implied by --mock.
 */
function recommended(paths: string[], user: DoctorFlags, d: Diagnosis): Array<[string, string]> {
  const out: Array<[string, string]> = paths.map((p) => ['targets', p]);
  if (user.mock !== undefined) out.push(['mock', user.mock]);
  // Answers the doctor accepted as genuine (a lab's private addresses) must be accepted by check too.
  for (const range of user.allowAnswers ?? []) out.push(['allow-answers', range]);
  if (user.resolver && d.works.rawDns) out.push(['resolver', formatServer(user.resolver)]);
  for (const file of user.ca ?? []) out.push(['ca', file]);
  if (user.sink && d.works.sink) out.push(['sink', formatServer(user.sink)]);
  for (const url of user.controlDoh ?? []) if (d.works.controls.includes(url)) out.push(['control-doh', url]);
  if (user.helper && d.works.helper) {
    out.push(['helper', user.helper], ['helper-token-file', user.helperTokenFile!]);
    for (const p of user.helperResolve ?? []) out.push(['helper-resolve', pinText(p)]);
  }
  return out;
}

function render(answers: Answer[], advice: Array<[string, string]>): string {
  const width = Math.max(...answers.map((a) => a.topic.length));
  const lines = answers.map((a) => `  ${MARK[a.status]}  ${a.topic.padEnd(width)}  ${a.says}`);
  const fix = answers.filter((a) => a.status === 'attention').length;
  const verdict =
    fix === 0
      ? 'Usable: nothing needs attention.'
      : `${fix} ${fix === 1 ? 'thing needs' : 'things need'} attention (FIX above).`;
  const command = [
    'reachprobe check',
    ...advice.map(([k, v]) => (k === 'targets' ? '' : `--${k} `) + shellQuote(v)),
  ].join(' ');
  const yaml =
    advice.length === 0
      ? ''
      : `\nor, in $XDG_CONFIG_HOME/reachprobe/config.yaml (~/.config/reachprobe/config.yaml):\n${configYaml(advice)}`;
  const heading = fix === 0 ? 'Recommended:' : 'Recommended, with what works now (fix the FIX lines first):';
  return (
    `reachprobe doctor: is this vantage point ready?\n\n${lines.join('\n')}\n\n${verdict}\n\n` +
    `${heading}\n  ${command}\n${yaml}\n`
  );
}

function configYaml(advice: Array<[string, string]>): string {
  const byKey = new Map<string, string[]>();
  for (const [k, v] of advice) byKey.set(k, [...(byKey.get(k) ?? []), v]);
  return (
    [...byKey]
      .map(
        ([k, vs]) =>
          `  ${k}: ${vs.length === 1 ? JSON.stringify(vs[0]) : `[${vs.map((v) => JSON.stringify(v)).join(', ')}]`}`,
      )
      .join('\n') + '\n'
  );
}

async function examine(paths: string[], flags: DoctorFlags, given?: Given): Promise<Diagnosis> {
  const options = optionsFrom(flags, given?.options);
  // Every target of the files, whatever --only or --category a config file gives check: the controls
  // are what doctor asks.
  const targets = await targetsFrom(
    paths,
    flags.serviceFrom ? { serviceFrom: flags.serviceFrom } : {},
    given?.targets,
  );
  // The helper is asked by doctor's own question, not by a run's controls.
  const env = envFrom({ ...flags, helper: undefined }, options, given?.ca ?? []);
  const pins = new Map(options.pins);
  for (const p of flags.helperResolve ?? []) pins.set(p.key, p.addresses);
  const helper = helperOf(flags, given);
  try {
    return await diagnose({ targets, options, env, pins, ...(helper ? { helper } : {}) });
  } finally {
    await env.doh?.destroy();
  }
}

export async function runDoctor(paths: string[], flags: DoctorFlags): Promise<number> {
  const diagnosis = await tracedWhen(flags.verbose, () =>
    flags.mock === undefined
      ? examine(paths, flags)
      : withMockNetwork(flags, (mocked, given) => examine([], mocked, given)),
  );
  process.stdout.write(render(diagnosis.answers, recommended(paths, flags, diagnosis)));
  return diagnosis.answers.some((a) => a.status === 'attention') ? EXIT.unmet : EXIT.ok;
}
