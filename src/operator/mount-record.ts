import { readFileSync } from 'node:fs';
import path from 'node:path';
import { writeAtomically } from '../util/write-atomically.js';
import { isAccountPublicKey } from './account-jwt.js';

/** Beside the JWTs it describes, so it lives and goes with the resolver dir; nats-server reads only `*.jwt` there. */
export const MOUNT_RECORD_FILE = '.iofog-nats-mount-accounts';

/**
 * The accounts the mirror has taken from the mount, kept in the resolver dir across restarts: only an account
 * the mount held and no longer holds may be removed from the resolver (docs/operator-mode.md). One written
 * another way (`nsc push` through the resolver) is never in it. No record yet (a first start, an upgrade):
 * the accounts the mount holds are recorded as it is read, and one in the resolver dir that it does not hold
 * is left there.
 */
export class MountRecord {
  private held: Set<string> | null = null;
  private changed = false;

  constructor(private readonly jwtDir: string) {}

  private get file(): string {
    return path.join(this.jwtDir, MOUNT_RECORD_FILE);
  }

  private load(): Set<string> {
    if (this.held) return this.held;
    let text = '';
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      // none yet, or unreadable: an empty record removes nothing
    }
    this.held = new Set(text.split('\n').filter(isAccountPublicKey));
    return this.held;
  }

  has(account: string): boolean {
    return this.load().has(account);
  }

  add(accounts: Iterable<string>): void {
    const held = this.load();
    for (const a of accounts) {
      if (held.has(a)) continue;
      held.add(a);
      this.changed = true;
    }
  }

  delete(account: string): void {
    if (this.load().delete(account)) this.changed = true;
  }

  /** Written only when it changed; a failed write throws (the mirror is tried again) and is tried again. */
  save(): void {
    if (!this.changed) return;
    writeAtomically(this.file, [...this.load()].sort().join('\n') + '\n');
    this.changed = false;
  }
}
