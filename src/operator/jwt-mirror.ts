import { lstatSync, unlinkSync } from 'node:fs';
import { mkdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import type { JwtSyncReport } from '../../machines/outputs.js';
import { mapSliced } from '../util/concurrency.js';
import type { Snapshot } from '../watch/hash.js';
import { LinkResolver } from './link-resolver.js';
import { writeAtomically } from '../util/write-atomically.js';
import { isAccountPublicKey } from './account-jwt.js';
import { MountRecord } from './mount-record.js';
import { listJwts, readEntry, readOrNull, type Taken, type Verdict } from './mount-entry.js';

export interface MirrorPaths {
  mountDir: string;
  jwtDir: string;
  /**
   * nats-server writes the system account's JWT into the resolver dir itself: never removed. Asked only
   * when something is about to be removed (finding it costs a /varz request and a config parse).
   */
  systemAccount: () => Promise<string | null>;
}

export type OnWritten = (account: string, sha: string, jwt: string) => void;

/** The accounts the mount holds, as the last whole read of it found them; or why that cannot be told now. */
export type MountHolds = { accounts: ReadonlySet<string> } | { unknown: string };
const WRITE_SLICE_WITH_LISTENER = 32;

/**
 * Mirrors valid account JWTs from the read-only mount into the resolver dir (docs/contract.md: JWT mirror and purge).
 * It remembers what it read and wrote, so a change reads only the mount entries whose sha256 the watcher
 * saw change and writes only accounts whose JWT changed: a Kubernetes update of one account among
 * thousands touches one file. An empty or missing mount, or one with no valid JWT, changes nothing: a
 * mount being filled must never look like "every account was deleted".
 */
export class JwtMirror {
  /** mount entry → what it was when last read. */
  private readonly seen = new Map<string, Verdict>();
  private readHashes: Snapshot = new Map();
  /** account → sha256 of the JWT the resolver dir holds, as this mirror wrote or found it. */
  private readonly resolver = new Map<string, string>();
  private readonly record: MountRecord;
  /** Accounts in the resolver dir the mount never held, reported once each. */
  private readonly reportedForeign = new Set<string>();
  private held: MountHolds = { unknown: 'the mount has not been read yet' };

  constructor(private readonly paths: MirrorPaths) {
    this.record = new MountRecord(paths.jwtDir);
  }

  /** Path → sha256 of the mount entries as the last sync found them (read, or known unchanged). */
  lastReadHashes(): Snapshot {
    return this.readHashes;
  }

  /**
   * What another member asks before a purge (docs/operator-mode.md: A purge the cluster agrees to). A name in
   * the mount counts whatever its file holds; a mount missing, empty or being read holds every account.
   */
  mountHolds(): MountHolds {
    return this.held;
  }

  /** The accounts mirrored into the resolver dir with the sha256 of each JWT. */
  accounts(): ReadonlyMap<string, string> {
    return this.resolver;
  }

  /**
   * Mount entries named as an account whose file did not read as that account's JWT at the last sync (path →
   * why): the resolver keeps what it had for them, so nats-server does not run what the mount holds.
   */
  misread(): ReadonlyMap<string, string> {
    const misread = new Map<string, string>();
    for (const [entry, v] of this.seen) {
      if ('skip' in v && isAccountPublicKey(entry.slice(0, -'.jwt'.length))) misread.set(path.join(this.paths.mountDir, entry), v.reason);
    }
    return misread;
  }

  /** The JWT text of a mirrored account, read back from the resolver dir. */
  jwt(account: string): string | null {
    return (
      readOrNull(path.join(this.paths.jwtDir, `${account}.jwt`))
        ?.toString('utf8')
        .trim() ?? null
    );
  }

  /**
   * `mountHashes` (path → sha256, from the watcher) lets entries unchanged since the last sync go unread;
   * `onWritten` hears of each account as soon as its file is in place.
   */
  async sync(mountHashes?: Snapshot, onWritten?: OnWritten): Promise<JwtSyncReport> {
    const { mountDir, jwtDir } = this.paths;
    const report: JwtSyncReport = { copied: [], removed: [], skipped: [], foreign: [] };
    this.held = { unknown: 'the mount is being read' };
    const mountReal = await realpath(mountDir).catch(() => null);
    this.readHashes = new Map();
    if (mountReal === null) return this.nothingMounted(report, 'the mount does not exist');
    const entries = listJwts(mountDir);
    if (entries.length === 0) return this.nothingMounted(report, 'the mount holds no account JWT');
    const present = this.forgetMissing();
    const links = new LinkResolver();
    const verdicts = await mapSliced(entries, (entry) => {
      const last = this.seen.get(entry);
      const hint = mountHashes?.get(path.join(mountDir, entry)) ?? null;
      if (last && hint !== null && last.hash === hint && this.stillMirrored(last)) return { verdict: last, fresh: false };
      return { verdict: readEntry(links, mountReal, mountDir, entry, hint), fresh: true };
    });
    this.readHashes = new Map(
      entries.flatMap((entry, i) => {
        const hash = verdicts[i]!.verdict.hash;
        return hash === null ? [] : [[path.join(mountDir, entry), hash] as [string, string]];
      }),
    );
    // A skipped entry is reported when it is read, not again on every later change.
    report.skipped = verdicts.flatMap(({ verdict, fresh }) => (fresh && 'skip' in verdict ? [{ name: verdict.skip, reason: verdict.reason }] : []));
    const valid = verdicts.map((v) => v.verdict).filter((v): v is Verdict & Taken => 'key' in v);
    if (valid.length === 0) {
      report.skipped.push({ name: mountDir, reason: 'no valid account JWT in the mount: the resolver dir is left as it is' });
      this.held = { unknown: 'the mount holds no valid account JWT' };
      return report;
    }
    await mkdir(jwtDir, { recursive: true });
    report.copied = await this.write(valid, present, onWritten);
    this.record.add(valid.map((v) => v.key));
    // A name still in the mount is no removal, whatever its file holds this moment (half written, garbage,
    // another account's JWT): the resolver keeps its copy, and no purge follows (docs/contract.md).
    const named = entries.map((e) => e.slice(0, -'.jwt'.length)).filter(isAccountPublicKey);
    Object.assign(report, await this.removeOrphans(present, new Set([...valid.map((v) => v.key), ...named])));
    this.record.save();
    const news = this.record.news();
    if (news !== undefined) report.recordFault = news;
    this.remember(
      entries,
      verdicts.map((v) => v.verdict),
    );
    this.held = { accounts: new Set([...valid.map((v) => v.key), ...named]) };
    return report;
  }

  /**
   * A mount that never held an account (outside operator mode) is said quietly; one that held accounts the
   * resolver dir still has is warned about: a mount being filled must never look like "every account left".
   */
  private nothingMounted(report: JwtSyncReport, why: string): JwtSyncReport {
    this.held = { unknown: why };
    if (!this.record.holdsAny()) return { ...report, empty: `${this.paths.mountDir}: ${why}: nothing to mirror` };
    return { ...report, skipped: [{ name: this.paths.mountDir, reason: `${why}: the resolver dir is left as it is` }] };
  }

  /**
   * The JWT files the resolver dir holds now (one readdir). An account whose file someone removed is
   * forgotten, so the mount's copy is read and written again.
   */
  private forgetMissing(): Set<string> {
    const present = new Set(listJwts(this.paths.jwtDir));
    for (const key of [...this.resolver.keys()]) if (!present.has(`${key}.jwt`)) this.resolver.delete(key);
    return present;
  }

  /** A remembered account entry is reused only while the resolver dir holds what it read. */
  private stillMirrored(v: Verdict): boolean {
    return !('key' in v) || this.resolver.get(v.key) === v.sha;
  }

  private remember(entries: string[], verdicts: Verdict[]): void {
    this.seen.clear();
    entries.forEach((entry, i) => {
      const { text: _text, ...kept } = verdicts[i]! as Verdict & { text?: string };
      this.seen.set(entry, kept);
    });
  }

  private async write(valid: Taken[], present: ReadonlySet<string>, onWritten?: OnWritten): Promise<string[]> {
    // Someone acts on each write: short slices let that work run between them.
    const copied = await mapSliced(
      valid,
      ({ key, text, sha }) => {
        const known = this.resolver.get(key);
        if (known === sha) return null;
        // Reused verdicts are only those the resolver dir still holds (stillMirrored): a text is here.
        if (text === undefined) throw new Error(`JWT mirror: no text read for ${key}`);
        const target = path.join(this.paths.jwtDir, `${key}.jwt`);
        // Unknown to this mirror (first sync, a new account): a file already there may hold it.
        if (known === undefined && present.has(`${key}.jwt`) && readOrNull(target)?.toString('utf8').trim() === text) {
          this.resolver.set(key, sha);
          return null;
        }
        writeAtomically(target, text);
        this.resolver.set(key, sha);
        onWritten?.(key, sha, text);
        return key;
      },
      onWritten ? WRITE_SLICE_WITH_LISTENER : undefined,
    );
    return copied.filter((k): k is string => k !== null);
  }

  /**
   * `present` was listed before the writes, which only add names in `keep`: no second listing. Only an account
   * the mount held is removed; one it never held (added another way) stays, and is reported once.
   */
  private async removeOrphans(present: ReadonlySet<string>, keep: ReadonlySet<string>): Promise<{ removed: string[]; foreign: string[] }> {
    const { jwtDir } = this.paths;
    const orphans = [...present].map((e) => e.slice(0, -'.jwt'.length)).filter((k) => isAccountPublicKey(k) && !keep.has(k));
    const systemAccount = orphans.length > 0 ? await this.paths.systemAccount() : null;
    const removed: string[] = [];
    const foreign: string[] = [];
    for (const key of orphans) {
      this.resolver.delete(key);
      if (key === systemAccount) continue;
      if (!this.record.has(key)) {
        if (!this.reportedForeign.has(key)) foreign.push(key);
        this.reportedForeign.add(key);
        continue;
      }
      const file = path.join(jwtDir, `${key}.jwt`);
      this.record.delete(key);
      if (!lstatSync(file, { throwIfNoEntry: false })?.isFile()) continue;
      unlinkSync(file);
      removed.push(key);
    }
    return { removed, foreign };
  }
}
