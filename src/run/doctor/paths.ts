import os from 'node:os';
import type { Target } from '../../model/target.js';
import { probeUdp } from '../../net/quic-probe.js';
import { lookupFor, say, type DoctorInput, type Finding } from './types.js';

// IPv6, and whether UDP to port 443 (QUIC) gets out: facts about the path, not verdicts.

/** Link-local, loopback and unique-local addresses reach nothing abroad. */
const isGlobal = (address: string) => !/^(fe[89ab]|fc|fd|::1$)/i.test(address);

export function ipv6(): Finding {
  const topic = 'IPv6';
  const global = Object.entries(os.networkInterfaces()).flatMap(([name, list]) =>
    (list ?? [])
      .filter((a) => a.family === 'IPv6' && !a.internal && isGlobal(a.address))
      .map((a) => `${a.address} on ${name}`),
  );
  if (global.length === 0)
    return {
      answers: [
        say(
          topic,
          'note',
          'no global IPv6 address here: IPv6 addresses of targets will be unreachable (a local fact, ' +
            'never counted as censorship)',
        ),
      ],
    };
  return { answers: [say(topic, 'ok', `an address (${global[0]}); whether it routes abroad is not tested`)] };
}

const PROBE_MS = 2000;

/** The https controls, foreign first: the only destinations the user has named for such a probe. */
async function destination(input: DoctorInput): Promise<{ target: Target; address: string } | undefined> {
  const controls = input.targets
    .filter((t) => t.scheme === 'https' && t.role !== undefined)
    .sort((a, b) => Number(b.role === 'control-foreign') - Number(a.role === 'control-foreign'));
  for (const target of controls) {
    const found = await lookupFor(input, target.port)(target.host);
    const address = found.ok ? (found.value.find((a) => !a.includes(':')) ?? found.value[0]) : undefined;
    if (address) return { target, address };
  }
  return undefined;
}

export async function udp443(input: DoctorInput): Promise<Finding> {
  const topic = 'UDP 443 (QUIC)';
  const to = await destination(input);
  if (!to) return { answers: [say(topic, 'note', 'not tested: no https control resolved to an address')] };
  const where = `${to.target.name} (${to.address.includes(':') ? `[${to.address}]` : to.address}:${to.target.port})`;
  const probe = await probeUdp(to.address, to.target.port, PROBE_MS);
  if (probe.answered)
    return {
      answers: [say(topic, 'ok', `gets out: ${where} answered a QUIC version probe in ${probe.ms} ms`)],
    };
  if (probe.reached)
    return {
      answers: [
        say(topic, 'note', `unknown: UDP gets to ${where}, but nothing there speaks QUIC (${probe.why})`),
      ],
    };
  return {
    answers: [
      say(
        topic,
        'note',
        `unknown: ${where} did not answer a QUIC version probe (${probe.why}): UDP 443 is blocked, ` +
          `or that server has no QUIC`,
      ),
    ],
  };
}
