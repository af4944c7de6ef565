import { execFileSync } from 'node:child_process';

/** What a system tool may take (`ip netns add` takes milliseconds): beyond, it is killed and throws. */
const SYSTEM_MS = 30_000;

/**
 * Runs a system tool (ip, nft, sysctl) to its end, throwing if it fails. Synchronous, so vitest's
 * timeout cannot end it: the bound is the call's own.
 */
export function system(command: string, ...args: string[]): Buffer {
  return execFileSync(command, args, { stdio: 'pipe', timeout: SYSTEM_MS });
}
