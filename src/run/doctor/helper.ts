import { fetchOnce, type WebAnswer } from '../../net/web.js';
import { lookupFor, say, why, type DoctorInput, type Finding, type HelperSettings } from './types.js';

// The control-measurement helper abroad (`reachprobe helper`, protocol schema 1): GET /v1/health
// without a token, then an empty measurement with it, which a good token gets answered with
// JSON Lines ending in {"type":"end"} and a bad one with 401.

const SCHEMA_VERSION = 1;

function call(input: DoctorInput, helper: HelperSettings, path: string, token?: string): Promise<WebAnswer> {
  const url = new URL(path, helper.url.endsWith('/') ? helper.url : `${helper.url}/`).href;
  const port = Number(new URL(url).port || 443);
  return fetchOnce({
    url,
    timeoutMs: helper.timeoutMs,
    ca: input.env.ca,
    lookup: lookupFor(input, port),
    ...(token === undefined
      ? {}
      : {
          method: 'POST' as const,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ schema_version: SCHEMA_VERSION, targets: [] }),
        }),
  });
}

/** What is wrong with a health answer, if anything. */
function healthProblem(a: WebAnswer): string | undefined {
  if (a.failure) return why(a.failure);
  if (a.status !== 200) return `GET /v1/health answered HTTP ${a.status}`;
  try {
    const body = JSON.parse(a.body) as { status?: unknown; service?: unknown; schema_version?: unknown };
    if (body.service !== 'reachprobe-helper' || body.status !== 'ok')
      return 'GET /v1/health answered, but not as a reachprobe helper does';
    if (body.schema_version !== SCHEMA_VERSION)
      return `it speaks schema ${String(body.schema_version)}, this reachprobe ${SCHEMA_VERSION}`;
  } catch {
    return 'GET /v1/health answered something that is not JSON';
  }
  return undefined;
}

function endsWell(a: WebAnswer): boolean {
  const last = a.body.trim().split('\n').at(-1) ?? '';
  try {
    return (JSON.parse(last) as { type?: unknown }).type === 'end';
  } catch {
    return false;
  }
}

export async function helper(input: DoctorInput): Promise<Finding> {
  const topic = 'helper';
  const h = input.helper;
  if (!h)
    return {
      answers: [say(topic, 'note', 'none configured (--helper URL): no control measurement from abroad')],
    };
  const health = await call(input, h, 'v1/health');
  const dates = health.date ? [{ from: 'the helper', date: health.date, receivedAt: Date.now() }] : [];
  const problem = healthProblem(health);
  if (problem)
    return { answers: [say(topic, 'attention', `${h.url} does not answer as a helper: ${problem}`)], dates };
  if ('problem' in h.token)
    return {
      answers: [say(topic, 'attention', `${h.url} answers (${health.ms} ms), but ${h.token.problem}`)],
      dates,
    };
  const measured = await call(input, h, 'v1/measure', h.token.value);
  const tokenSays =
    measured.status === 401 || measured.status === 403
      ? `refuses the token (HTTP ${measured.status}): check --helper-token-file`
      : measured.failure
        ? `the token check failed: ${why(measured.failure)}`
        : measured.status !== 200 || !endsWell(measured)
          ? `the token check answered HTTP ${measured.status} without an end line`
          : undefined;
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
}
