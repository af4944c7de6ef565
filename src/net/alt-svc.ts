// The Alt-Svc header (RFC 7838 §3): how an HTTPS answer over TCP says the service is also offered
// elsewhere, HTTP/3 included ("h3"). It is one of the evidences that a target speaks QUIC, and names
// the UDP port to try. Entries that do not parse are skipped: the header is the server's text.

export interface AltService {
  /** The ALPN protocol ID, percent-decoded ("h3", "h3-29"). */
  protocol: string;
  /** The alternative host; absent when it is the origin's own (":443"). */
  host?: string;
  port: number;
  /** The "ma" parameter: how long the alternative may be used, in seconds (default 24 h). */
  maxAgeSeconds: number;
}

export interface AltSvc {
  /** "clear": the origin withdraws all alternatives. */
  clear: boolean;
  alternatives: AltService[];
}

const DEFAULT_MAX_AGE = 86_400;

/** Splits on a separator outside quoted strings. */
function splitOutsideQuotes(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && quoted) {
      current += c + (text[++i] ?? '');
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === separator && !quoted) {
      parts.push(current);
      current = '';
    } else current += c;
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

const unquote = (value: string): string | undefined =>
  value.length >= 2 && value.startsWith('"') && value.endsWith('"')
    ? value.slice(1, -1).replace(/\\(.)/g, '$1')
    : undefined;

function percentDecode(token: string): string | undefined {
  try {
    return decodeURIComponent(token);
  } catch {
    return undefined;
  }
}

function alternative(entry: string): AltService | undefined {
  const [first, ...params] = splitOutsideQuotes(entry, ';');
  const eq = first?.indexOf('=') ?? -1;
  if (!first || eq <= 0) return undefined;
  const protocol = percentDecode(first.slice(0, eq).trim());
  const authority = unquote(first.slice(eq + 1).trim());
  const match = authority?.match(/^(\[[0-9a-fA-F:.]+\]|[^:[\]]*):(\d{1,5})$/);
  if (!protocol || !match || Number(match[2]) === 0 || Number(match[2]) > 65535) return undefined;
  const alt: AltService = { protocol, port: Number(match[2]), maxAgeSeconds: DEFAULT_MAX_AGE };
  if (match[1]) alt.host = match[1].replace(/^\[(.*)\]$/, '$1');
  for (const param of params) {
    const [name, value] = param.split('=').map((s) => s.trim());
    const seconds = Number(unquote(value ?? '') ?? value);
    if (name?.toLowerCase() === 'ma' && Number.isSafeInteger(seconds) && seconds >= 0)
      alt.maxAgeSeconds = seconds;
  }
  return alt;
}

/** Parses the header's value (several headers joined with ", " are one list). */
export function parseAltSvc(value: string): AltSvc {
  if (value.trim().toLowerCase() === 'clear') return { clear: true, alternatives: [] };
  const alternatives = splitOutsideQuotes(value, ',')
    .map(alternative)
    .filter((a): a is AltService => a !== undefined);
  return { clear: false, alternatives };
}

/** The HTTP/3 (QUIC v1) alternative the header offers, if any: "h3", not the drafts' "h3-29". */
export const http3Alternative = (altSvc: AltSvc): AltService | undefined =>
  altSvc.alternatives.find((a) => a.protocol === 'h3' && a.maxAgeSeconds > 0);
