import { domainToUnicode } from 'node:url';
import type { Target } from '../model/target.js';

// Names for targets whose format has none (URL lists, Citizen Lab CSV files): derived from the URL
// alone, so the same list gives the same names on every run and `--only` keeps working in cron.

/** A target read from a list without names: everything but the name. */
export type Unnamed = Omit<Target, 'name'>;

const PATH_CHARS = 40;

/**
 * A host as a reader writes it: an internationalised name in Unicode (яндекс.рф), though it is
 * measured under its punycode one (xn--d1acpjx3f.xn--p1ai), which the URL parser made of it.
 */
export const shownHost = (host: string): string => (host.includes('xn--') && domainToUnicode(host)) || host;

/** The host without a leading "www." (the same service to a reader), as a service name too. */
export const bareHost = (host: string): string => shownHost(host).replace(/^www\./, '');

/**
 * "example.com", "example.com/news", "example.com:8443/x", "http:example.com", "tcp:example.com:22":
 * the URL without what every target shares (https, port 443, "/", a leading "www.", the query).
 */
export function deriveName(t: Unnamed): string {
  const host = t.host.includes(':') ? `[${t.host}]` : bareHost(t.host);
  const defaultPort = t.scheme === 'https' ? 443 : t.scheme === 'http' ? 80 : -1;
  const port = t.port === defaultPort ? '' : `:${t.port}`;
  const pathname = t.path.replace(/[?#].*$/s, '').replace(/\/+$/, '');
  const path = pathname.length > PATH_CHARS ? `${pathname.slice(0, PATH_CHARS)}…` : pathname;
  const scheme = t.scheme === 'https' ? '' : `${t.scheme}:`;
  return `${scheme}${host}${port}${path}`;
}
