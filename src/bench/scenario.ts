// Generated mock scenarios for the benchmark: N targets in a mix of behaviours, spread over enough
// servers that the one-check-per-IP:port rule never serialises them.

export interface Mix {
  reachable: number;
  poisoned: number;
  reset: number;
  timeout: number;
}

const SERVERS = 64;

/**
 * `quic`: the web servers' QUIC side (none by default: their UDP ports are closed); `bodyBytes`:
 * the size of the pages they serve (a line of text by default).
 */
export function scenarioYaml(count: number, mix: Mix, quic?: 'ok' | 'blackhole', bodyBytes?: number): string {
  const body = bodyBytes !== undefined ? `, body_bytes: ${bodyBytes}` : '';
  const web = quic ? `{ tls: good, quic: ${quic}${body} }` : `{ tls: good${body} }`;
  const servers = [
    ...Array.from({ length: SERVERS }, (_, i) => `  web-${i}: ${web}`),
    ...Array.from({ length: SERVERS }, (_, i) => `  stall-${i}: { behaviour: stall }`),
    ...Array.from({ length: SERVERS }, (_, i) => `  refused-${i}: { behaviour: refused }`),
  ];
  const kinds: Array<[keyof Mix, number]> = [
    ['poisoned', Math.round(count * mix.poisoned)],
    ['reset', Math.round(count * mix.reset)],
    ['timeout', Math.round(count * mix.timeout)],
  ];
  const targets: string[] = [];
  let i = 0;
  for (const [kind, n] of kinds) for (let k = 0; k < n; k++, i++) targets.push(target(i, kind));
  for (; i < count; i++) targets.push(target(i, 'reachable'));
  return `description: benchmark, ${count} targets\nservers:\n${servers.join('\n')}\ntargets:\n${targets.join('\n')}\n`;
}

function target(i: number, kind: keyof Mix): string {
  const s = i % SERVERS;
  const base = `  - { name: t${i}, service: S${i % 20}, url: "https://t${i}.reachprobe.test/"`;
  switch (kind) {
    case 'reachable':
      return `${base}, server: web-${s}, expect: reachable }`;
    case 'poisoned':
      return (
        `${base}, server: web-${s}, dns: [{ answer: [127.0.0.66] }, { answer: [server], delay_ms: 20 ` +
        `}], expect: dns-poisoned }`
      );
    case 'reset':
      return `${base}, server: refused-${s}, expect: reset }`;
    case 'timeout':
      return `${base}, server: stall-${s}, expect: timeout }`;
  }
}

/** The targets the others redirect to, one per server. */
export const HOP_TARGETS = SERVERS;

/**
 * N targets behind link shorteners: each target's server answers every request with a redirect to
 * one of SERVERS hop targets (another name, on a server of its own), and every name resolves to
 * 127.0.0.1 and ::1, both served (the servers listen on ::1 too): each target is two chains, each
 * dialling both families. The hops are targets of the scenario too (`redirect_to` names one).
 */
export function redirectsYaml(count: number): string {
  const both = `also_on: ["::1"]`;
  const servers = [
    ...Array.from({ length: SERVERS }, (_, i) => `  web-${i}: { tls: good, ${both} }`),
    ...Array.from(
      { length: SERVERS },
      (_, i) => `  short-${i}: { tls: good, ${both}, redirect_to: hop-${i} }`,
    ),
  ];
  const dual = `dns: [{ answer: [server, "::1"] }], expect: reachable }`;
  const targets = [
    ...Array.from(
      { length: SERVERS },
      (_, i) =>
        `  - { name: hop-${i}, service: Hops, url: "https://hop-${i}.reachprobe.test/", server: web-${i}, ${dual}`,
    ),
    ...Array.from(
      { length: count - SERVERS },
      (_, i) =>
        `  - { name: t${i}, service: S${i % 20}, url: "https://t${i}.reachprobe.test/", ` +
        `server: short-${i % SERVERS}, ${dual}`,
    ),
  ];
  return (
    `description: benchmark, ${count} targets that redirect once\n` +
    `servers:\n${servers.join('\n')}\ntargets:\n${targets.join('\n')}\n`
  );
}
