import os from 'node:os';
import type { Target } from '../../model/target.js';
import { probeUdp } from '../../net/quic-probe.js';
import { lookupFor, say, why, type DoctorInput, type Finding } from './types.js';

// IPv6, and whether UDP to port 443 (QUIC) gets out: facts about the path, not verdicts.

/** Link-local, loopback and unique-local addresses reach nothing abroad. */
const isGlobal = (address: string) => !/^(fe[89ab]|fc|fd|::1$)/i.test(address);

const AT_MOST = 3;

/** The first IPv6 address of each control (at most three): where a dial tells whether IPv6 works. */
async function ipv6Destinations(input: DoctorInput): Promise<Array<{ target: Target; address: string }>> {
  const controls = input.targets.filter((t) => t.role !== undefined);
  const found = await Promise.all(
    controls.map(async (target) => {
      const addresses = await lookupFor(input, target.port)(target.host);
      const address = addresses.ok ? addresses.value.find((a) => a.includes(':')) : undefined;
      return address ? [{ target, address }] : [];
    }),
  );
  return found.flat().slice(0, AT_MOST);
}

/**
 * Whether IPv6 works from here: a TCP connect to the controls' IPv6 addresses. One that opens, or
 * is refused (a RST came back over IPv6), is a working path; none is a vantage point whose IPv6
 * failures a run never counts as censorship.
 */
export async function ipv6(input: DoctorInput): Promise<Finding> {
  const topic = 'IPv6';
  const global = Object.entries(os.networkInterfaces()).flatMap(([name, list]) =>
    (list ?? [])
      .filter((a) => a.family === 'IPv6' && !a.internal && isGlobal(a.address))
      .map((a) => `${a.address} on ${name}`),
  );
  const here = global.length > 0 ? `an address (${global[0]})` : 'no global IPv6 address here';
  const to = await ipv6Destinations(input);
  if (to.length === 0) {
    const none = 'no control has an IPv6 address, so whether IPv6 works is not tested';
    return { answers: [say(topic, global.length > 0 ? 'ok' : 'note', `${here}; ${none}`)] };
  }
  const dials = await Promise.all(
    to.map(async ({ target, address }) => {
      const outcome = await input.env.dial(address, target.port, input.options.timeouts.connect);
      if (outcome.ok) outcome.value.destroy();
      const where = `${target.name} ([${address}]:${target.port})`;
      if (outcome.ok || outcome.failure.failure === 'connection_refused') return { where, works: true };
      return { where: `${where} ${why(outcome.failure)}`, works: false };
    }),
  );
  const good = dials.find((d) => d.works);
  if (good)
    return { answers: [say(topic, 'ok', `works: ${here}, and ${good.where} answered a connect over IPv6`)] };
  return {
    answers: [
      say(
        topic,
        'note',
        `does not work: ${here}, and no control answered over IPv6 (${dials.map((d) => d.where).join('; ')}): ` +
          'a run whose domestic controls fail over IPv6 counts no IPv6 failure as censorship',
      ),
    ],
  };
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
