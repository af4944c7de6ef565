import { CONTROL_SCHEMA_VERSION } from '../../model/control.js';
import { askHealth, askHelper, helperDispatcher, type HealthAnswer } from '../../net/helper-client.js';
import { say, why, type DoctorInput, type Finding } from './types.js';

// The control-measurement helper abroad (`reachprobe helper`), asked as check asks it (the same
// client): GET /v1/health (with the token: only to a token holder does a helper say what it is),
// then an empty measurement, which a good token gets answered with JSON Lines ending in
// {"type":"end"} and a bad one with 401.

/** What is wrong with a health answer, if anything. */
function healthProblem(a: HealthAnswer): string | undefined {
  if (a.failure) return why(a.failure);
  if (a.status !== 200) return `GET /v1/health answered HTTP ${a.status}`;
  if (typeof a.body !== 'object' || a.body === null)
    return 'GET /v1/health answered something that is not JSON';
  const body = a.body as { status?: unknown; service?: unknown; schema_version?: unknown };
  // Without a token it accepts, a helper says only that it is healthy: the token check tells the rest.
  if (body.status !== 'ok' || (body.service !== undefined && body.service !== 'reachprobe-helper'))
    return 'GET /v1/health answered, but not as a reachprobe helper does';
  if (body.service !== undefined && body.schema_version !== CONTROL_SCHEMA_VERSION)
    return `it speaks schema ${String(body.schema_version)}, this reachprobe ${CONTROL_SCHEMA_VERSION}`;
  return undefined;
}

/** The pins of the helper's host:port, by host, as the helper's pool takes them. */
function pinsFor(input: DoctorInput, url: string): Map<string, string[]> {
  const port = new URL(url).port || '443';
  const pins = new Map<string, string[]>();
  for (const [key, addresses] of input.pins)
    if (key.endsWith(`:${port}`)) pins.set(key.slice(0, -port.length - 1), addresses);
  return pins;
}

/** Why the token is not good, if it is not. */
async function tokenProblem(endpoint: Parameters<typeof askHelper>[0]): Promise<string | undefined> {
  const answer = await askHelper(endpoint, { schema_version: CONTROL_SCHEMA_VERSION, targets: [] }, () => {});
  if (answer.ok) return answer.end ? undefined : 'the token check answered without an end line';
  if (answer.status === 401 || answer.status === 403)
    return `refuses the token (HTTP ${answer.status}): check --helper-token-file`;
  return `the token check failed: ${answer.why}`;
}

export async function helper(input: DoctorInput): Promise<Finding> {
  const topic = 'helper';
  const h = input.helper;
  if (!h)
    return {
      answers: [say(topic, 'note', 'none configured (--helper URL): no control measurement from abroad')],
    };
  const dispatcher = helperDispatcher(input.env.ca, pinsFor(input, h.url), h.timeoutMs);
  try {
    const token = 'value' in h.token ? h.token.value : undefined;
    const health = await askHealth({ url: h.url, dispatcher, ...(token !== undefined ? { token } : {}) });
    const dates = health.date ? [{ from: 'the helper', date: health.date, receivedAt: Date.now() }] : [];
    const problem = healthProblem(health);
    if (problem)
      return {
        answers: [say(topic, 'attention', `${h.url} does not answer as a helper: ${problem}`)],
        dates,
      };
    if ('problem' in h.token)
      return {
        answers: [say(topic, 'attention', `${h.url} answers (${health.ms} ms), but ${h.token.problem}`)],
        dates,
      };
    const tokenSays = await tokenProblem({ url: h.url, token: h.token.value, dispatcher });
    if (tokenSays)
      return {
        answers: [say(topic, 'attention', `${h.url} answers (${health.ms} ms), but ${tokenSays}`)],
        dates,
      };
    return {
      answers: [say(topic, 'ok', `${h.url} answers (${health.ms} ms) and accepts the token`)],
      works: { helper: true },
      dates,
    };
  } finally {
    void dispatcher.destroy().catch(() => {});
  }
}
