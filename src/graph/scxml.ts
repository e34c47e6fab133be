import type { ChartGraph, GraphNode } from './chart-graph.js';

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

// SCXML ids must be unique and NCName-like: the dotted machine ids become underscores.
const sid = (id: string): string => id.replace(/[^A-Za-z0-9_-]/g, '_');

function transitions(g: ChartGraph, node: GraphNode, indent: string): string[] {
  return g.edges
    .filter((e) => e.source === node.id)
    .map((e) => {
      const attrs = [
        e.event ? `event="${esc(e.event)}"` : null,
        e.guard ? `cond="${esc(e.guard)}"` : null,
        e.targets.length ? `target="${e.targets.map(sid).join(' ')}"` : null,
        e.reenter ? 'type="external"' : null,
      ];
      return `${indent}<transition ${attrs.filter(Boolean).join(' ')}/>`;
    });
}

function renderNode(g: ChartGraph, node: GraphNode, indent: string): string[] {
  if (node.kind === 'final') return [`${indent}<final id="${sid(node.id)}"/>`];
  const initial = node.initial ? ` initial="${sid(node.initial)}"` : '';
  const lines = [`${indent}<state id="${sid(node.id)}"${initial}>`];
  lines.push(...transitions(g, node, `${indent}  `));
  for (const child of g.nodes.filter((n) => n.parent === node.id)) lines.push(...renderNode(g, child, `${indent}  `));
  lines.push(`${indent}</state>`);
  return lines;
}

/** W3C SCXML; xstate has no writer, so this is generated from the same graph as the other formats. */
export function toScxml(g: ChartGraph): string {
  const root = g.nodes.find((n) => n.id === g.root)!;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" name="${root.key}" initial="${sid(root.id)}">`,
  ];
  lines.push(...renderNode(g, root, '  '));
  lines.push('</scxml>');
  return lines.join('\n') + '\n';
}
