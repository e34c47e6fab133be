import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, realpath, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { JwtSyncReport } from '../../machines/outputs.js';
import { FILE_CONCURRENCY, mapPool } from '../concurrency.js';
import { accountClaims, isAccountPublicKey } from './account-jwt.js';

export interface MirrorInput {
  mountDir: string;
  jwtDir: string;
  /**
   * nats-server writes the system account's JWT into the resolver dir itself: never removed. Asked only
   * when something is about to be removed (finding it costs a /varz request and a config parse).
   */
  systemAccount: () => Promise<string | null>;
}

type Candidate = { key: string; text: string } | { skip: string; reason: string };

async function readCandidate(mountReal: string, dir: string, entry: string): Promise<Candidate> {
  const key = entry.slice(0, -'.jwt'.length);
  if (!isAccountPublicKey(key)) return { skip: entry, reason: 'the name is not an account public key' };
  const full = path.join(dir, entry);
  const target = await realpath(full).catch(() => null);
  if (target === null) return { skip: entry, reason: 'it cannot be resolved (dangling link?)' };
  // The Kubernetes layout links every file into ..data inside the mount; anything else leaving it is refused.
  if (target !== mountReal && !target.startsWith(mountReal + path.sep)) {
    return { skip: entry, reason: `it links outside the mount (to ${target})` };
  }
  const text = await readFile(full, 'utf8').catch(() => null);
  if (text === null) return { skip: entry, reason: 'it cannot be read' };
  const checked = accountClaims(text, key);
  return 'reason' in checked ? { skip: entry, reason: checked.reason } : { key, text: text.trim() };
}

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

/**
 * Mirrors valid account JWTs from the read-only mount into the resolver dir (contract: JWT mirror).
 * An empty or missing mount, or one with no valid JWT, changes nothing: a mount being filled must never
 * look like "every account was deleted".
 */
export async function mirrorJwts(input: MirrorInput): Promise<JwtSyncReport> {
  const report: JwtSyncReport = { copied: [], removed: [], skipped: [] };
  const mountReal = await realpath(input.mountDir).catch(() => null);
  if (mountReal === null) return { ...report, skipped: [{ name: input.mountDir, reason: 'the mount does not exist: nothing changed' }] };
  const candidates = await mapPool(await listJwts(input.mountDir), FILE_CONCURRENCY, (e) => readCandidate(mountReal, input.mountDir, e));
  const valid = candidates.filter((c): c is { key: string; text: string } => 'key' in c);
  report.skipped = candidates.filter((c): c is { skip: string; reason: string } => 'skip' in c).map((c) => ({ name: c.skip, reason: c.reason }));
  if (valid.length === 0) {
    report.skipped.push({ name: input.mountDir, reason: 'no valid account JWT in the mount: the resolver dir is left as it is' });
    return report;
  }
  await mkdir(input.jwtDir, { recursive: true });
  const copied = await mapPool(valid, FILE_CONCURRENCY, async ({ key, text }) => {
    const target = path.join(input.jwtDir, `${key}.jwt`);
    if ((await readFile(target, 'utf8').catch(() => null))?.trim() === text) return null;
    await writeAtomically(target, text);
    return key;
  });
  report.copied = copied.filter((k): k is string => k !== null);
  const keep = new Set(valid.map((v) => v.key));
  const orphans = (await listJwts(input.jwtDir)).map((e) => e.slice(0, -'.jwt'.length)).filter((k) => isAccountPublicKey(k) && !keep.has(k));
  const systemAccount = orphans.length > 0 ? await input.systemAccount() : null;
  for (const key of orphans) {
    const entry = `${key}.jwt`;
    if (key === systemAccount) continue;
    const st = await lstat(path.join(input.jwtDir, entry)).catch(() => null);
    if (!st?.isFile()) continue;
    await unlink(path.join(input.jwtDir, entry));
    report.removed.push(key);
  }
  return report;
}
