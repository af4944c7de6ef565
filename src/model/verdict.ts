import type { FailureString, Operation } from './failure.js';
import type { Throughput } from './transfer.js';

// Every verdict the tool can give, with the sentence `reachprobe check --help` explains it with.
export const VERDICTS = {
  reachable: 'the service answered over TLS with a valid certificate, or over HTTP',
  connected: 'tcp:// target: the TCP handshake completed; nothing more can be checked for its protocol',
  'dns-poisoned':
    'the DNS answers were forged: strong evidence (a sink answered, replies raced, wrong type, ' +
    'impossible address, control mismatch confirmed by TLS)',
  'dns-nxdomain': 'the name does not exist, and no reply says otherwise',
  'dns-failure': 'the name could not be resolved (resolver timeout, SERVFAIL, refusal, no answer)',
  reset:
    'a TCP RST ended the connection: at connect (RST to SYN), after the TLS ClientHello, or after the HTTP request',
  timeout: 'nothing came back before the deadline: at connect, TLS handshake or HTTP',
  inconsistent:
    'tries disagreed: the check failed on some fresh connections and worked on others (probabilistic blocking)',
  closed: 'the server closed the connection (FIN) before the step completed',
  'cert-invalid': 'the TLS certificate is not valid for the name (wrong name, unknown authority, expired)',
  'tls-failure': 'the TLS handshake failed for another reason (protocol, version, alert)',
  'http-failure': 'the server answered with bytes that are not HTTP',
  unreachable: 'no route to the address from here (a local network problem, not censorship)',
  'http-diff':
    'both answered over plain HTTP, but the page here is not the one the helper abroad got (status, ' +
    'length, title): a blockpage or a transparent proxy',
  throttled:
    'the page came, but 10x slower than the same URL with an innocuous name on the same address or ' +
    'from the helper abroad (or it froze where they did not): slowed, not blocked',
  down: 'the helper abroad met the same failure: the server is down or broken everywhere, not censorship',
  'vantage-offline':
    'every domestic control failed: this vantage point is offline, so this failure says nothing about censorship',
  error: 'reachprobe could not measure this target (an unexpected failure, reported as is)',
} as const;

export type VerdictName = keyof typeof VERDICTS;
export const VERDICT_NAMES = Object.keys(VERDICTS) as VerdictName[];

export type HeuristicName =
  | 'sink-answer'
  | 'differing-replies'
  | 'wrong-type'
  | 'impossible-address'
  | 'control-mismatch-tls'
  | 'control-mismatch'
  | 'forged-pool'
  | 'nxdomain-rewrite';

/** A DNS-poisoning heuristic that fired for a target. */
export interface Heuristic {
  name: HeuristicName;
  /** Strong evidence of injection on its own; weak ones are reported but decide nothing. */
  strong: boolean;
  detail: string;
}

/** What the censor keys the block on: the server's address, the TLS name, the HTTP Host, or not known. */
export type BlockedBy = 'ip' | 'sni' | 'host' | 'unknown';

export interface Lingering {
  /** The last innocuous check was still blocked (the check ran out of time). */
  still_blocked: boolean;
  /** When the last innocuous check started, after the target's own check was blocked. */
  after_ms: number;
  checks: number;
}

/** How the addresses of one family answered the SYN: one of them opened, or each failed (the most telling failure). */
export interface FamilyOutcome {
  addresses: string[];
  open: boolean;
  failure?: FailureString;
}

/** A name with addresses of both families: each judged on its own (absent for one family). */
export interface Families {
  ipv4: FamilyOutcome;
  ipv6: FamilyOutcome;
}

/** One redirect followed: where to, and what its own checks found there. */
export interface RedirectHop {
  url: string;
  verdict: VerdictName;
  stage?: Operation;
  failure?: FailureString;
  reason: string;
}

/** A verdict and the evidence behind it. */
export interface Verdict {
  verdict: VerdictName;
  /** The step that decided the verdict (absent when every step succeeded). */
  stage?: Operation;
  failure?: FailureString;
  /** One sentence a person can read. */
  reason: string;
  /** Facts that support the verdict, one per line. */
  evidence: string[];
  /** What the block is keyed on, for a reset, timeout, closed, inconsistent or throttled connection. */
  blockedBy?: BlockedBy;
  /** What --residual-check saw after the block: innocuous checks on the same IP:port, until one passed. */
  lingering?: Lingering;
  /** The DNS heuristics that fired (absent when none did). */
  heuristics?: Heuristic[];
  /** Per address family, when the name has addresses of both: the verdict is what happy eyeballs gets. */
  families?: Families;
  /** The redirects followed (--max-redirects), each hop measured as the target is. */
  redirects?: RedirectHop[];
  /** The verdict as measured, when the run context (vantage offline) or the control (down) replaced it. */
  measured?: VerdictName;
  /** The transfer's rate and what the throttling rule made of it (with --transfer, on http(s) targets). */
  throughput?: Throughput;
}
