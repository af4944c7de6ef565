import type { Blocking } from './control.js';
import type { QuicVerdictName } from './quic.js';
import type { VerdictName } from './verdict.js';

/** What a target file may expect of `blocking`, measured against a helper. */
export type ExpectedBlocking = Exclude<Blocking, null>;

export type Scheme = 'https' | 'http' | 'tcp';
export type Role = 'control-domestic' | 'control-foreign';
export const ROLES: readonly Role[] = ['control-domestic', 'control-foreign'];

/** Where a target was defined, so every message about it can name the file and line. */
export interface SourceRef {
  file: string;
  line: number;
}

/** One endpoint to measure, as read from a targets file. */
export interface Target {
  name: string;
  service: string;
  url: string;
  scheme: Scheme;
  /** Host name or IP literal (IPv6 without brackets). */
  host: string;
  port: number;
  /** Path and query for HTTP(S) targets; '/' otherwise. */
  path: string;
  role?: Role;
  expect?: VerdictName;
  /** Checked only in runs with a helper: without one, nothing says what `blocking` is. */
  expectBlocking?: ExpectedBlocking;
  /** OONI's `accessible` as the comparison with the helper must find it; checked only in runs with a helper. */
  expectAccessible?: boolean;
  /** `quic:` in the targets file: measure (true) or never measure (false) over QUIC; absent: only with --quic. */
  quic?: boolean;
  /** The QUIC verdict the target must get, in runs that measure it over QUIC. */
  expectQuic?: QuicVerdictName;
  /** The service needs this endpoint: it is blocked only when its essential endpoints are (src/classify/service.ts). */
  essential?: boolean;
  tags: string[];
  /** A Citizen Lab test list's category_code (NEWS, HUMR...): what --category picks. */
  category?: string;
  source: SourceRef;
}

/**
 * Targets by their place in the list: an array, or a list that keeps a million of them compact and makes
 * each Target when asked (src/targets/listed.ts).
 */
export interface TargetList {
  readonly length: number;
  at(index: number): Target | undefined;
}
