import { isAccountPublicKey } from './account-jwt.js';
import type { PurgeMode } from '../settings.js';

export interface PurgeFacts {
  mode: PurgeMode;
  sysCredsSet: boolean;
  /** Accounts in the resolver dir, or null when it could not be read. */
  resolverAccounts: ReadonlySet<string> | null;
  systemAccount: string | null;
  /** Entries of <store>/jetstream, or null when the store could not be read. */
  storeEntries: readonly { name: string; isDirectory: boolean }[] | null;
}

export interface PurgePlan {
  /** Accounts whose JetStream data may be purged. Empty unless every rule holds. */
  purge: string[];
  /** Store entries that stay, each with the rule that protects it. */
  protected: { name: string; reason: string }[];
  /** Why nothing at all is purged this time, when that is the case. */
  blocked: string | null;
}

function blockedBy(f: PurgeFacts): string | null {
  if (f.mode === 'off') return 'NATS_JETSTREAM_PURGE is off';
  if (!f.sysCredsSet) return 'NATS_SYS_USER_CRED_PATH is not set: no system user to call the purge API with';
  if (f.resolverAccounts === null) return 'the resolver dir (NATS_JWT_DIR) could not be read';
  const others = [...f.resolverAccounts].filter((a) => a !== f.systemAccount);
  // nats-server writes the preloaded system account there itself: a dir holding only that one is empty.
  if (others.length === 0) return 'the resolver dir holds no account besides the system account: it may still be filling';
  if (f.storeEntries === null) return 'the JetStream store dir could not be read';
  return null;
}

function protection(name: string, isDirectory: boolean, f: PurgeFacts): string | null {
  if (!isDirectory) return 'not a directory';
  if (!isAccountPublicKey(name)) return 'not named as an account public key ($G, config accounts, dot-dirs)';
  if (name === f.systemAccount) return "the system account (holds the cluster's _js_ meta state)";
  if (f.resolverAccounts?.has(name)) return 'still in the resolver';
  return null;
}

/** Every purge rule of docs/contract.md (JWT mirror and purge), in one place. When in doubt, nothing is purged. */
export function planPurge(f: PurgeFacts): PurgePlan {
  const blocked = blockedBy(f);
  const entries = f.storeEntries ?? [];
  if (blocked) return { purge: [], protected: entries.map((e) => ({ name: e.name, reason: blocked })), blocked };
  const plan: PurgePlan = { purge: [], protected: [], blocked: null };
  for (const e of entries) {
    const reason = protection(e.name, e.isDirectory, f);
    if (reason) plan.protected.push({ name: e.name, reason });
    else plan.purge.push(e.name);
  }
  return plan;
}
