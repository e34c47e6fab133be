import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { chartGraph } from '../../../src/graph/chart-graph.js';
import { renderGraph } from '../../../src/graph/render.js';
import { allStateNodes, allTransitions } from '../../machines/chart-model.js';

const graph = chartGraph();

describe('graph: generated from the machine itself', () => {
  it('when the graph model is built then it holds every state node and every transition of the machine', () => {
    assert.deepEqual(
      graph.nodes.map((n) => n.id).sort(),
      allStateNodes()
        .map((n) => n.id)
        .sort(),
    );
    assert.equal(graph.edges.length, allTransitions().length);
  });

  it('when rendered as JSON then it round-trips to the same model', () => {
    assert.deepEqual(JSON.parse(renderGraph('json')), graph);
  });

  it('when rendered as DOT then graphviz lays it out and every state and transition label is there', () => {
    const dot = renderGraph('dot');
    const svg = execFileSync('dot', ['-Tsvg'], { input: dot, encoding: 'utf8' });
    assert.match(svg, /<svg/);
    for (const n of graph.nodes.filter((x) => x.id !== graph.root)) {
      assert.ok(dot.includes(n.kind === 'compound' || n.kind === 'parallel' ? `"cluster_${n.id}"` : `"${n.id}" [label="${n.key}"`), `state ${n.id}`);
    }
    for (const e of graph.edges) assert.ok(dot.includes(`[label="${e.label}"`), `transition ${e.label}`);
  });

  it('when rendered as SCXML then it is well-formed XML with a state per node and a transition per edge', () => {
    const scxml = renderGraph('scxml');
    const counts = execFileSync(
      'python3',
      [
        '-c',
        [
          'import sys, xml.etree.ElementTree as ET',
          'ns = "{http://www.w3.org/2005/07/scxml}"',
          'root = ET.fromstring(sys.stdin.read())',
          'print(len(root.findall(".//" + ns + "state")) + len(root.findall(".//" + ns + "final")), len(root.findall(".//" + ns + "transition")))',
        ].join('\n'),
      ],
      { input: scxml, encoding: 'utf8' },
    )
      .trim()
      .split(' ')
      .map(Number);
    assert.deepEqual(counts, [graph.nodes.length, graph.edges.length]);
  });

  it('when rendered as Mermaid then every state is declared and every transition drawn', () => {
    const mermaid = renderGraph('mermaid');
    assert.match(mermaid, /^stateDiagram-v2\n/);
    for (const n of graph.nodes.filter((x) => x.id !== graph.root)) {
      const id = n.id.split('.').slice(1).join('_');
      assert.ok(new RegExp(`state (${id} \\{|"${n.key}" as ${id}\\n)`).test(mermaid), `state ${n.id}`);
    }
    const arrows = mermaid.split('\n').filter((l) => / --> .* : /.test(l));
    assert.equal(
      arrows.length,
      graph.edges.reduce((n, e) => n + Math.max(1, e.targets.length), 0),
    );
  });
});
