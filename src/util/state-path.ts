import type { StateValue } from 'xstate';

/** `{ running: 'idle' }` → `running.idle`: the dotted form of the active state (docs/contract.md: Status surfaces). */
export function statePath(value: StateValue): string {
  if (typeof value === 'string') return value;
  const [key, child] = Object.entries(value)[0] ?? [];
  if (key === undefined) return '';
  return child === undefined ? key : `${key}.${statePath(child as StateValue)}`;
}
