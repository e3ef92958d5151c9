import { describe, expect, test } from 'vitest';
import {
  addNode,
  connect,
  connectionProblem,
  portProblem,
  disconnect,
  EditError,
  emptyGraph,
  removeNode,
  setBypass,
  setParam,
  toggleBypass,
  addStepAfter,
  duplicateNodes,
  topoOrder,
  validateGraph,
  ancestorsOf,
  indexGraph,
  type Graph,
} from '../../../src/engine/graph';
import { testRegistry as reg } from './fixtures';

function chain(): Graph {
  let g = addNode(emptyGraph, reg, { id: 'n', op: 'num', params: { value: 2 } });
  g = addNode(g, reg, { id: 's', op: 'scale', params: { factor: 3 } });
  g = addNode(g, reg, { id: 'a', op: 'add' });
  g = connect(g, reg, { from: { node: 'n', port: 'out' }, to: { node: 's', port: 'x' } });
  g = connect(g, reg, { from: { node: 's', port: 'out' }, to: { node: 'a', port: 'a' } });
  return g;
}

describe('graph edits', () => {
  test('adding a step fills in default parameters', () => {
    const g = addNode(emptyGraph, reg, { id: 's', op: 'scale' });
    expect(g.nodes[0]!.params).toEqual({ factor: 1, mode: 'plain' });
  });

  test('adding a step of an unknown operation is refused', () => {
    expect(() => addNode(emptyGraph, reg, { op: 'nope' })).toThrow(/Unknown operation "nope"/);
  });

  test('a fresh id is generated when none is given', () => {
    let g = addNode(emptyGraph, reg, { op: 'num' });
    g = addNode(g, reg, { op: 'num' });
    expect(g.nodes.map((n) => n.id)).toEqual(['num-1', 'num-2']);
  });

  test('edits return a new graph and leave the old one untouched', () => {
    const g = chain();
    const g2 = setParam(g, reg, 's', 'factor', 5);
    expect(g.nodes.find((n) => n.id === 's')!.params.factor).toBe(3);
    expect(g2.nodes.find((n) => n.id === 's')!.params.factor).toBe(5);
  });

  test('a parameter outside its range is clamped', () => {
    const g = setParam(chain(), reg, 's', 'factor', 99);
    expect(g.nodes.find((n) => n.id === 's')!.params.factor).toBe(10);
  });

  test('a parameter of the wrong kind is refused with a message naming it', () => {
    expect(() => setParam(chain(), reg, 's', 'factor', 'big')).toThrow(/"Factor" must be a number/);
    expect(() => setParam(chain(), reg, 's', 'mode', 'sideways')).toThrow(/"Mode" must be one of: plain, neg/);
    expect(() => setParam(chain(), reg, 's', 'nope', 1)).toThrow(/has no parameter "nope"/);
  });

  test('setting a parameter to its current value returns the same graph', () => {
    const g = chain();
    expect(setParam(g, reg, 's', 'factor', 3)).toBe(g);
  });

  test('removing a step removes its edges', () => {
    const g = removeNode(chain(), 's');
    expect(g.nodes.map((n) => n.id)).toEqual(['n', 'a']);
    expect(g.edges).toEqual([]);
  });

  test('connecting to an occupied input replaces the old edge', () => {
    let g = chain();
    g = addNode(g, reg, { id: 'm', op: 'num' });
    g = connect(g, reg, { from: { node: 'm', port: 'out' }, to: { node: 'a', port: 'a' } });
    expect(g.edges.filter((e) => e.to.node === 'a')).toEqual([{ from: { node: 'm', port: 'out' }, to: { node: 'a', port: 'a' } }]);
  });

  test('disconnecting removes the edge into an input', () => {
    const g = disconnect(chain(), { node: 'a', port: 'a' });
    expect(g.edges).toHaveLength(1);
  });

  test('bypass is toggled on and off', () => {
    const on = setBypass(chain(), 's', true);
    expect(on.nodes.find((n) => n.id === 's')!.bypass).toBe(true);
    const off = setBypass(on, 's', false);
    expect(off.nodes.find((n) => n.id === 's')!.bypass).toBeUndefined();
  });
});

