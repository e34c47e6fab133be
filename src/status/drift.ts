import path from 'node:path';
import type { WatchedCause } from '../../machines/events.js';
import type { SupervisorContext } from '../../machines/context.js';
import type { RawDrift } from '../watch/file-watcher.js';

/** One cause as `inspect`, /state and the page show it. */
export interface DriftEntry {
  cause: WatchedCause;
  inStep: boolean;
  since: string | null;
  reason: string | null;
  /** How many mounted paths differ; `paths` names the first few (a JWT mount may hold thousands). */
  changed: number;
  paths: string[];
}

export interface DriftReport {
  inStep: boolean;
  causes: DriftEntry[];
}

const PATHS_SHOWN = 10;

/** Why a cause is behind, from what the chart is doing and what its last action came to. */
function reasonFor(d: RawDrift, context: SupervisorContext, state: string): string {
  const { cause } = d;
  if (state.startsWith('backingOff')) return 'nats-server exited unexpectedly; backing off before starting it again';
  if (state.startsWith('starting')) return 'waiting for nats-server to be ready';
  if (context.activeCauses.includes(cause)) return `being applied (${state})`;
  if (context.pendingCauses.includes(cause)) {
    return state === 'running.settling' ? 'pending: waiting for the quiet period (NATS_RELOAD_DEBOUNCE_MS)' : 'pending: queued behind the action in progress';
  }
  const last = context.lastReload;
  if (last?.outcome === 'rejected' && last.causes.includes(cause)) return `rejected: ${last.error ?? 'no reason given'}`;
  const [first, ...more] = d.misread;
  if (first) return `misread: ${path.basename(first.path)}: ${first.reason}${more.length ? ` (and ${more.length} more)` : ''}; read again at its next change`;
  if (cause === 'jwt' && context.errorSource === 'reconcile' && context.lastError) return context.lastError;
  return 'changed on disk; not applied yet';
}

export function describeDrift(raw: RawDrift[], context: SupervisorContext | null, state: string): DriftReport {
  const causes = raw.map((d): DriftEntry => {
    const inStep = d.paths.length === 0;
    return {
      cause: d.cause,
      inStep,
      since: inStep || d.since === null ? null : new Date(d.since).toISOString(),
      reason: inStep || !context ? null : reasonFor(d, context, state),
      changed: d.paths.length,
      paths: d.paths.slice(0, PATHS_SHOWN),
    };
  });
  return { inStep: causes.every((c) => c.inStep), causes };
}
