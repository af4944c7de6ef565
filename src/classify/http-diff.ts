// Pure: whether the page seen here is the page the helper saw abroad, by OONI's Web Connectivity
// measures (status code, body length proportion, uncommon headers, title), made a little stricter
// so that a dynamic page or a CDN's geo-variant does not read as a blockpage.
import type { ControlHttp } from '../model/control.js';
import type { HttpObservation } from '../model/observation.js';

/** OONI's threshold: the shorter body is at least 70% of the longer one. */
export const BODY_PROPORTION = 0.7;

/** Headers every server may or may not send: their presence says nothing about who answered. */
const COMMON_HEADERS = new Set([
  'date',
  'content-type',
  'server',
  'cache-control',
  'vary',
  'set-cookie',
  'location',
  'expires',
  'x-powered-by',
  'content-encoding',
  'last-modified',
  'accept-ranges',
  'pragma',
  'x-frame-options',
  'etag',
  'x-content-type-options',
  'age',
  'via',
  'p3p',
  'x-xss-protection',
  'content-language',
  'cf-ray',
  'strict-transport-security',
  'link',
  'x-varnish',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'alt-svc',
]);

type Page = Pick<
  HttpObservation,
  'status' | 'location' | 'header_names' | 'body_bytes' | 'body_truncated' | 'title' | 'body_sha256'
>;

/** What differs between the two pages; empty when they are the same page as far as these measures tell. */
export function pageDifferences(here: Page, abroad: ControlHttp): string[] {
  if (here.body_sha256 !== undefined && here.body_sha256 === abroad.body_sha256) return [];
  const differences: string[] = [];
  // A server error abroad says nothing about the page here (OONI ignores it too).
  const abroadBroken = (abroad.status ?? 0) >= 500;
  if (!abroadBroken && here.status !== abroad.status)
    differences.push(`status ${here.status} here, ${abroad.status} abroad`);
  if (
    isRedirect(here.status) &&
    isRedirect(abroad.status) &&
    hostOf(here.location) !== hostOf(abroad.location)
  ) {
    differences.push(
      `a redirect to ${here.location ?? 'nowhere'} here, to ${abroad.location ?? 'nowhere'} abroad`,
    );
  }
  const titles = titleMatch(here.title, abroad.title);
  const lengths = bodyProportion(here, abroad) >= BODY_PROPORTION;
  const headers = uncommonHeadersMatch(here.header_names ?? [], abroad.header_names ?? []);
  // A dynamic page keeps its title (and usually its length); a blockpage has neither the title nor the length.
  const pages =
    `the title ${quote(here.title)} and ${here.body_bytes} bytes here, ${quote(abroad.title)} ` +
    `and ${abroad.body_bytes} bytes abroad`;
  if (!titles && !lengths) differences.push(pages);
  else if (!titles && !headers) differences.push(`${pages}, and no uncommon header in common`);
  return differences;
}

const isRedirect = (status = 0) => status >= 300 && status < 400;

function hostOf(location: string | undefined): string | undefined {
  if (location === undefined) return undefined;
  try {
    return new URL(location, 'http://relative.invalid').host;
  } catch {
    return location;
  }
}

const quote = (title: string | undefined) => (title === undefined ? '(none)' : `"${title}"`);

/** Both capped at the same size read as equal: a long page is not a blockpage of 64 KiB. */
export function bodyProportion(a: Page, b: Pick<Page, 'body_bytes' | 'body_truncated'>): number {
  if (a.body_truncated && b.body_truncated) return 1;
  const large = Math.max(a.body_bytes, b.body_bytes);
  return large === 0 ? 1 : Math.min(a.body_bytes, b.body_bytes) / large;
}

/**
 * Titles match when equal, or when they share a word of five letters or more (OONI's rule); no title on
 * either side says nothing.
 */
export function titleMatch(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined && b === undefined) return true;
  if (a === undefined || b === undefined) return false;
  if (a.toLowerCase() === b.toLowerCase()) return true;
  const words = (t: string) =>
    new Set(
      t
        .toLowerCase()
        .split(/[^\p{L}\p{N}]/u) // runs of separators leave empty words, too short to count
        .filter((w) => w.length >= 5),
    );
  const theirs = words(b);
  return [...words(a)].some((w) => theirs.has(w));
}

/** No uncommon header on either side, or one in common. */
export function uncommonHeadersMatch(a: string[], b: string[]): boolean {
  const uncommon = (names: string[]) => names.filter((n) => !COMMON_HEADERS.has(n));
  const mine = uncommon(a);
  const theirs = new Set(uncommon(b));
  if (mine.length === 0 && theirs.size === 0) return true;
  return mine.some((n) => theirs.has(n));
}