describe('connections', () => {
  test('a connection that would make a cycle is refused with a message', () => {
    const g = chain();
    expect(() => connect(g, reg, { from: { node: 'a', port: 'out' }, to: { node: 's', port: 'x' } })).toThrow(
      /would make a cycle/,
    );
  });

  test('connecting a step to itself is refused as a cycle', () => {
    expect(connectionProblem(chain(), reg, { from: { node: 's', port: 'out' }, to: { node: 's', port: 'x' } })).toMatch(/cycle/);
  });

  test('a number output cannot go into a histogram input', () => {
    let g = chain();
    g = addNode(g, reg, { id: 'h', op: 'hist' });
    expect(() => connect(g, reg, { from: { node: 'n', port: 'out' }, to: { node: 'h', port: 'h' } })).toThrow(EditError);
    expect(connectionProblem(g, reg, { from: { node: 'n', port: 'out' }, to: { node: 'h', port: 'h' } })).toMatch(
      /Cannot connect Number's number output to Histogram's histogram input/,
    );
  });

  test('connecting to a port that does not exist is refused', () => {
    expect(connectionProblem(chain(), reg, { from: { node: 'n', port: 'zzz' }, to: { node: 'a', port: 'b' } })).toMatch(/no output "zzz"/);
    expect(connectionProblem(chain(), reg, { from: { node: 'n', port: 'out' }, to: { node: 'a', port: 'zzz' } })).toMatch(/no input "zzz"/);
  });
});

describe('port checks on steps already in hand', () => {
  const at = (g: Graph, id: string) => g.nodes.find((n) => n.id === id)!;

  test('they give the same answers as connectionProblem about operations, ports and types', () => {
    const g = addNode(chain(), reg, { id: 'h', op: 'hist' });
    for (const edge of [
      { from: { node: 'n', port: 'out' }, to: { node: 'h', port: 'h' } },
      { from: { node: 'n', port: 'zzz' }, to: { node: 'a', port: 'b' } },
      { from: { node: 'n', port: 'out' }, to: { node: 'a', port: 'zzz' } },
      { from: { node: 'n', port: 'out' }, to: { node: 'a', port: 'b' } },
    ]) {
      expect(portProblem(reg, at(g, edge.from.node), at(g, edge.to.node), edge)).toBe(connectionProblem(g, reg, edge));
    }
  });

  test('they look at the two steps alone: a cycle is for the caller to find', () => {
    const g = chain();
    const back = { from: { node: 'a', port: 'out' }, to: { node: 's', port: 'x' } };
    expect(connectionProblem(g, reg, back)).toMatch(/cycle/);
    expect(portProblem(reg, at(g, 'a'), at(g, 's'), back)).toBeNull();
  });

  test('an unknown operation on either end is named', () => {
    const ghost = { id: 'x', op: 'warp-drive', params: {} };
    const edge = { from: { node: 'x', port: 'out' }, to: { node: 's', port: 'x' } };
    expect(portProblem(reg, ghost, at(chain(), 's'), edge)).toBe('Unknown operation "warp-drive"');
  });
});

describe('validation', () => {
  test('a valid graph has no issues', () => {
    expect(validateGraph(chain(), reg)).toEqual([]);
  });

  test('a missing required input is reported on its step', () => {
    const g = addNode(emptyGraph, reg, { id: 's', op: 'scale' });
    expect(validateGraph(g, reg)).toEqual([{ node: 's', message: 'Connect an input to "x"' }]);
  });

  test('an optional input may stay unconnected', () => {
    const issues = validateGraph(chain(), reg);
    expect(issues.some((i) => i.message.includes('"b"'))).toBe(false);
  });

  test('an unknown operation is reported', () => {
    const g: Graph = { nodes: [{ id: 'x', op: 'warp-drive', params: {} }], edges: [] };
    expect(validateGraph(g, reg)).toEqual([{ node: 'x', message: 'Unknown operation "warp-drive"' }]);
  });

  test('a cycle written into the data directly is reported for each step on it', () => {
    const g: Graph = {
      nodes: [
        { id: 'p', op: 'scale', params: {} },
        { id: 'q', op: 'scale', params: {} },
      ],
      edges: [
        { from: { node: 'p', port: 'out' }, to: { node: 'q', port: 'x' } },
        { from: { node: 'q', port: 'out' }, to: { node: 'p', port: 'x' } },
      ],
    };
    const msgs = validateGraph(g, reg).filter((i) => i.message.includes('cycle'));
    expect(msgs.map((m) => m.node).sort()).toEqual(['p', 'q']);
  });

  test('a type mismatch written into the data directly is reported', () => {
    const g: Graph = {
      nodes: [
        { id: 'n', op: 'num', params: {} },
        { id: 'h', op: 'hist', params: {} },
      ],
      edges: [{ from: { node: 'n', port: 'out' }, to: { node: 'h', port: 'h' } }],
    };
    expect(validateGraph(g, reg)).toContainEqual({ node: 'h', message: `Histogram's input "h" takes histogram, not number` });
  });

  test('a long chain is checked edge by edge: none of 3000 steps has an issue, and a bad edge deep in it names its step', () => {
    const nodes = [{ id: 'n0', op: 'num', params: {} }, ...Array.from({ length: 2999 }, (_, i) => ({ id: `s${i + 1}`, op: 'scale', params: {} }))];
    const edges = nodes.slice(1).map((n, i) => ({ from: { node: nodes[i]!.id, port: 'out' }, to: { node: n.id, port: 'x' } }));
    expect(validateGraph({ nodes, edges }, reg)).toEqual([]);
    const bad = edges.map((e) => (e.to.node === 's2500' ? { ...e, to: { node: 's2500', port: 'y' } } : e));
    expect(validateGraph({ nodes, edges: bad }, reg)).toEqual([
      { node: 's2500', message: 'Scale has no input "y"' },
      { node: 's2500', message: 'Connect an input to "x"' },
    ]);
  });

  test('an edge to a missing step is reported', () => {
    const g: Graph = { nodes: [{ id: 'n', op: 'num', params: {} }], edges: [{ from: { node: 'n', port: 'out' }, to: { node: 'ghost', port: 'x' } }] };
    expect(validateGraph(g, reg)[0]!.message).toMatch(/missing step/);
  });

  test('a step that cannot be bypassed says so', () => {
    let g = addNode(emptyGraph, reg, { id: 'n', op: 'num' });
    g = setBypass(g, 'n', true);
    expect(validateGraph(g, reg)[0]!.message).toMatch(/cannot be bypassed/);
  });
});

