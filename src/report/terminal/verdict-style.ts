import type { ServiceState } from '../../model/service.js';
import type { VerdictName } from '../../model/verdict.js';

// How history draws a verdict: one character in the terminal, one colour in the HTML heatmap. A
// Record over every verdict, so a new verdict cannot be added without a look of its own. Greens
// for reachable, reds for what a censor does, ambers for other failures, purples for the local
// machine's own trouble (as the check table colours them).

export const VERDICT_SYMBOL: Record<VerdictName, string> = {
  reachable: '.',
  connected: ':',
  throttled: 'S',
  'dns-poisoned': 'P',
  'dns-nxdomain': 'N',
  'dns-failure': 'D',
  reset: 'R',
  timeout: 'T',
  inconsistent: 'I',
  closed: 'C',
  'cert-invalid': 'X',
  'tls-failure': 'L',
  'http-failure': 'H',
  'http-diff': 'B',
  down: 'W',
  unreachable: 'U',
  'vantage-offline': 'O',
  error: 'E',
};

/** The symbol of a report that has no such target. */
export const ABSENT_SYMBOL = ' ';

export const VERDICT_COLOR: Record<VerdictName, string> = {
  reachable: '#2e9e4f',
  connected: '#8fd19e',
  throttled: '#f768a1',
  'dns-poisoned': '#7f0000',
  'dns-nxdomain': '#f0b400',
  'dns-failure': '#c98a00',
  reset: '#d7301f',
  timeout: '#fc8d59',
  inconsistent: '#e7298a',
  closed: '#b30059',
  'cert-invalid': '#8c2d04',
  'tls-failure': '#fdd49e',
  'http-failure': '#e6ab02',
  'http-diff': '#a50f15',
  down: '#969696',
  unreachable: '#9e9ac8',
  'vantage-offline': '#6a51a3',
  error: '#525252',
};

/** A service's state in history: a character in the terminal, a colour on the page (as the table paints it). */
export const STATE_SYMBOL: Record<ServiceState, string> = {
  usable: '.',
  'partly blocked': 'p',
  blocked: 'B',
  throttled: 'S',
  down: 'W',
  unknown: '?',
};

export const STATE_COLOR: Record<ServiceState, string> = {
  usable: '#2e9e4f',
  'partly blocked': '#f0a30a',
  blocked: '#d7301f',
  throttled: '#f768a1',
  down: '#969696',
  unknown: '#d9d9d9',
};
