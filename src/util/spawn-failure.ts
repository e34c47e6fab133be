import { closeSync, openSync } from 'node:fs';
import { isOutOfFds } from './read-file.js';

/** What starting a process with three pipes takes: both ends of each, and the exec status pipe. */
const FDS_A_SPAWN_NEEDS = 8;

const OUT_OF_FDS = 'out of file descriptors (EMFILE): raise the open-files limit (ulimit -n)';

/**
 * Why a process cannot be started now, or null. Asked before spawning: a spawn that runs out of file
 * descriptors surfaces as an unrelated TypeError from execa and an 'error' event nobody can listen to,
 * which would reach the process-wide handler and stop nats-server.
 */
export function spawnBlocker(): string | null {
  const fds: number[] = [];
  try {
    for (let i = 0; i < FDS_A_SPAWN_NEEDS; i++) fds.push(openSync('/dev/null', 'r'));
    return null;
  } catch (err) {
    return isOutOfFds((err as NodeJS.ErrnoException).code) ? OUT_OF_FDS : null;
  } finally {
    for (const fd of fds) closeSync(fd);
  }
}

/** Why starting a process failed, in words an operator can act on. */
export function describeSpawnFailure(err: unknown): string {
  return spawnBlocker() ?? (err instanceof Error ? err.message : String(err));
}
