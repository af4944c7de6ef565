import { isSuccess, type Ipv6State } from '../classify/run.js';
import { ServiceTallies } from '../classify/service.js';
import type { HelperSummary } from '../model/control.js';
import type { DnsPreflight, RunSummary, TargetResult, Vantage } from '../model/result.js';
import type { VerdictName } from '../model/verdict.js';

// The run's summary, from a tally kept as the results stream past (never from the results themselves).

function dnsNotes(preflight: DnsPreflight): string[] {
  const notes: string[] = [];
  const { sink, nxdomain } = preflight;
  if (sink && !sink.usable)
    notes.push(`the sink ${sink.server} is unusable (${sink.why}): its answers were not used as evidence`);
  if (nxdomain && nxdomain.rewritten_to.length > 0) {
    notes.push(
      `the resolver answers ${nxdomain.rewritten_to.join(' ')} for names that do not exist (NXDOMAIN rewriting)`,
    );
  }
  return notes;
}

/** What the summary needs of the results, kept as they stream past instead of the results themselves. */
export class Tally {
  targets = 0;
  unmet = 0;
  foreign = 0;
  foreignUp = 0;
  readonly counts: Partial<Record<VerdictName, number>> = {};
  /** One small tally per listed service (never the results): what its verdict needs. */
  readonly services: ServiceTallies;

  constructor(targets: Iterable<{ service: string }>) {
    this.services = new ServiceTallies(targets);
  }

  add(r: TargetResult) {
    this.targets++;
    this.counts[r.verdict] = (this.counts[r.verdict] ?? 0) + 1;
    if (!r.expect_met) this.unmet++;
    this.services.add(r);
    if (r.role === 'control-foreign') {
      this.foreign++;
      if (isSuccess(r.verdict)) this.foreignUp++;
    }
  }
}

function notesOf(tally: Tally, facts: RunFacts): string[] {
  const { vantage, preflight } = facts;
  const notes: string[] = dnsNotes(preflight);
  if (facts.ipv6 === 'broken')
    notes.push(
      'most domestic controls failed over IPv6: IPv6 does not work from this vantage point, and no IPv6 ' +
        'failure of this run means censorship',
    );
  if (vantage === 'offline')
    notes.push(
      'every domestic control failed: this vantage point looks offline, and no result of this run means censorship',
    );
  if (vantage === 'unknown')
    notes.push(
      'no domestic control in this run (or none finished): an offline vantage point cannot be told from censorship',
    );
  if (vantage === 'online' && tally.foreign > 0 && tally.foreignUp === 0) {
    notes.push(
      'every foreign control failed: the border itself may be cut, so blocking may not be specific to these services',
    );
  }
  return notes;
}

function helperNotes(helper: HelperSummary | undefined): string[] {
  if (!helper || helper.controls === helper.sent) return [];
  const missing = helper.sent - helper.controls;
  return [
    `${missing} of ${helper.sent} targets got no control from the helper ` +
      `(${helper.why ?? 'none came in time'}): their verdicts are this side's alone`,
  ];
}

export interface RunFacts {
  vantage: Vantage;
  /** Whether IPv6 works here, as the domestic controls' IPv6 dials say. */
  ipv6: Ipv6State;
  preflight: DnsPreflight;
  startedAt: Date;
  endedAt: Date;
  ms: number;
}

/** The run's summary: its counts and the notes that say what its results can mean. */
export function summarize(tally: Tally, facts: RunFacts, helper: HelperSummary | undefined): RunSummary {
  const { vantage, preflight } = facts;
  const unlisted = tally.services.unlistedServices();
  return {
    started_at: facts.startedAt.toISOString(),
    ended_at: facts.endedAt.toISOString(),
    duration_ms: Math.round(facts.ms),
    targets: tally.targets,
    counts: tally.counts,
    vantage,
    unmet: tally.unmet,
    dns_preflight: preflight,
    ...(helper ? { helper } : {}),
    services: tally.services.verdicts(),
    ...(unlisted && { unlisted_services: unlisted }),
    notes: [...notesOf(tally, facts), ...helperNotes(helper)],
  };
}
