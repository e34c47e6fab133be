import type { AnyStateNode, AnyTransitionDefinition } from 'xstate';
import { supervisorMachine } from '../../machines/supervisor.js';
import { parseXstateEvent } from '../util/xstate-event.js';
import { displayPath } from '../util/state-path.js';

/** The statechart as plain data, read from the machine definition itself so no copy can drift. */
export interface GraphNode {
  id: string;
  key: string;
  parent: string | null;
  kind: 'atomic' | 'compound' | 'parallel' | 'final';
  initial: string | null;
  children: string[];
  /** `running.idle` — the dotted path that `state` in /state and inspect uses (`lease.free` for a region's). */
  path: string;
  /** Why the state exists, from the chart's own `description`. */
  description: string | null;
  tags: string[];
}

export interface GraphEdge {
  source: string;
  targets: string[];
  event: string;
  label: string;
  guard: string | null;
  reenter: boolean;
}

export interface ChartGraph {
  root: string;
  nodes: GraphNode[];
  edges: GraphEdge[];
}

/** `xstate.after.debounce.…` → `after debounce`, `xstate.done.actor.x` → `done: x`, a compound state's end → `done`. */
export function eventLabel(eventType: string): string {
  if (eventType === '') return 'always';
  const e = parseXstateEvent(eventType);
  if (e?.kind === 'after') return `after ${e.delay}`;
  if (e?.kind === 'done' || e?.kind === 'error') return `${e.kind}: ${e.actor}`;
  if (e?.kind === 'ended') return 'done';
  return eventType;
}

type HigherOrderGuard = { name: string; guards?: unknown[]; stateValue?: unknown };

/** A guard as the graph labels it: a name, `in <state>`, or not/and/or over those (never a function's source). */
function guardLabel(g: unknown): string {
  if (typeof g === 'string') return g;
  if (typeof g === 'object' && g !== null && 'type' in g) return String((g as { type: unknown }).type);
  if (typeof g !== 'function') return 'inline';
  const f = g as HigherOrderGuard;
  if (f.stateValue !== undefined) return `in ${String(f.stateValue)}`;
  const kind = /^(not|and|or)\d*$/.exec(f.name)?.[1];
  if (!kind || !f.guards) return 'inline';
  const inner = f.guards.map(guardLabel);
  return kind === 'not' ? `not ${inner.join(',')}` : `${kind}(${inner.join(', ')})`;
}

function guardName(def: AnyTransitionDefinition): string | null {
  return def.guard ? guardLabel(def.guard) : null;
}

function nodeOf(node: AnyStateNode): GraphNode {
  const childKeys = Object.keys(node.states);
  return {
    id: node.id,
    key: node.key,
    parent: node.parent?.id ?? null,
    kind: node.type === 'final' ? 'final' : node.type === 'parallel' ? 'parallel' : childKeys.length > 0 ? 'compound' : 'atomic',
    initial: node.initial?.target[0]?.id ?? null,
    children: Object.values(node.states).map((c) => c.id),
    path: displayPath(node.path),
    description: node.description ?? null,
    tags: [...node.tags],
  };
}

function edgesOf(node: AnyStateNode): GraphEdge[] {
  const defs = [...[...node.transitions.values()].flat(), ...(node.always ?? [])];
  return defs.map((def) => {
    const guard = guardName(def);
    const label = eventLabel(def.eventType);
    return {
      source: node.id,
      targets: def.target?.map((t) => t.id) ?? [],
      event: def.eventType,
      label: guard ? `${label} [${guard}]` : label,
      guard,
      reenter: def.reenter,
    };
  });
}

export function chartGraph(machine: { root: AnyStateNode } = supervisorMachine): ChartGraph {
  const all: AnyStateNode[] = [];
  const walk = (n: AnyStateNode): void => {
    all.push(n);
    Object.values(n.states).forEach(walk);
  };
  walk(machine.root);
  return { root: machine.root.id, nodes: all.map(nodeOf), edges: all.flatMap(edgesOf) };
}
