import type { StateValue } from 'xstate';

type Value = StateValue | undefined;

/** `{ running: 'idle' }` → `running.idle`; of a parallel state, its first region's path. */
function dotted(value: StateValue): string {
  if (typeof value === 'string') return value;
  const [key, child] = Object.entries(value)[0] ?? [];
  if (key === undefined) return '';
  return child === undefined ? key : `${key}.${dotted(child as StateValue)}`;
}

/** Every active leaf below `value`, dotted: all regions of a parallel state. */
function leaves(value: StateValue, prefix: string): string[] {
  if (typeof value === 'string') return [`${prefix}${value}`];
  return Object.entries(value).flatMap(([key, child]) => (child === undefined ? [`${prefix}${key}`] : leaves(child as StateValue, `${prefix}${key}.`)));
}

const supervising = (value: StateValue): Record<string, Value> | null =>
  typeof value === 'object' && typeof value.supervising === 'object' ? (value.supervising as Record<string, Value>) : null;

/**
 * The state `inspect`, /state and the log name (docs/contract.md: Status surfaces): the lifecycle's path while
 * supervising (`running.idle`), else the root's (`preparing.firstValidation`, `stopped`).
 */
export function statePath(value: StateValue): string {
  const lifecycle = supervising(value)?.lifecycle;
  return lifecycle === undefined ? dotted(value) : dotted(lifecycle);
}

/** What is true of the member, one word a region (docs/statechart.md: regions); null before supervising. */
export interface MemberStates {
  server: 'down' | 'up';
  catchUp: string | null;
  store: string | null;
  /** A restart the lifecycle decided: `none`, or `wanted.awaitingLease`, `wanted.waitingToLeave`, `wanted.due`. */
  restart: string;
  /** `settled`, or `awaitingCluster` while an account that left this mount waits for the other members' mounts. */
  purge: string;
  lease: string;
  readiness: string;
}

export function memberStates(value: StateValue): MemberStates | null {
  const regions = supervising(value);
  if (!regions) return null;
  const server = regions.server;
  const up = typeof server === 'object' ? (server.up as Record<string, Value> | undefined) : undefined;
  const word = (v: Value): string => (v === undefined ? '' : dotted(v));
  return {
    server: up ? 'up' : 'down',
    catchUp: up ? word(up.catchUp) : null,
    store: up ? word(up.store) : null,
    restart: word(regions.restart),
    purge: word(regions.purge),
    lease: word(regions.lease),
    readiness: word(regions.readiness),
  };
}

/** The regions' active states as the chart's paths (`server.up.catchUp.caughtUp`), for the page to light. */
export function regionPaths(value: StateValue): string[] {
  const regions = supervising(value);
  if (!regions) return [];
  return Object.entries(regions)
    .filter(([key, v]) => key !== 'lifecycle' && v !== undefined)
    .flatMap(([key, v]) => leaves(v as StateValue, `${key}.`));
}

/**
 * A chart node's path as the surfaces name it: lifecycle states as `statePath` does (`running.idle`), the other
 * regions' below `supervising` (`lease.inUse.held`); `supervising` and `lifecycle` themselves keep their names.
 */
export function displayPath(nodePath: readonly string[]): string {
  if (nodePath[0] !== 'supervising' || nodePath.length < 2) return nodePath.join('.');
  if (nodePath[1] === 'lifecycle' && nodePath.length > 2) return nodePath.slice(2).join('.');
  return nodePath.slice(1).join('.');
}
