/**
 * Why the supervisor acts: one per watched source, SIGHUP sent to the supervisor itself, and `store`: the
 * JetStream store has room again after a write error nats-server does not recover from by itself.
 */
export const CAUSES = ['config', 'accounts', 'tls', 'jwt', 'creds', 'signal', 'store'] as const;
export type Cause = (typeof CAUSES)[number];

export const MODES = ['server', 'leaf'] as const;
export type Mode = (typeof MODES)[number];

/** What a settled set of causes asks for (docs/contract.md: What happens on a change, step 3). */
export type ChangeAction = 'reload' | 'restart' | 'syncOnly';

// nats-server reads creds only when it connects: a reload would leave the old identity in use.
const LEAF_RESTART_CAUSES: ReadonlySet<Cause> = new Set(['creds']);

/**
 * A JWT-only change needs neither a reload nor a restart in either mode: SIGHUP does not change the claims
 * of a loaded account (only the claims push does) and nats-server finds a new account's file by itself,
 * while `nats-server -t` plus the reload cost ~1.5 s with 5000 accounts (measured on 2.9.10; README).
 */
export function decideAction(mode: Mode, causes: readonly Cause[]): ChangeAction {
  if (causes.every((c) => c === 'jwt')) return 'syncOnly';
  // Only a new nats-server reopens a store it stopped writing to (docs/faults.md: a full store disk).
  if (causes.includes('store')) return 'restart';
  // A leaf restart drops every client on the edge node: a leaf reloads first too, and restarts only for
  // what a reload cannot apply (creds now; a change nats-server refuses to reload, after it refused).
  if (mode === 'leaf' && causes.some((c) => LEAF_RESTART_CAUSES.has(c))) return 'restart';
  return 'reload';
}

/** Adds causes to a set kept as a sorted array, so snapshots stay serialisable and comparable. */
export function addCauses(set: readonly Cause[], more: readonly Cause[]): Cause[] {
  const merged = new Set<Cause>([...set, ...more]);
  return CAUSES.filter((c) => merged.has(c));
}

/** A freshly spawned nats-server reads every file itself; only the JWT work (mirror, push) outlives a start. */
export function causesLeftAfterSpawn(pending: readonly Cause[]): Cause[] {
  return pending.filter((c) => c === 'jwt');
}
