import { readdirSync, readFileSync } from 'node:fs';

/**
 * The live processes of a process group, from /proc: nats-server alone when NATS_SERVER_BIN execs it, or a
 * wrapper script and the nats-server it started (and kept in the group) when it does not.
 */
export function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid pgrp …: comm may hold spaces and parentheses, so read after the last ')'.
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) === pgid && state !== 'Z') members.push(Number(entry));
    } catch {
      /* gone meanwhile */
    }
  }
  return members;
}

/** Signals that end the process: the whole group gets them, so a wrapper's nats-server stops with it. */
const STOPPING: ReadonlySet<NodeJS.Signals> = new Set(['SIGTERM', 'SIGINT', 'SIGKILL', 'SIGUSR2']);

/**
 * Delivers a signal to nats-server however it was started. A stop signal goes to the whole group. SIGHUP
 * and SIGUSR1 go to the group's other members when there are any: a wrapper shell would die of a SIGHUP,
 * and nats-server is what must reload.
 */
export function signalGroup(leader: number, signal: NodeJS.Signals): void {
  const others = groupMembers(leader).filter((pid) => pid !== leader);
  const targets = STOPPING.has(signal) ? [-leader] : others.length > 0 ? others : [leader];
  for (const pid of targets) {
    try {
      process.kill(pid, signal);
    } catch {
      /* exited meanwhile: its exit is reported on its own */
    }
  }
}
