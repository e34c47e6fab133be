import { chartGraph } from './chart-graph.js';
import { toDot } from './dot.js';
import { toMermaid } from './mermaid.js';
import { toScxml } from './scxml.js';

export const GRAPH_FORMATS = ['mermaid', 'dot', 'scxml', 'json'] as const;
export type GraphFormat = (typeof GRAPH_FORMATS)[number];

export const GRAPH_CONTENT_TYPES: Record<GraphFormat, string> = {
  mermaid: 'text/plain; charset=utf-8',
  dot: 'text/vnd.graphviz; charset=utf-8',
  scxml: 'application/scxml+xml; charset=utf-8',
  json: 'application/json; charset=utf-8',
};

export function isGraphFormat(s: string): s is GraphFormat {
  return (GRAPH_FORMATS as readonly string[]).includes(s);
}

export function renderGraph(format: GraphFormat): string {
  const g = chartGraph();
  if (format === 'mermaid') return toMermaid(g);
  if (format === 'dot') return toDot(g);
  if (format === 'scxml') return toScxml(g);
  return JSON.stringify(g, null, 2) + '\n';
}
