import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Settings } from '../settings.js';

/** cgroup v1 says "no limit" with a huge number (PAGE_COUNTER_MAX pages), never "max". */
const V1_UNLIMITED = 2 ** 60;
export const MIB = 1024 * 1024;
export const mib = (n: number): string => `${Math.round(n / MIB)} MiB`;

function readOr(file: string): string | null {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return null;
  }
}

/** A limit file's bytes, or null for "max", a v1 "no limit", or no file. */
function limitIn(file: string): number | null {
  const raw = readOr(file);
  if (raw === null || !/^\d+$/.test(raw)) return null;
  const n = Number(raw);
  return n > 0 && n < V1_UNLIMITED ? n : null;
}

/** The cgroup dir itself and every ancestor up to the hierarchy's root: the tightest limit among them applies. */
function dirsUp(hierarchy: string, cgroupPath: string): string[] {
  const dirs: string[] = [];
  for (let p = path.posix.normalize(`/${cgroupPath}`); ; p = path.posix.dirname(p)) {
    dirs.push(path.join(hierarchy, p));
    if (p === '/') return dirs;
  }
}

function tightest(files: string[]): number | null {
  const limits = files.map(limitIn).filter((n): n is number => n !== null);
  return limits.length > 0 ? Math.min(...limits) : null;
}

/**
 * The memory limit of the container this process runs in (cgroup v2 `memory.max`, v1 `memory.limit_in_bytes`),
 * or null when there is none. `root` is `/` but for tests. A container with its own cgroup namespace sees its
 * cgroup as `/`; without one it sees the host's path, which is tried first, then the hierarchy's root.
 */
export function containerMemoryLimit(root = '/'): number | null {
  const lines = (readOr(path.join(root, 'proc/self/cgroup')) ?? '').split('\n');
  const v2 = lines.find((l) => l.startsWith('0::'));
  const v1 = lines.find((l) => /^\d+:([^:]*,)?memory(,[^:]*)?:/.test(l));
  if (v1) {
    const hierarchy = path.join(root, 'sys/fs/cgroup/memory');
    const own = v1.slice(v1.indexOf(':', v1.indexOf(':') + 1) + 1);
    return tightest([...dirsUp(hierarchy, own), hierarchy].map((d) => path.join(d, 'memory.limit_in_bytes')));
  }
  const hierarchy = path.join(root, 'sys/fs/cgroup');
  const own = v2 ? v2.slice(3) : '/';
  return tightest([...dirsUp(hierarchy, own), hierarchy].map((d) => path.join(d, 'memory.max')));
}

/** What nats-server is started with, and why (docs/contract.md: Memory). */
export interface GoMemLimit {
  /** GOMEMLIMIT as nats-server sees it; null: none, Go's default. */
  value: string | null;
  source: 'environment' | 'container' | 'off' | 'no limit';
  /** The container's limit in bytes, when there is one. */
  containerBytes: number | null;
  /** The supervisor's own RSS when this was decided: its share of the limit. */
  supervisorBytes: number;
  detail: string;
}

/**
 * GOMEMLIMIT for nats-server: an explicit one wins; else, in a container with a memory limit, `percent` of the
 * limit less what the supervisor holds (its RSS when nats-server is first started); else none.
 */
export function goMemLimit(opts: { env: string | undefined; percent: number | null; containerBytes: number | null; supervisorBytes: number }): GoMemLimit {
  const { env, percent, containerBytes, supervisorBytes } = opts;
  const known = { containerBytes, supervisorBytes };
  if (env !== undefined && env !== '') return { value: env, source: 'environment', ...known, detail: `GOMEMLIMIT=${env} from the environment` };
  if (percent === null) return { value: null, source: 'off', ...known, detail: 'NATS_GOMEMLIMIT_PERCENT=off: none set' };
  if (containerBytes === null) return { value: null, source: 'no limit', ...known, detail: 'the container has no memory limit: none set' };
  const bytes = Math.max(MIB, Math.floor(((containerBytes - supervisorBytes) * percent) / 100 / MIB) * MIB);
  return {
    value: `${bytes / MIB}MiB`,
    source: 'container',
    ...known,
    detail: `${percent} % of the container's ${mib(containerBytes)} limit less the supervisor's ${mib(supervisorBytes)}`,
  };
}

/** This process's GOMEMLIMIT for nats-server, as `run` starts it and `check` reports it. */
export function goMemLimitFor(settings: Pick<Settings, 'goMemLimitPercent' | 'goMemLimit'>): GoMemLimit {
  return goMemLimit({
    env: settings.goMemLimit ?? undefined,
    percent: settings.goMemLimitPercent,
    containerBytes: containerMemoryLimit(),
    supervisorBytes: process.memoryUsage().rss,
  });
}
