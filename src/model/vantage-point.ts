/**
 * The user's own name for where a report was made (`--label bj-unicom-1`, optionally `--network`
 * and `--country`), as the user states it: reachprobe never detects it, and records no address of
 * the machine. Not to be confused with `summary.vantage`, which says whether the network was up.
 */
export interface VantagePoint {
  label: string;
  network?: string;
  country?: string;
}

/** What --label accepts: safe in file names, SQL strings, Prometheus labels and CSV alike. */
export const LABEL_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
