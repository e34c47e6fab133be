import type { ChartGraph, GraphNode } from './chart-graph.js';

// Keys repeat across compound states (choosing, waitingToLeave), so Mermaid ids are paths below the root.
const mid = (id: string): string => id.split('.').slice(1).join('_') || 'anyState';

function renderNode(g: ChartGraph, node: GraphNode, indent: string): string[] {
  const lines = [`${indent}state "${node.key}" as ${mid(node.id)}`];
  if (node.kind !== 'compound' && node.kind !== 'parallel') return lines;
  lines[0] = `${indent}state ${mid(node.id)} {`;
  if (node.initial) lines.push(`${indent}  [*] --> ${mid(node.initial)}`);
  for (const child of g.nodes.filter((n) => n.parent === node.id)) lines.push(...renderNode(g, child, `${indent}  `));
  lines.push(`${indent}}`);
  return lines;
}

/** Mermaid stateDiagram-v2: compound states nested, transitions labelled with event and guard. */
export function toMermaid(g: ChartGraph): string {
  const root = g.nodes.find((n) => n.id === g.root)!;
  const top = g.nodes.filter((n) => n.parent === root.id);
  const lines = ['stateDiagram-v2'];
  if (root.initial) lines.push(`  [*] --> ${mid(root.initial)}`);
  for (const n of top) lines.push(...renderNode(g, n, '  '));
  for (const n of top.filter((x) => x.kind === 'final')) lines.push(`  ${mid(n.id)} --> [*]`);
  for (const e of g.edges) {
    const label = e.label.replace(/:/g, '#colon;');
    // A targetless transition (an action only) is drawn as a self-loop.
    for (const t of e.targets.length ? e.targets : [e.source]) lines.push(`  ${mid(e.source)} --> ${mid(t)} : ${label}`);
  }
  // The root's own transitions (SHUTDOWN from anywhere) start at `anyState`, so the root need not be drawn.
  for (const n of g.nodes.filter((x) => x.description && x.id !== g.root)) {
    lines.push(`  note right of ${mid(n.id)} : ${n.description!.replace(/[:;#]/g, ' ')}`);
  }
  return lines.join('\n') + '\n';
}
