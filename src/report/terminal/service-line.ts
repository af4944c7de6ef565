import type { ChalkInstance } from 'chalk';
import type { ServiceState, ServiceVerdict } from '../../model/service.js';
import { ellipsis } from './fit.js';
import type { Paint } from './columns.js';

// The line that heads a service's targets in the table: is the service usable from here, and if
// not, which endpoints are blocked and how. `LINE — partly blocked: line-gd2 (reset by SNI)`.

export function statePaint(chalk: ChalkInstance, state: ServiceState): Paint {
  switch (state) {
    case 'usable':
      return chalk.green;
    case 'blocked':
      return chalk.red;
    case 'partly blocked':
    case 'throttled':
      return chalk.yellow;
    case 'down':
      return chalk.magenta;
    case 'unknown':
      return chalk.dim;
  }
}

/** What follows the state: the blocked endpoints, how the service is blocked, or why no verdict. */
function detail(v: ServiceVerdict): string {
  switch (v.state) {
    case 'partly blocked': {
      const named = v.blocked_endpoints.join(', ');
      const more = (v.counts.blocked ?? 0) + (v.counts.throttled ?? 0) > v.blocked_endpoints.length;
      return `: ${named}${more ? ', …' : ''}`;
    }
    case 'blocked':
    case 'throttled':
      return v.how.length > 0 ? `: ${v.how.join(', ')}` : '';
    case 'down':
      return ' (fails from abroad too)';
    case 'unknown':
      return ' (no evidence either way)';
    case 'usable':
      return '';
  }
}

/** The heading of `service`, shortened to `width` when given; the service's name alone without a verdict. */
export function serviceLine(
  service: string,
  verdict: ServiceVerdict | undefined,
  chalk: ChalkInstance,
  width?: number,
): string {
  const fit = (text: string) => (width === undefined ? text : ellipsis(text, width));
  if (!verdict) return chalk.bold(fit(service));
  const full = fit(`${service} — ${verdict.state}${detail(verdict)}`);
  const name = full.slice(0, service.length);
  return chalk.bold(name) + statePaint(chalk, verdict.state)(full.slice(service.length));
}
