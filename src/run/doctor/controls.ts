import type { Target } from '../../model/target.js';
import { fetchOnce, type WebAnswer } from '../../net/web.js';
import { lookupFor, say, why, type DoctorInput, type Finding } from './types.js';

// Is there a network at all (the domestic controls answer), and does the border let anything
// through (the foreign ones)? Each control gets one GET; its Date header also sets the clock. The
// certificate is not checked here: with a clock far off, every certificate fails, and the Date
// that says so would never be read.

const AT_MOST = 3;

/** A TLS failure still proves a network: something answered the handshake. */
const answered = (a: WebAnswer) => a.status !== undefined || a.failure?.failure.startsWith('ssl_') === true;

function describe(t: Target, a: WebAnswer): string {
  return a.status !== undefined
    ? `${t.name} (${t.url}) answered HTTP ${a.status} in ${a.ms} ms`
    : `${t.name} (${t.url}) answered TLS, but ${why(a.failure!)}`;
}

async function ask(
  input: DoctorInput,
  controls: Target[],
): Promise<Array<{ target: Target; answer: WebAnswer; receivedAt: number }>> {
  const { env, options } = input;
  return Promise.all(
    controls.map(async (target) => {
      const answer = await fetchOnce({
        url: target.url,
        timeoutMs: options.timeouts.connect,
        ca: env.ca,
        verify: false,
        headers: { 'user-agent': options.userAgent },
        lookup: lookupFor(input, target.port),
      });
      return { target, answer, receivedAt: Date.now() };
    }),
  );
}

async function question(
  input: DoctorInput,
  role: 'control-domestic' | 'control-foreign',
  topic: string,
): Promise<Finding> {
  const controls = input.targets.filter((t) => t.role === role && t.scheme !== 'tcp').slice(0, AT_MOST);
  if (controls.length === 0)
    return { answers: [say(topic, 'note', `not tested: no target has role ${role}`)] };
  const asked = await ask(input, controls);
  const dates = asked.flatMap(({ target, answer, receivedAt }) =>
    answer.date ? [{ from: target.name, date: answer.date, receivedAt }] : [],
  );
  const good = asked.find((a) => answered(a.answer));
  if (good) return { answers: [say(topic, 'ok', `yes: ${describe(good.target, good.answer)}`)], dates };
  const failures = asked.map(({ target, answer }) => `${target.name}: ${why(answer.failure!)}`).join('; ');
  const advice =
    role === 'control-domestic'
      ? 'no network here, or none of them is reachable: a run would say vantage-offline'
      : 'the border lets none of them through, or they are down: blocks abroad cannot be told from a broken border';
  return {
    answers: [
      say(
        topic,
        role === 'control-domestic' ? 'attention' : 'note',
        `no: none of ${controls.length} answered (${failures}); ${advice}`,
      ),
    ],
    dates,
  };
}

export const network = (input: DoctorInput) =>
  question(input, 'control-domestic', 'network (domestic controls)');
export const abroad = (input: DoctorInput) => question(input, 'control-foreign', 'abroad (foreign controls)');
