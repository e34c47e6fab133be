/** Crash backoff: 1 s doubling, capped at 30 s (docs/contract.md: Supervision). */
export function backoffMs(consecutiveCrashes: number): number {
  const exponent = Math.max(0, consecutiveCrashes - 1);
  return Math.min(1000 * 2 ** exponent, 30_000);
}

export const MAX_CONSECUTIVE_CRASHES = 10;

/**
 * A reconcile that left a purge or a claims push undone is run again after 10 s, doubling up to 5 min while it
 * keeps failing (an unreachable server would otherwise log every account's failure every 10 s).
 */
export function reconcileRetryMs(failuresInARow: number): number {
  return Math.min(10_000 * 2 ** Math.max(0, failuresInARow - 1), 300_000);
}
/**
 * A purge waiting for the other members' mounts is asked again after 5 s, doubling up to 1 min while the wait
 * lasts: a member gone for good keeps it waiting for days, and every ask is a reconcile the log and history show.
 */
export function purgeAskAgainMs(asksInARow: number): number {
  return Math.min(5000 * 2 ** Math.max(0, asksInARow - 1), 60_000);
}
/** A server that stayed up this long is healthy again: its next crash starts the count over. */
export const CRASH_RESET_UPTIME_MS = 60_000;

/** Defaults of the named delays; src/ provides the values from the environment. */
export const DEFAULT_DELAYS = {
  configPoll: 1000,
  configWait: 30_000,
  debounce: 100,
  /** A restart's SIGINT, then SIGKILL after this. */
  stopTimeout: 25_000,
  /** A shutdown's signal (lame duck, SIGTERM) runs this long before SIGINT ends it. */
  signalTimeout: 22_000,
  /** A shutdown's SIGINT, then SIGKILL after this. */
  finalTimeout: 3000,
  /** How long a cluster member waits to be spared before it stops all the same (the grace's share). */
  leaveTimeout: 17_000,
  confirmTimeout: 10_000,
  readyTimeout: 120_000,
  /** A mirror that failed (a full disk, say) is tried again after this, until it works. */
  mirrorRetry: 5000,
  /** A change that could not be validated for want of resources is tried again after this. */
  applyRetry: 2000,
} as const;
