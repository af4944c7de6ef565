import { say, type Answer, type Finding } from './types.js';

// The clock, against the Date headers the servers sent: certificate checks depend on it, and a
// clock far off makes every certificate look expired or not yet valid (cert-invalid).

/** Date has whole seconds, and the answer took a while to come: closer than this is right. */
const RIGHT_MS = 60_000;

function ago(ms: number): string {
  const s = Math.abs(ms) / 1000;
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${Math.round(s / 3600)} h`;
}

export function clockAnswer(findings: Finding[]): Answer {
  const topic = 'clock';
  const skews = findings
    .flatMap((f) => f.dates ?? [])
    .map((d) => ({ from: d.from, skew: d.receivedAt - Date.parse(d.date) }))
    .filter((d) => Number.isFinite(d.skew));
  if (skews.length === 0) return say(topic, 'note', 'not checked: no server answered with a Date header');
  const sorted = skews.map((d) => d.skew).sort((a, b) => a - b);
  const median = sorted[sorted.length >> 1]!;
  const servers = `the Date of ${skews.map((d) => d.from).join(', ')}`;
  if (Math.abs(median) <= RIGHT_MS) return say(topic, 'ok', `right: within ${ago(median)} of ${servers}`);
  const way = median > 0 ? 'ahead of' : 'behind';
  return say(
    topic,
    'attention',
    `${ago(median)} ${way} ${servers}: certificate checks depend on it (run NTP, e.g. timedatectl set-ntp true)`,
  );
}
