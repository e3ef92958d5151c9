import { describe, expect, test } from 'vitest';
import { EditError, addNode, connect, emptyGraph } from '../../../src/engine/graph';
import { addStepAtWireEnd, fitsWireEnd, insertIntoWire } from '../../../src/engine/wire-edits';
import { testRegistry as reg } from './fixtures';

const base = () => {
  let g = addNode(emptyGraph, reg, { id: 'a', op: 'num' });
  g = addNode(g, reg, { id: 'b', op: 'scale' });
  return connect(g, reg, { from: { node: 'a', port: 'out' }, to: { node: 'b', port: 'x' } });
};
const wire = { from: { node: 'a', port: 'out' }, to: { node: 'b', port: 'x' } };

describe('wire edits', () => {
  test('a step dropped on a wire is inserted between its ends', () => {
    const g = insertIntoWire(addNode(base(), reg, { id: 's', op: 'scale' }), reg, 's', wire);
    expect(g.edges).toHaveLength(2);
    expect(g.edges).toContainEqual({ from: { node: 'a', port: 'out' }, to: { node: 's', port: 'x' } });
    expect(g.edges).toContainEqual({ from: { node: 's', port: 'out' }, to: { node: 'b', port: 'x' } });
  });

  test('a step that cannot take the wire is refused and the graph kept', () => {
    const g = addNode(base(), reg, { id: 'h', op: 'hist' });
    expect(() => insertIntoWire(g, reg, 'h', wire)).toThrow(EditError);
  });

  test('a step added at the loose end of a wire from an output is fed by it', () => {
    const { graph, id } = addStepAtWireEnd(base(), reg, 'scale', { node: 'b', port: 'out' }, 'output', { x: 10, y: 20 });
    expect(graph.edges).toContainEqual({ from: { node: 'b', port: 'out' }, to: { node: id, port: 'x' } });
    expect(graph.nodes.find((n) => n.id === id)?.position).toEqual({ x: 10, y: 20 });
  });

  test('a step added at the loose end of a wire dragged from an input feeds it', () => {
    let g = addNode(emptyGraph, reg, { id: 'b', op: 'scale' });
    const { graph, id } = addStepAtWireEnd(g, reg, 'num', { node: 'b', port: 'x' }, 'input', { x: 0, y: 0 });
    expect(graph.edges).toEqual([{ from: { node: id, port: 'out' }, to: { node: 'b', port: 'x' } }]);
    g = graph;
    expect(fitsWireEnd(g, reg, 'hist', { node: 'b', port: 'out' }, 'output')).toBe(false);
    expect(fitsWireEnd(g, reg, 'num', { node: 'b', port: 'x' }, 'input')).toBe(true);
    expect(fitsWireEnd(g, reg, 'num', { node: 'b', port: 'out' }, 'output')).toBe(false);
  });
});
