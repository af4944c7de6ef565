import { checkDnsQuery } from '../../checks/dns.js';
import { Stopwatch } from '../../checks/stopwatch.js';
import { formatServer } from '../../model/addresses.js';
import { queryDoh } from '../../net/doh.js';
import { checkSink } from '../preflight.js';
import { say, why, type DoctorInput, type Finding } from './types.js';

// The DNS paths a run relies on: the resolver's raw UDP query (where injected answers show),
// the sink (its canaries, as every run checks them), and the DoH controls.

export async function resolver(input: DoctorInput): Promise<Finding> {
  const { env, options } = input;
  const topic = 'resolver';
  const server = env.dnsServer;
  if (!server)
    return {
      answers: [
        say(
          topic,
          'attention',
          `the system's (getaddrinfo); no nameserver is known for the raw UDP query (none in ` +
            `/etc/resolv.conf): give --resolver ADDR`,
        ),
      ],
    };
  const name =
    env.resolver.name === 'system'
      ? `the system's (getaddrinfo); raw UDP queries go to ${formatServer(server)}, the first ` +
        `nameserver in /etc/resolv.conf, and it`
      : `--resolver ${env.resolver.name}`;
  const query = await checkDnsQuery(
    options.nxProbeDomain,
    { server, type: 'A', purpose: 'resolver', timeoutMs: options.timeouts.dns, windowMs: 0 },
    new Stopwatch(env.clock, env.clock.now()),
  );
  const [reply] = query.replies;
  if (reply) {
    // The question is whether raw queries reach it; a "no such name" for a real one is worth saying too.
    const odd =
      reply.rcode === 'NOERROR'
        ? ''
        : `; ${options.nxProbeDomain} exists, so it may know no names beyond here`;
    return {
      answers: [
        say(
          topic,
          'ok',
          `${name} answers raw UDP queries (${reply.rcode} for ${options.nxProbeDomain} ` +
            `in ${Math.round(reply.after_ms)} ms${odd})`,
        ),
      ],
      works: { rawDns: true },
    };
  }
  const failure = query.failure ? why(query.failure) : 'no reply';
  const unreachable =
    query.failure?.failure === 'network_unreachable' || query.failure?.failure === 'host_unreachable';
  const problem = unreachable ? 'cannot be reached by raw UDP queries' : 'does not answer raw UDP queries';
  return {
    answers: [
      say(
        topic,
        'attention',
        `${name} ${problem} (${failure}): forged answers racing real ones will not be seen; give ` +
          `--resolver with a server that answers`,
      ),
    ],
  };
}

export async function sink(input: DoctorInput): Promise<Finding> {
  const topic = 'sink';
  const { env, options } = input;
  if (!env.sink)
    return {
      answers: [
        say(
          topic,
          'note',
          'none configured (--sink ADDR, an address abroad that runs no DNS server): injection that ' +
            'only a sink shows will not be seen',
        ),
      ],
    };
  const found = (await checkSink(env, options, new Stopwatch(env.clock, env.clock.now())))!;
  if (found.usable)
    return {
      answers: [
        say(
          topic,
          'ok',
          `${found.server} is usable: it stayed silent for ${options.sinkCanaries.join(', ')}`,
        ),
      ],
      works: { sink: true },
    };
  return {
    answers: [say(topic, 'attention', `${found.server} is not usable: ${found.why}; runs will ignore it`)],
  };
}

export async function dohControls(input: DoctorInput): Promise<Finding> {
  const topic = 'DoH control';
  const { env, options } = input;
  if (env.controls.length === 0 || !env.doh)
    return {
      answers: [
        say(
          'DoH controls',
          'note',
          'none configured (--control-doh URL): answers cannot be compared with a resolver abroad',
        ),
      ],
    };
  const asked = await Promise.all(
    env.controls.map(async (url) => {
      const started = performance.now();
      const result = await queryDoh({
        url,
        name: options.nxProbeDomain,
        type: 'A',
        timeoutMs: options.timeouts.dns,
        dispatcher: env.doh!,
      });
      return { url, result, ms: Math.round(performance.now() - started) };
    }),
  );
  return {
    answers: asked.map(({ url, result, ms }) =>
      result.failure
        ? say(topic, 'attention', `${url} does not answer: ${why(result.failure)}`)
        : say(
            topic,
            'ok',
            `${url} answers (${result.rcode ?? 'an answer'} for ${options.nxProbeDomain} in ${ms} ms)`,
          ),
    ),
    works: { controls: asked.filter((a) => !a.result.failure).map((a) => a.url) },
  };
}
