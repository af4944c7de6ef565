// Pure: which DNS-poisoning heuristics fire for one target's observations. Strong ones make the
// verdict `dns-poisoned`; weak ones only go into the evidence (CDNs answer differently in different
// countries, and some real services sit inside the censor's forged-address pool).
import type net from 'node:net';
import type { FailureString } from '../model/failure.js';
import {
  find,
  own,
  type DnsQueryObservation,
  type DnsReply,
  type Observation,
} from '../model/observation.js';
import type { Heuristic } from '../model/verdict.js';
import { impossibleReason, inList } from '../model/addresses.js';

/** What the run knows beyond one target's observations. */
export interface DnsContext {
  /** The sink answered none of the canary names, so an answer from it for a target is forged. */
  sinkUsable: boolean;
  /** --forged-pool: addresses the censor is known to answer with. */
  forgedPool: net.BlockList;
  /** --allow-answers: ranges accepted as genuine although private or loopback. */
  allowed: net.BlockList;
  /**
   * What the resolver answers for a name that cannot exist (empty when it says NXDOMAIN, as it
   * should). A resolver that answers anything (a captive portal, a fake-IP proxy, NXDOMAIN
   * rewriting) makes wrong-type and impossible answers its own doing, not an injector's.
   */
  nxRewrite: string[];
}

const answersAnything = (ctx: DnsContext) => ctx.nxRewrite.length > 0;

const queries = (checks: Observation[], purpose: DnsQueryObservation['purpose']) =>
  find(checks, 'dns_query').filter((c) => c.purpose === purpose);

const answerText = (r: DnsReply) => `${r.addresses.join(' ') || r.rcode} after ${r.after_ms} ms`;
const signature = (r: DnsReply) => `${r.rcode} ${[...r.addresses].sort().join(',')}`;

function sinkAnswer(checks: Observation[], ctx: DnsContext): Heuristic[] {
  if (!ctx.sinkUsable) return [];
  return queries(checks, 'sink')
    .filter((q) => q.replies.some((r) => r.addresses.length > 0))
    .map((q) => ({
      name: 'sink-answer',
      strong: true,
      detail:
        `${q.server}, which runs no DNS server, ` +
        `answered ${q.query_type} ${q.host}: ${q.replies.map(answerText).join('; ')}`,
    }));
}

/**
 * The replies to one ID that differ: an injector racing the resolver. A query sent again has a new
 * ID each time, and the replies to two sends are not compared: a slow resolver may answer both,
 * each with other addresses of a CDN.
 */
function raced(q: DnsQueryObservation): DnsReply[][] {
  const bySend = new Map<number, DnsReply[]>();
  for (const r of q.replies) {
    const same = bySend.get(r.send ?? 1);
    if (same) same.push(r);
    else bySend.set(r.send ?? 1, [r]);
  }
  return [...bySend.values()].filter((replies) => new Set(replies.map(signature)).size > 1);
}

function differingReplies(checks: Observation[]): Heuristic[] {
  return queries(checks, 'resolver').flatMap((q) =>
    raced(q).map((replies) => ({
      name: 'differing-replies' as const,
      strong: true,
      detail:
        `${replies.length} differing replies to one ${q.query_type} ` +
        `query: ${replies.map(answerText).join('; ')}`,
    })),
  );
}

/**
 * The addresses only an early reply gave, when replies to one ID differ: an on-path injector
 * answers first and the genuine reply comes last, so what the last reply lacks is forged.
 */
export function racedAddresses(checks: Observation[]): string[] {
  return queries(checks, 'resolver').flatMap((q) =>
    raced(q).flatMap((replies) => {
      const genuine = replies[replies.length - 1]!.addresses;
      return replies.flatMap((r) => r.addresses).filter((a) => !genuine.includes(a));
    }),
  );
}

function wrongType(checks: Observation[], ctx: DnsContext): Heuristic[] {
  return queries(checks, 'wrong_type').flatMap((q) => {
    const forged = q.replies.flatMap((r) => r.addresses);
    if (forged.length === 0) return [];
    return [
      {
        name: 'wrong-type' as const,
        strong: !answersAnything(ctx),
        detail: `a ${q.query_type} query was answered with address records: ${forged.join(' ')}`,
      },
    ];
  });
}

