import type { ShutdownStyle } from '../../machines/context.js';
import { SettingsError, type Settings } from '../settings.js';
import type { ConfigFacts } from './server-config.js';

/** What a lame-duck stop needs beyond nats-server's own lame-duck time (docs/contract.md: Stopping). */
const LAME_DUCK_MARGIN_MS = 20_000;
const TERM_STOP_SECONDS = 25;

/** How this supervisor stops nats-server: the signal, the time it gives the stop, and how long it waits to be spared. */
export interface StopPlan {
  shutdown: ShutdownStyle;
  stopTimeoutSeconds: number;
  leaveTimeoutSeconds: number;
  /** Where the signal came from, for the start line and `check`. */
  why: string;
}

type StopSettings = Pick<Settings, 'shutdown' | 'stopTimeoutSeconds' | 'leaveTimeoutSeconds'>;
type StopFacts = Pick<ConfigFacts, 'lameDuck' | 'clustered' | 'error'>;

const lameDuckNeedMs = (facts: StopFacts): number => facts.lameDuck.graceMs + facts.lameDuck.durationMs + LAME_DUCK_MARGIN_MS;

/**
 * A cluster member stops through lame duck unless NATS_SHUTDOWN says otherwise (its leaders move away first); a
 * standalone server with SIGTERM. An unset budget covers the stop the signal starts; a set one too short for a
 * lame-duck stop is a bad setting, because the stop would be SIGKILLed halfway through moving clients off.
 */
export function stopPlan(settings: StopSettings, facts: StopFacts): StopPlan {
  const shutdown = settings.shutdown ?? (facts.clustered ? 'lame-duck' : 'term');
  const why = settings.shutdown ? 'NATS_SHUTDOWN' : facts.clustered ? 'a cluster member' : 'a standalone server';
  const needMs = lameDuckNeedMs(facts);
  const fallback = shutdown === 'lame-duck' ? Math.ceil(needMs / 1000) : TERM_STOP_SECONDS;
  const stopTimeoutSeconds = settings.stopTimeoutSeconds ?? fallback;
  if (shutdown === 'lame-duck' && !facts.error && stopTimeoutSeconds * 1000 < needMs) {
    throw new SettingsError('NATS_STOP_TIMEOUT_SECONDS', lameDuckShortfall(stopTimeoutSeconds, facts));
  }
  return { shutdown, stopTimeoutSeconds, leaveTimeoutSeconds: settings.leaveTimeoutSeconds, why };
}

function lameDuckShortfall(stopTimeoutSeconds: number, facts: StopFacts): string {
  const s = (ms: number): string => `${ms / 1000} s`;
  const { graceMs, durationMs } = facts.lameDuck;
  return (
    `${stopTimeoutSeconds} s is shorter than a lame-duck stop: lame_duck_grace_period ${s(graceMs)} + lame_duck_duration ` +
    `${s(durationMs)} + ${s(LAME_DUCK_MARGIN_MS)} = ${s(lameDuckNeedMs(facts))}; raise NATS_STOP_TIMEOUT_SECONDS (and terminationGracePeriodSeconds ` +
    'above it and NATS_LEAVE_TIMEOUT_SECONDS together), lower lame_duck_duration (30 s at least), or set NATS_SHUTDOWN=term'
  );
}

/**
 * The stop plan, kept in step with the config: an edit of lame_duck_* changes the stop budget it derives. An edit
 * that would make a set budget too short keeps the plan in force and says why; the stop signal stays as started.
 */
export class StopPlanHolder {
  constructor(
    public current: StopPlan,
    private readonly settings: StopSettings,
    private readonly warn: (message: string) => void,
  ) {}

  follow(facts: StopFacts): void {
    if (facts.error) return;
    try {
      const next = stopPlan({ ...this.settings, shutdown: this.current.shutdown }, facts);
      this.current = { ...next, why: this.current.why };
    } catch (err) {
      this.warn(`the stop plan stays as it was: ${String((err as Error).message)}`);
    }
  }
}
