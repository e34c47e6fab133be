import { readFileSync } from 'node:fs';
import type { GraphNode } from '../../graph/chart-graph.js';

/** Node and edge geometry for the page, absolute coordinates, laid out at build time (scripts/layout). */
export interface LayoutNode {
  id: string;
  path: string;
  key: string;
  description: string | null;
  kind: GraphNode['kind'];
  x: number;
  y: number;
  width: number;
  height: number;
  depth: number;
}
export interface LayoutEdge {
  id: string;
  source: string;
  target: string;
  label: string;
  points: { x: number; y: number }[];
  labelAt: { x: number; y: number } | null;
}
export interface ChartLayout {
  width: number;
  height: number;
  nodes: LayoutNode[];
  edges: LayoutEdge[];
}

let cached: ChartLayout | null = null;

/** The layout `npm run layout` wrote beside this module (the build copies it beside the bundle), read once. */
export function chartLayout(): ChartLayout {
  cached ??= JSON.parse(readFileSync(new URL('./chart-layout.json', import.meta.url), 'utf8')) as ChartLayout;
  return cached;
}
