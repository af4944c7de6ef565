import type { Blocking } from '../model/control.js';
import type { Verdict } from '../model/verdict.js';

/** A verdict as the controls left it, with OONI's `blocking` and `accessible`. */
export interface Comparison {
  verdict: Verdict;
  blocking: Blocking;
  accessible: boolean | null;
}
