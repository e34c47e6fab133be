import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Layout } from '../../test/support/layout.js';

/** Node's flags for the supervisor: as the images' ENTRYPOINT (docker/Dockerfile) unless BENCH_NODE_FLAGS says ("" = plain node). */
export const NODE_FLAGS = (process.env.BENCH_NODE_FLAGS ?? '--max-semi-space-size=1').split(' ').filter(Boolean);

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

export function summary(values: number[]): string {
  if (values.length === 0) return 'n=0';
  const f = (n: number) => n.toFixed(1);
  return `n=${values.length} p50=${f(percentile(values, 50))} ms p90=${f(percentile(values, 90))} ms max=${f(Math.max(...values))} ms`;
}

export async function configLoadTime(l: Layout): Promise<string | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${l.monitorPort}/varz`);
    return ((await res.json()) as { config_load_time?: string }).config_load_time ?? null;
  } catch {
    return null;
  }
}

/** Polls /varz until config_load_time differs from `before`; returns the ms waited, or null after `timeoutMs`. */
export async function waitForLoadTimeChange(l: Layout, before: string | null, timeoutMs = 5000): Promise<number | null> {
  const t0 = performance.now();
  while (performance.now() - t0 < timeoutMs) {
    const now = await configLoadTime(l);
    if (now && now !== before) return performance.now() - t0;
    await sleep(2);
  }
  return null;
}

export async function waitHealthy(l: Layout, timeoutMs = 10_000): Promise<number> {
  const t0 = performance.now();
  while (performance.now() - t0 < timeoutMs) {
    try {
      const res = await fetch(`http://127.0.0.1:${l.monitorPort}/healthz?js-server-only=true`);
      await res.arrayBuffer();
      if (res.ok) return performance.now() - t0;
    } catch {
      /* not yet */
    }
    await sleep(Number(process.env.BENCH_POLL_MS ?? 1));
  }
  throw new Error('not healthy in time');
}

/** CPU ticks (user+system) and RSS in MB of one process, from /proc. */
export function processUsage(pid: number): { ticks: number; rssMb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return { ticks, rssMb: rssKb / 1024 };
}

export interface Running {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  stop(): Promise<void>;
}

export function startProcess(cmd: string, args: string[], env: Record<string, string>, cwd?: string): Running {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], ...(cwd ? { cwd } : {}) });
  const lines: Record<string, unknown>[] = [];
  createInterface({ input: child.stdout! }).on('line', (raw) => {
    try {
      lines.push(JSON.parse(raw) as Record<string, unknown>);
    } catch {
      lines.push({ raw });
    }
  });
  child.stderr!.resume();
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    child,
    lines,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
