import { clockAnswer } from './clock.js';
import { abroad, network } from './controls.js';
import { dohControls, resolver, sink } from './dns.js';
import { helper } from './helper.js';
import { ipv6, udp443 } from './paths.js';
import { say, type Answer, type DoctorInput, type Finding, type Works } from './types.js';

export type { Answer, DoctorInput, HelperSettings, Status, Works } from './types.js';

export interface Diagnosis {
  answers: Answer[];
  works: Works;
}

/** A question that throws says so in its line: doctor never ends in a stack trace. */
async function guarded(topic: string, ask: () => Promise<Finding> | Finding): Promise<Finding> {
  try {
    return await ask();
  } catch (err) {
    return {
      answers: [
        say(topic, 'attention', `could not check: ${err instanceof Error ? err.message : String(err)}`),
      ],
    };
  }
}

/** Every question at once (each has its own deadline), answered in a fixed order. */
export async function diagnose(input: DoctorInput): Promise<Diagnosis> {
  const findings = await Promise.all([
    guarded('network', () => network(input)),
    guarded('abroad', () => abroad(input)),
    guarded('resolver', () => resolver(input)),
    guarded('IPv6', () => ipv6(input)),
    guarded('UDP 443', () => udp443(input)),
    guarded('sink', () => sink(input)),
    guarded('DoH controls', () => dohControls(input)),
    guarded('helper', () => helper(input)),
  ]);
  const [net, away, dns, ...rest] = findings;
  const answers = [net!, away!, dns!].flatMap((f) => f.answers);
  answers.push(clockAnswer(findings), ...rest.flatMap((f) => f.answers));
  const works: Works = { rawDns: false, sink: false, controls: [], helper: false };
  for (const f of findings) Object.assign(works, f.works);
  return { answers, works };
}
