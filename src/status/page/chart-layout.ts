import type { ChartGraph, GraphNode } from '../../graph/chart-graph.js';
import { requireLazily } from '../../util/lazy-require.js';

/** Node and edge geometry for the page, absolute coordinates, computed once per process by elkjs. */
export interface LayoutNode { id: string; path: string; key: string; description: string | null; kind: GraphNode['kind']; x: number; y: number; width: number; height: number; depth: number }
export interface LayoutEdge { id: string; source: string; target: string; label: string; points: { x: number; y: number }[]; labelAt: { x: number; y: number } | null }
export interface ChartLayout { width: number; height: number; nodes: LayoutNode[]; edges: LayoutEdge[] }

interface ElkPoint { x: number; y: number }
interface ElkLabel { text: string; width: number; height: number; x?: number; y?: number }
interface ElkNode {
  id: string; width?: number; height?: number; x?: number; y?: number;
  labels?: ElkLabel[]; children?: ElkNode[]; edges?: ElkEdge[]; layoutOptions?: Record<string, string>;
}
interface ElkEdge {
  id: string; sources: string[]; targets: string[]; labels?: ElkLabel[]; container?: string;
  sections?: { startPoint: ElkPoint; endPoint: ElkPoint; bendPoints?: ElkPoint[] }[];
}

const CHAR_W = 6.6;
const ANY = '__any';

const label = (text: string, size = 11): ElkLabel => ({ text, width: text.length * CHAR_W * (size / 11) + 6, height: size + 6 });

function toElk(g: ChartGraph, node: GraphNode): ElkNode {
  const children = g.nodes.filter((n) => n.parent === node.id);
  if (children.length === 0) return { id: node.id, width: node.key.length * 7.5 + 24, height: 30, labels: [label(node.key, 12)] };
  return {
    id: node.id,
    labels: [label(node.key, 12)],
    layoutOptions: { 'elk.padding': '[top=28,left=12,bottom=12,right=12]', 'elk.nodeLabels.placement': 'INSIDE V_TOP H_LEFT' },
    children: children.map((c) => toElk(g, c)),
  };
}

function elkGraph(g: ChartGraph): ElkNode {
  const top = g.nodes.filter((n) => n.parent === g.root).map((n) => toElk(g, n));
  const edges: ElkEdge[] = g.edges.flatMap((e, i) => (e.targets.length ? e.targets : [e.source]).map((t, j) => ({
    id: `e${i}_${j}`,
    sources: [e.source === g.root ? ANY : e.source],
    targets: [t === g.root ? ANY : t],
    labels: [label(e.label, 10)],
  })));
  return {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'DOWN',
      'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
      'elk.edgeRouting': 'ORTHOGONAL',
      'elk.layered.spacing.nodeNodeBetweenLayers': '40',
      'elk.spacing.nodeNode': '24',
      'elk.edgeLabels.inline': 'true',
    },
    children: [{ id: ANY, width: 80, height: 30, labels: [label('any state', 12)] }, ...top],
    edges,
  };
}

function flatten(g: ChartGraph, laid: ElkNode): { nodes: LayoutNode[]; offsets: Map<string, ElkPoint> } {
  const nodes: LayoutNode[] = [];
  const offsets = new Map<string, ElkPoint>([['root', { x: 0, y: 0 }]]);
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const walk = (n: ElkNode, ox: number, oy: number, depth: number): void => {
    const x = ox + (n.x ?? 0);
    const y = oy + (n.y ?? 0);
    offsets.set(n.id, { x, y });
    const info = byId.get(n.id);
    nodes.push({
      id: n.id, path: info?.path ?? '', key: info?.key ?? 'any state', description: info?.description ?? null,
      kind: info?.kind ?? 'atomic', x, y, width: n.width ?? 0, height: n.height ?? 0, depth,
    });
    for (const c of n.children ?? []) walk(c, x, y, depth + 1);
  };
  for (const c of laid.children ?? []) walk(c, 0, 0, 0);
  return { nodes, offsets };
}

function edgesOf(laid: ElkNode, offsets: Map<string, ElkPoint>): LayoutEdge[] {
  const all: ElkEdge[] = [];
  const collect = (n: ElkNode): void => {
    all.push(...(n.edges ?? []));
    (n.children ?? []).forEach(collect);
  };
  collect(laid);
  return all.map((e) => {
    const o = offsets.get(e.container ?? 'root') ?? { x: 0, y: 0 };
    const s = e.sections?.[0];
    const pts = s ? [s.startPoint, ...(s.bendPoints ?? []), s.endPoint].map((p) => ({ x: p.x + o.x, y: p.y + o.y })) : [];
    const l = e.labels?.[0];
    return {
      id: e.id, source: e.sources[0]!, target: e.targets[0]!, label: l?.text ?? '', points: pts,
      labelAt: l?.x !== undefined && l.y !== undefined ? { x: l.x + o.x, y: l.y + o.y } : null,
    };
  });
}

type ElkClass = new () => { layout(graph: ElkNode): Promise<ElkNode> };

let cached: Promise<ChartLayout> | null = null;

/** Lays the chart out once; elkjs is loaded only when the page is first asked for. */
export function chartLayout(g: ChartGraph): Promise<ChartLayout> {
  cached ??= (async () => {
    const ELK = requireLazily('elkjs/lib/elk.bundled.js') as ElkClass;
    const laid = await new ELK().layout(elkGraph(g));
    const { nodes, offsets } = flatten(g, laid);
    return { width: laid.width ?? 0, height: laid.height ?? 0, nodes, edges: edgesOf(laid, offsets) };
  })();
  return cached;
}
