import { createHash, randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, realpath, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { JwtSyncReport } from '../../machines/outputs.js';
import { FILE_CONCURRENCY, mapPool } from '../concurrency.js';
import type { Snapshot } from '../watch/hash.js';
import { accountClaims, isAccountPublicKey } from './account-jwt.js';

export interface MirrorPaths {
  mountDir: string;
  jwtDir: string;
  /**
   * nats-server writes the system account's JWT into the resolver dir itself: never removed. Asked only
   * when something is about to be removed (finding it costs a /varz request and a config parse).
   */
  systemAccount: () => Promise<string | null>;
}

/** What one mount entry was found to be, by the sha256 of its bytes (null: not read, never reused). */
type Taken = { key: string; text: string; sha: string };
type Verdict = { hash: string | null } & (Taken | { skip: string; reason: string });

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** Writes through a temp file in the same directory and a rename: nats-server never reads half a JWT. */
async function writeAtomically(file: string, text: string): Promise<void> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  await writeFile(temp, text, { mode: 0o644 });
  await rename(temp, file);
}

async function listJwts(dir: string): Promise<string[]> {
  const entries = await readdir(dir).catch(() => [] as string[]);
  return entries.filter((e) => e.endsWith('.jwt') && !e.startsWith('.'));
}

async function readEntry(mountReal: string, dir: string, entry: string, hint: string | null): Promise<Verdict> {
  const key = entry.slice(0, -'.jwt'.length);
  if (!isAccountPublicKey(key)) return { hash: hint, skip: entry, reason: 'the name is not an account public key' };
  const full = path.join(dir, entry);
  const target = await realpath(full).catch(() => null);
  if (target === null) return { hash: null, skip: entry, reason: 'it cannot be resolved (dangling link?)' };
  // The Kubernetes layout links every file into ..data inside the mount; anything else leaving it is refused.
  if (target !== mountReal && !target.startsWith(mountReal + path.sep)) {
    return { hash: hint, skip: entry, reason: `it links outside the mount (to ${target})` };
  }
  const bytes = await readFile(full).catch(() => null);
  if (bytes === null) return { hash: null, skip: entry, reason: 'it cannot be read' };
  const text = bytes.toString('utf8').trim();
  const checked = accountClaims(text, key);
  const hash = sha256(bytes);
  return 'reason' in checked ? { hash, skip: entry, reason: checked.reason } : { hash, key, text, sha: sha256(text) };
}

/**
 * Mirrors valid account JWTs from the read-only mount into the resolver dir (contract: JWT mirror).
 * It remembers what it read and wrote, so a change reads only the mount entries whose sha256 the watcher
 * saw change and writes only accounts whose JWT changed: a Kubernetes update of one account among
 * thousands touches one file. An empty or missing mount, or one with no valid JWT, changes nothing: a
 * mount being filled must never look like "every account was deleted".
 */
export class JwtMirror {
  /** mount entry → what it was when last read. */
  private readonly seen = new Map<string, Verdict>();
  /** account → sha256 of the JWT the resolver dir holds, as this mirror wrote or found it. */
  private readonly resolver = new Map<string, string>();

  constructor(private readonly paths: MirrorPaths) {}

  /** The accounts mirrored into the resolver dir with the sha256 of each JWT. */
  accounts(): ReadonlyMap<string, string> {
    return this.resolver;
  }

  /** The JWT text of a mirrored account, read back from the resolver dir. */
  async jwt(account: string): Promise<string | null> {
    const text = await readFile(path.join(this.paths.jwtDir, `${account}.jwt`), 'utf8').catch(() => null);
    return text?.trim() ?? null;
  }

  /** `mountHashes` (path → sha256, from the watcher) lets entries unchanged since the last sync go unread. */
  async sync(mountHashes?: Snapshot): Promise<JwtSyncReport> {
    const { mountDir, jwtDir } = this.paths;
    const report: JwtSyncReport = { copied: [], removed: [], skipped: [] };
    const mountReal = await realpath(mountDir).catch(() => null);
    if (mountReal === null) return { ...report, skipped: [{ name: mountDir, reason: 'the mount does not exist: nothing changed' }] };
    const entries = await listJwts(mountDir);
    const verdicts = await mapPool(entries, FILE_CONCURRENCY, async (entry) => {
      const last = this.seen.get(entry);
      const hint = mountHashes?.get(path.join(mountDir, entry)) ?? null;
      if (last && hint !== null && last.hash === hint) return { verdict: last, fresh: false };
      return { verdict: await readEntry(mountReal, mountDir, entry, hint), fresh: true };
    });
    this.remember(entries, verdicts.map((v) => v.verdict));
    // A skipped entry is reported when it is read, not again on every later change.
    report.skipped = verdicts.flatMap(({ verdict, fresh }) => (fresh && 'skip' in verdict ? [{ name: verdict.skip, reason: verdict.reason }] : []));
    const valid = verdicts.map((v) => v.verdict).filter((v): v is Verdict & Taken => 'key' in v);
    if (valid.length === 0) {
      report.skipped.push({ name: mountDir, reason: 'no valid account JWT in the mount: the resolver dir is left as it is' });
      return report;
    }
    await mkdir(jwtDir, { recursive: true });
    report.copied = await this.write(valid);
    report.removed = await this.removeOrphans(new Set(valid.map((v) => v.key)));
    return report;
  }

  private remember(entries: string[], verdicts: Verdict[]): void {
    this.seen.clear();
    entries.forEach((entry, i) => this.seen.set(entry, verdicts[i]!));
  }

  private async write(valid: Taken[]): Promise<string[]> {
    const existing = this.resolver.size === 0 ? new Set(await listJwts(this.paths.jwtDir)) : null;
    const copied = await mapPool(valid, FILE_CONCURRENCY, async ({ key, text, sha }) => {
      const known = this.resolver.get(key);
      if (known === sha) return null;
      const target = path.join(this.paths.jwtDir, `${key}.jwt`);
      // Unknown to this mirror (first sync, a new account): the file may already hold it.
      const mayExist = existing === null || existing.has(`${key}.jwt`);
      if (known === undefined && mayExist && (await readFile(target, 'utf8').catch(() => null))?.trim() === text) {
        this.resolver.set(key, sha);
        return null;
      }
      await writeAtomically(target, text);
      this.resolver.set(key, sha);
      return key;
    });
    return copied.filter((k): k is string => k !== null);
  }

  private async removeOrphans(keep: ReadonlySet<string>): Promise<string[]> {
    const { jwtDir } = this.paths;
    const orphans = (await listJwts(jwtDir)).map((e) => e.slice(0, -'.jwt'.length)).filter((k) => isAccountPublicKey(k) && !keep.has(k));
    const systemAccount = orphans.length > 0 ? await this.paths.systemAccount() : null;
    const removed: string[] = [];
    for (const key of orphans) {
      this.resolver.delete(key);
      if (key === systemAccount) continue;
      const st = await lstat(path.join(jwtDir, `${key}.jwt`)).catch(() => null);
      if (!st?.isFile()) continue;
      await unlink(path.join(jwtDir, `${key}.jwt`));
      removed.push(key);
    }
    return removed;
  }
}