describe('editor-level edits', () => {
  test('toggling bypass refuses a step with nothing to pass through, and turns a pass-through one on and off', () => {
    const g = chain();
    expect(() => toggleBypass(g, reg, 'n')).toThrow(EditError);
    expect(() => toggleBypass(g, reg, 'n')).toThrow(/cannot be bypassed: it has no input of its output's type/);
    const on = toggleBypass(g, reg, 's');
    expect(on.nodes.find((n) => n.id === 's')!.bypass).toBe(true);
    expect(toggleBypass(on, reg, 's').nodes.find((n) => n.id === 's')!.bypass).toBeUndefined();
  });

  test('a step added after another is placed to its right and wired from its first output', () => {
    const g = addNode(emptyGraph, reg, { id: 'n', op: 'num', position: { x: 100, y: 50 } });
    const { graph, id } = addStepAfter(g, reg, 'scale', { after: 'n' });
    expect(id).toBe('scale-1');
    expect(graph.nodes.find((n) => n.id === id)!.position).toEqual({ x: 340, y: 90 });
    expect(graph.edges).toEqual([{ from: { node: 'n', port: 'out' }, to: { node: id, port: 'x' } }]);
    // No input of the type: added, not wired; without `after`, placed where asked.
    const lone = addStepAfter(g, reg, 'hist', { after: 'n', position: { x: 5, y: 6 } }); // takes a histogram, n gives a number
    expect(lone.graph.edges).toEqual([]);
    expect(lone.graph.nodes.find((n) => n.id === lone.id)!.position).toEqual({ x: 5, y: 6 });
    expect(() => addStepAfter(g, reg, 'nope')).toThrow(/Unknown operation/);
  });

  test('duplicating copies steps, their parameters and the connections among them, not the ones out', () => {
    const g = chain();
    const { graph, ids } = duplicateNodes(g, reg, ['n', 's']);
    expect(ids).toEqual(['num-1', 'scale-1']);
    expect(graph.nodes.find((n) => n.id === 'scale-1')!.params).toEqual(g.nodes.find((n) => n.id === 's')!.params);
    const copies = graph.edges.filter((e) => ids.includes(e.from.node) || ids.includes(e.to.node));
    expect(copies).toEqual([{ from: { node: 'num-1', port: 'out' }, to: { node: 'scale-1', port: 'x' } }]);
    expect(graph.edges).toHaveLength(g.edges.length + 1);
  });
});

describe('structure', () => {
  test('topological order puts every step after its inputs', () => {
    let g = chain();
    g = addNode(g, reg, { id: 'z', op: 'num' });
    g = connect(g, reg, { from: { node: 'z', port: 'out' }, to: { node: 'a', port: 'b' } });
    const { order, cyclic } = topoOrder(g);
    expect(cyclic).toEqual([]);
    for (const e of g.edges) expect(order.indexOf(e.from.node)).toBeLessThan(order.indexOf(e.to.node));
  });

  test('the ancestors of a step are exactly what it depends on', () => {
    let g = chain();
    g = addNode(g, reg, { id: 'other', op: 'num' });
    expect([...ancestorsOf(indexGraph(g), ['s'])].sort()).toEqual(['n', 's']);
  });
});
