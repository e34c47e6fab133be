import type { ChartGraph, GraphNode } from './chart-graph.js';

const q = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

const isCluster = (node: GraphNode | undefined): boolean => node?.kind === 'compound' || node?.kind === 'parallel';

/**
 * A compound or parallel state is a cluster; edges to or from it attach to its initial leaf (a parallel state's:
 * its first region's), clipped at the cluster border.
 */
function anchor(g: ChartGraph, id: string): string {
  let node = g.nodes.find((n) => n.id === id);
  while (node && isCluster(node)) {
    const next: string | undefined = node.initial ?? node.children[0];
    if (!next) break;
    node = g.nodes.find((n) => n.id === next);
  }
  return node?.id ?? id;
}

function renderNode(g: ChartGraph, node: GraphNode, indent: string): string[] {
  if (!isCluster(node)) {
    const shape = node.kind === 'final' ? 'doublecircle' : 'box';
    const tooltip = node.description ? `, tooltip=${q(node.description)}` : '';
    return [`${indent}${q(node.id)} [label=${q(node.key)}, shape=${shape}, style=rounded${tooltip}];`];
  }
  const lines = [`${indent}subgraph ${q(`cluster_${node.id}`)} {`, `${indent}  label=${q(node.key)};`];
  if (node.description) lines.push(`${indent}  tooltip=${q(node.description)};`);
  for (const child of g.nodes.filter((n) => n.parent === node.id)) lines.push(...renderNode(g, child, `${indent}  `));
  lines.push(`${indent}}`);
  return lines;
}

function clusterAttr(g: ChartGraph, id: string, attr: 'ltail' | 'lhead'): string[] {
  const node = g.nodes.find((n) => n.id === id);
  return isCluster(node) && node!.id !== g.root ? [`${attr}=${q(`cluster_${id}`)}`] : [];
}

/** Graphviz DOT: clusters for compound states, one edge per transition target. */
export function toDot(g: ChartGraph): string {
  const root = g.nodes.find((n) => n.id === g.root)!;
  const lines = [
    'digraph supervisor {',
    '  compound=true;',
    '  newrank=true;',
    '  node [fontname="Helvetica"];',
    '  edge [fontname="Helvetica", fontsize=10];',
  ];
  lines.push('  "__start" [shape=point];', `  "__start" -> ${q(anchor(g, root.initial!))};`);
  lines.push('  "__any" [label="any state", shape=plaintext];');
  for (const n of g.nodes.filter((x) => x.parent === root.id)) lines.push(...renderNode(g, n, '  '));
  for (const e of g.edges) {
    const from = e.source === root.id ? '__any' : anchor(g, e.source);
    for (const t of e.targets.length ? e.targets : [e.source]) {
      const to = t === root.id ? '__any' : anchor(g, t);
      // Graphviz cannot clip an edge at a cluster that holds its other end (lifecycle → its stopping).
      const nested = t === e.source || t.startsWith(`${e.source}.`) || e.source.startsWith(`${t}.`);
      const clip = nested ? [] : [...clusterAttr(g, e.source, 'ltail'), ...clusterAttr(g, t, 'lhead')];
      const attrs = [`label=${q(e.label)}`, ...clip];
      lines.push(`  ${q(from)} -> ${q(to)} [${attrs.join(', ')}];`);
    }
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}
