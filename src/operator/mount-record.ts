import { existsSync } from 'node:fs';
import path from 'node:path';
import { withRegular, readAll } from '../util/read-file.js';
import { writeAtomically } from '../util/write-atomically.js';
import { isAccountPublicKey } from './account-jwt.js';

/** Beside the JWTs it describes, so it lives and goes with the resolver dir; nats-server reads only `*.jwt` there. */
export const MOUNT_RECORD_FILE = '.iofog-nats-mount-accounts';
/** 57 bytes an account: room for ~290 000 accounts. A larger file is not a record this mirror wrote: never read. */
export const MAX_RECORD_BYTES = 16 * 1024 * 1024;

const REMEDY = 'it is written anew once it can be; remove it if it stays';
/** What an unreadable record costs: only an account that left the mount is kept, never one that is in it. */
const COST = 'accounts that left the mount before this start stay in the resolver dir (never purged)';

type Loaded = { held: Set<string>; fault: string | null };

/** The record's accounts and what was wrong with it; whatever it is, reading it never blocks nor grows unbounded. */
function read(file: string): Loaded {
  const empty = (fault: string | null): Loaded => ({ held: new Set(), fault });
  // Out of file descriptors this throws: nothing is known, and the mirror is tried again as a whole.
  const got = withRegular(file, {}, (fd, size) => (size > MAX_RECORD_BYTES ? null : readAll(fd, size)));
  if (got === null) return existsSync(file) ? empty(`${file} cannot be read (not a regular file, or no permission): ${COST}; ${REMEDY}`) : empty(null);
  if (got.kind !== 'file') return empty(`${file} is a ${got.kind === 'dir' ? 'directory' : 'link'}, not a file: ${COST}; ${REMEDY}`);
  if (got.value === null) return empty(`${file} is over ${MAX_RECORD_BYTES / 1024 ** 2} MiB, not a record this mirror wrote: not read; ${COST}; ${REMEDY}`);
  const lines = got.value.toString('utf8').split('\n').filter(Boolean);
  const held = new Set(lines.filter(isAccountPublicKey));
  const junk = lines.length - held.size;
  return { held, fault: junk > 0 ? `${file} has ${junk} line(s) that are not account public keys: they are ignored; ${REMEDY}` : null };
}

/**
 * The accounts the mirror has taken from the mount, kept in the resolver dir across restarts: only an account
 * the mount held and no longer holds may be removed from the resolver (docs/operator-mode.md). One written
 * another way (`nsc push` through the resolver) is never in it. No record yet (a first start, an upgrade):
 * the accounts the mount holds are recorded as it is read, and one in the resolver dir that it does not hold
 * is left there. A record that cannot be read or written is a fault said once, never the mirror's failure: it
 * only ever keeps an account that left the mount, never removes one that is in it.
 */
export class MountRecord {
  private held: Set<string> | null = null;
  private changed = false;
  /** What was wrong with the record as found; said once. */
  private foundFault: string | null = null;
  /** Why the last write failed; null once one succeeds. */
  private writeFault: string | null = null;
  private saidWriteFault: string | null = null;

  constructor(private readonly jwtDir: string) {}

  private get file(): string {
    return path.join(this.jwtDir, MOUNT_RECORD_FILE);
  }

  private load(): Set<string> {
    if (this.held) return this.held;
    const loaded = read(this.file);
    this.held = loaded.held;
    this.foundFault = loaded.fault;
    // A record that was not whole is written anew with what is known.
    this.changed = loaded.fault !== null;
    return this.held;
  }

  holdsAny(): boolean {
    return this.load().size > 0;
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

  /**
   * What there is new to say about the record: how it was found (once), a write that failed, or (null) that it
   * is whole again after one did; undefined: nothing new.
   */
  news(): string | null | undefined {
    const found = this.foundFault;
    this.foundFault = null;
    if (this.writeFault === this.saidWriteFault) return found ?? undefined;
    this.saidWriteFault = this.writeFault;
    return [found, this.writeFault].filter(Boolean).join('; ') || null;
  }

  /**
   * Written when it changed or is gone (deleted by hand); a write that fails is the record's fault, kept until a
   * later write succeeds, and the mirror goes on: what it holds in memory is right for this run.
   */
  save(): void {
    const held = this.load();
    if (!this.changed && existsSync(this.file)) return;
    try {
      writeAtomically(this.file, [...held].sort().join('\n') + '\n');
      this.changed = false;
      this.writeFault = null;
    } catch (err) {
      const why = (err as NodeJS.ErrnoException).code ?? String(err);
      this.writeFault =
        `${this.file} cannot be written (${why}): if the supervisor restarts before it can, accounts that leave ` +
        `the mount meanwhile stay in the resolver dir (never purged); ${REMEDY}`;
    }
  }
}
