import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadScenario } from '../mock/scenario.js';
import { startMockNetwork } from '../mock/network.js';
import { InputError } from '../model/input-error.js';
import { writeAtomically } from '../report/document/document.js';
import { untilStopped } from './interrupt.js';
import { EXIT } from './meta.js';
import type { MockFlags } from './options.js';
import { shellQuote } from './shell.js';

function writeFile(file: string, text: string, what: string) {
  try {
    writeFileSync(file, text, { mode: 0o600 });
  } catch (err) {
    throw new InputError(`cannot write ${what}: ${(err as Error).message}`, file);
  }
}

/**
 * Runs a scenario's servers until interrupted (or for --for seconds). Prints the targets file (or
 * writes it with --write-targets) and the `reachprobe check` command that measures it.
 */
export async function runMock(flags: MockFlags): Promise<number> {
  const scenario = loadScenario(flags.scenario ?? 'gfw');
  // Beside the targets file, or in a folder of its own: never a fixed name in a shared /tmp.
  const dir = flags.writeTargets
    ? path.dirname(path.resolve(flags.writeTargets))
    : mkdtempSync(path.join(os.tmpdir(), 'reachprobe-mock-'));
  const caFile = path.join(dir, 'reachprobe-mock-ca.pem');
  const tokenFile = path.join(dir, 'reachprobe-mock-helper.token');
  const network = await startMockNetwork(scenario);
  try {
    writeFile(caFile, network.check.ca, 'the mock CA');
    writeFile(tokenFile, `${network.check.helper.token}\n`, "the mock helper's token");
    const targetsFile = flags.writeTargets ?? 'TARGETS.yaml';
    const command = ['reachprobe', 'check', targetsFile, ...network.checkArgs(caFile, tokenFile)]
      .map(shellQuote)
      .join(' ');
    if (flags.writeTargets) {
      await writeAtomically(flags.writeTargets, network.targetsYaml());
      process.stdout.write(`${command}\n`);
    } else {
      process.stdout.write(
        `${network.targetsYaml()}# save this as ${targetsFile}, then run:\n# ${command}\n`,
      );
    }
    const until = flags.for === undefined ? 'until interrupted' : `for ${flags.for / 1000} s`;
    process.stderr.write(
      `reachprobe: mock network "${scenario.name}" on ${network.check.resolver.address}, ${until}\n`,
    );
    await untilStopped(flags.for);
  } finally {
    await network.close();
  }
  return EXIT.ok;
}