/** Every address the local resolver gave, through the system lookup or the raw queries. */
function localAddresses(checks: Observation[]): string[] {
  const found = checks.flatMap((c) => {
    if (c.check === 'resolve') return c.addresses;
    if (c.check === 'dns_query' && c.purpose === 'resolver') return c.replies.flatMap((r) => r.addresses);
    return [];
  });
  return [...new Set(found)];
}

function impossibleAddresses(local: string[], ctx: DnsContext): Heuristic[] {
  const bad = local.flatMap((a) => {
    const why = impossibleReason(a, ctx.allowed);
    return why ? [`${a} (${why})`] : [];
  });
  if (bad.length === 0) return [];
  return [
    {
      name: 'impossible-address',
      strong: !answersAnything(ctx),
      detail: `answers no public name can have, not dialled: ${bad.join(', ')}`,
    },
  ];
}

function forgedPool(local: string[], ctx: DnsContext): Heuristic[] {
  const hits = local.filter((a) => inList(ctx.forgedPool, a));
  return hits.length === 0
    ? []
    : [{ name: 'forged-pool', strong: false, detail: `in the forged-address pool: ${hits.join(' ')}` }];
}

/**
 * Local and control answers agree when they share an address, or when the local address completed a
 * TLS handshake with a certificate valid for the name (CDNs answer differently by country). A local
 * address that times out or resets proves nothing; one whose certificate is wrong confirms the forgery.
 */
function controlMismatch(checks: Observation[]): Heuristic[] {
  const control = new Set(find(checks, 'doh_query').flatMap((c) => (c.failure ? [] : c.addresses)));
  const resolved = find(checks, 'resolve')[0];
  if (control.size === 0 || !resolved) return [];
  if (resolved.failure?.failure === 'dns_nxdomain_error') {
    return [
      {
        name: 'control-mismatch',
        strong: false,
        detail: `the resolver says the name does not exist; the control answered ${[...control].join(' ')}`,
      },
    ];
  }
  if (resolved.failure || resolved.addresses.some((a) => control.has(a))) return [];
  const tls = own(checks, 'tls_handshake')[0];
  if (tls && !tls.failure) return [];
  const detail =
    `local answer ${resolved.addresses.join(' ')} shares no address with the ` +
    `control's ${[...control].join(' ')}`;
  if (tls?.failure && CONFIRMING.has(tls.failure.failure)) {
    return [
      {
        name: 'control-mismatch-tls',
        strong: true,
        detail: `${detail}, and ${tls.address} has no valid certificate for the name (${tls.failure.failure})`,
      },
    ];
  }
  return [{ name: 'control-mismatch', strong: false, detail: `${detail}; not confirmed by TLS` }];
}

/**
 * Certificate failures that confirm the local answer points elsewhere. Not ssl_unknown_authority:
 * an interception proxy (a company's, an antivirus's) re-signs every site with its own authority,
 * while its resolver's CDN answers differ from the control's.
 */
const CONFIRMING = new Set<FailureString>(['ssl_invalid_hostname', 'ssl_invalid_certificate']);

function nxdomainRewrite(local: string[], ctx: DnsContext): Heuristic[] {
  if (ctx.nxRewrite.length === 0 || local.length === 0 || !local.every((a) => ctx.nxRewrite.includes(a)))
    return [];
  return [
    {
      name: 'nxdomain-rewrite',
      strong: false,
      detail: `the resolver answers ${ctx.nxRewrite.join(' ')} for names that do not exist, and gave the same here`,
    },
  ];
}

export function dnsHeuristics(checks: Observation[], ctx: DnsContext): Heuristic[] {
  const local = localAddresses(checks);
  return [
    ...sinkAnswer(checks, ctx),
    ...differingReplies(checks),
    ...wrongType(checks, ctx),
    ...impossibleAddresses(local, ctx),
    ...controlMismatch(checks),
    ...forgedPool(local, ctx),
    ...nxdomainRewrite(local, ctx),
  ];
}
