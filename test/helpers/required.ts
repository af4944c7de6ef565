// What some tests need from the machine beyond Node: Debian's headless Chromium, ngtcp2's example
// server (gtlsserver), iproute2 and nftables for network namespaces, and root. Elsewhere such a test
// skips, saying why; where .ci/run has installed them all and runs as root (it sets CI=true), a test
// that cannot run fails instead: a skip there would be a check quietly not made.
import { existsSync } from 'node:fs';

/** Where the tests, and .ci/run, look for them. */
export const CHROMIUM = '/usr/bin/chromium';
export const GTLSSERVER_PATHS = ['/usr/sbin/gtlsserver', '/usr/bin/gtlsserver'];

/** CI as .ci/run runs it: CI=true, as root. */
export const REQUIRED = process.env.CI === 'true' && process.getuid?.() === 0;

/**
 * Says once why `what` cannot run (`missing`), or nothing when it can: a warning and the reason
 * (for `skipIf`) where it may skip, an error that fails the test file where it must run.
 */
export function unavailable(what: string, missing: string | undefined): string | undefined {
  if (missing === undefined) return undefined;
  const message = `${what}: ${missing}`;
  if (REQUIRED) throw new Error(`${message}, yet CI (CI=true, as root) must run it: see .ci/run`);
  console.warn(`${message}: skipped`);
  return message;
}

export const gtlsserver = (): string | undefined => GTLSSERVER_PATHS.find((p) => existsSync(p));
