import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chartGraph } from '../../../src/graph/chart-graph.js';
import { chartLayout } from '../../../src/status/page/chart-layout.js';

const STALE = 'the page layout is stale: run `npm run layout` and commit src/status/page/chart-layout.json';

describe('the page layout made at build time', () => {
  it('has every state of the machine, as the machine names and describes it', () => {
    const g = chartGraph();
    const laid = new Map(chartLayout().nodes.map((n) => [n.id, n]));
    for (const n of g.nodes.filter((x) => x.id !== g.root)) {
      const l = laid.get(n.id);
      assert.ok(l, `${STALE} (${n.path} is missing)`);
      assert.deepEqual([l.path, l.key, l.kind, l.description], [n.path, n.key, n.kind, n.description], STALE);
    }
    assert.equal(laid.size, g.nodes.length, `${STALE} (it has states the machine no longer has)`);
  });

  it('has every transition of the machine, with its label', () => {
    const g = chartGraph();
    const expected = g.edges.flatMap((e) => (e.targets.length ? e.targets : [e.source]).map(() => e.label)).sort();
    assert.deepEqual(
      chartLayout()
        .edges.map((e) => e.label)
        .sort(),
      expected,
      STALE,
    );
  });

  it('places every state inside the drawing', () => {
    const { width, height, nodes } = chartLayout();
    for (const n of nodes) assert.ok(n.x >= 0 && n.y >= 0 && n.x + n.width <= width + 0.5 && n.y + n.height <= height + 0.5, n.path);
  });
});
