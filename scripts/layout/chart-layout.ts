// Lays the statechart out for the status page with elkjs, at build time: the layout depends only on the
// machine definition, so an edge node serves a file instead of loading a layout engine on the first view.
//   npm run layout      (writes src/status/page/chart-layout.json; a test fails while it is stale)
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { chartGraph, type ChartGraph, type GraphNode } from '../../src/graph/chart-graph.js';
import type { ChartLayout, LayoutEdge, LayoutNode } from '../../src/status/page/chart-layout.js';

interface ElkPoint {
  x: number;
  y: number;
}
interface ElkLabel {
  text: string;
  width: number;
  height: number;
  x?: number;
  y?: number;
}
interface ElkNode {
  id: string;
  width?: number;
  height?: number;
  x?: number;
  y?: number;
  labels?: ElkLabel[];
  children?: ElkNode[];
  edges?: ElkEdge[];
  layoutOptions?: Record<string, string>;
}
interface ElkEdge {
  id: string;
  sources: string[];
  targets: string[];
  container?: string;
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

/** One edge per target; laid out without labels, which would make the drawing three times wider than a
 * screen: the page shows a label as a tooltip, and beside the edge just taken. */
function edgeList(g: ChartGraph): (ElkEdge & { text: string })[] {
  return g.edges.flatMap((e, i) =>
    (e.targets.length ? e.targets : [e.source]).map((t, j) => ({
      id: `e${i}_${j}`,
      sources: [e.source === g.root ? ANY : e.source],
      targets: [t === g.root ? ANY : t],
      text: e.label,
    })),
  );
}

function elkGraph(g: ChartGraph): ElkNode {
  const top = g.nodes.filter((n) => n.parent === g.root).map((n) => toElk(g, n));
  const edges: ElkEdge[] = edgeList(g).map(({ text: _text, ...e }) => e);
  return {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'DOWN',
      'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
      'elk.edgeRouting': 'ORTHOGONAL',
      'elk.layered.spacing.nodeNodeBetweenLayers': '24',
      'elk.spacing.nodeNode': '12',
      'elk.spacing.edgeEdge': '6',
      'elk.spacing.edgeNode': '8',
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
      id: n.id,
      path: info?.path ?? '',
      key: info?.key ?? 'any state',
      description: info?.description ?? null,
      kind: info?.kind ?? 'atomic',
      x,
      y,
      width: n.width ?? 0,
      height: n.height ?? 0,
      depth,
    });
    for (const c of n.children ?? []) walk(c, x, y, depth + 1);
  };
  for (const c of laid.children ?? []) walk(c, 0, 0, 0);
  return { nodes, offsets };
}

/** Where a label goes: the middle of the edge's longest segment. */
function labelPoint(pts: ElkPoint[]): ElkPoint | null {
  let best: ElkPoint | null = null;
  let longest = -1;
  for (let i = 1; i < pts.length; i++) {
    const [a, b] = [pts[i - 1]!, pts[i]!];
    const len = Math.abs(a.x - b.x) + Math.abs(a.y - b.y);
    if (len > longest) [longest, best] = [len, { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 }];
  }
  return best;
}

function edgesOf(laid: ElkNode, offsets: Map<string, ElkPoint>, texts: Map<string, string>): LayoutEdge[] {
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
    return { id: e.id, source: e.sources[0]!, target: e.targets[0]!, label: texts.get(e.id) ?? '', points: pts, labelAt: labelPoint(pts) };
  });
}

type ElkClass = new () => { layout(graph: ElkNode): Promise<ElkNode> };
const ELK = createRequire(import.meta.url)('elkjs/lib/elk.bundled.js') as ElkClass;

const round = (n: number): number => Math.round(n * 10) / 10;

async function layOut(g: ChartGraph): Promise<ChartLayout> {
  const laid = await new ELK().layout(elkGraph(g));
  const { nodes, offsets } = flatten(g, laid);
  const texts = new Map(edgeList(g).map((e) => [e.id, e.text]));
  const edges = edgesOf(laid, offsets, texts).map((e) => ({
    ...e,
    points: e.points.map((p) => ({ x: round(p.x), y: round(p.y) })),
    labelAt: e.labelAt && { x: round(e.labelAt.x), y: round(e.labelAt.y) },
  }));
  return { width: round(laid.width ?? 0), height: round(laid.height ?? 0), nodes: nodes.map((n) => ({ ...n, x: round(n.x), y: round(n.y) })), edges };
}

const target = fileURLToPath(new URL('../../src/status/page/chart-layout.json', import.meta.url));
writeFileSync(target, JSON.stringify(await layOut(chartGraph())) + '\n');
console.log(`wrote ${target}`);
