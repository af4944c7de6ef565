// A service's answer, built from the verdicts of its endpoints (the targets that share `service`).
// docs/verdicts.md states the rules; src/classify/service.ts applies them.

/** What one endpoint says about its service. */
export type EndpointState = 'works' | 'blocked' | 'throttled' | 'down' | 'unknown';
export const ENDPOINT_STATES: readonly EndpointState[] = ['works', 'blocked', 'throttled', 'down', 'unknown'];

/** What a person asks first: can the service be used from here? */
export type ServiceState = 'usable' | 'partly blocked' | 'blocked' | 'throttled' | 'down' | 'unknown';
export const SERVICE_STATES: readonly ServiceState[] = [
  'usable',
  'partly blocked',
  'blocked',
  'throttled',
  'down',
  'unknown',
];

/** One service's verdict, in the summary of a run. */
export interface ServiceVerdict {
  service: string;
  state: ServiceState;
  /** Set when every endpoint of the service is a control of that role. */
  role?: 'control-domestic' | 'control-foreign';
  /** How many endpoints were measured, and how many of them the targets file calls essential. */
  endpoints: number;
  essential: number;
  /** Endpoints per state. */
  counts: Partial<Record<EndpointState, number>>;
  /** How the blocked endpoints are blocked, most frequent first: `reset by SNI`, `dns-poisoned`... */
  how: string[];
  /** The first few blocked or throttled endpoints, with how: `line-gd2 (reset by SNI)`. */
  blocked_endpoints: string[];
  /** One sentence a person can read. */
  reason: string;
}

/** The services a run's summary leaves out (docs/verdicts.md#services says which), counted by state. */
export interface UnlistedServices {
  services: number;
  states: Partial<Record<ServiceState, number>>;
}
