/** What an event xstate raises itself is about: a delay that elapsed, an invoked actor's end, a compound state's end. */
export type XstateEvent = { kind: 'after'; delay: string } | { kind: 'done' | 'error'; actor: string } | { kind: 'ended'; state: string } | null;

/**
 * `xstate.after.debounce.supervisor.running.settling`, `xstate.done.actor.x`, `xstate.error.actor.x`,
 * `xstate.done.state.supervisor.applying` (the state's path below the root); null for any other event.
 */
export function parseXstateEvent(type: string): XstateEvent {
  const after = /^xstate\.after\.([^.]+)\./.exec(type);
  if (after) return { kind: 'after', delay: after[1]! };
  const actor = /^xstate\.(done|error)\.actor\.(.+)$/.exec(type);
  if (actor) return { kind: actor[1] as 'done' | 'error', actor: actor[2]! };
  const ended = /^xstate\.done\.state\.[^.]+\.(.+)$/.exec(type);
  if (ended) return { kind: 'ended', state: ended[1]! };
  return null;
}
