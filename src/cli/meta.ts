/**
 * 0 every target met its expect (or is reachable), 1 otherwise, 2 bad usage or input, 3 internal error,
 * 130 interrupted. `diff` says 1 when something changed: the same "look at this" status.
 */
export const EXIT = { ok: 0, unmet: 1, changed: 1, usage: 2, internal: 3, interrupted: 130 } as const;
