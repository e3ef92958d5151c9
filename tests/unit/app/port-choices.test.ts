import { describe, expect, test } from 'vitest';
import { addNode, connect, emptyGraph } from '../../../src/engine/graph';
import { registry } from '../../../src/ops/registry';
import { inputChoices } from '../../../src/app/port-choices';

describe('what an input can be connected to', () => {
  let g = addNode(emptyGraph, registry, { id: 'a', op: 'invert' });
  g = addNode(g, registry, { id: 'b', op: 'invert' });
  g = addNode(g, registry, { id: 'stats', op: 'statistics' });
  g = connect(g, registry, { from: { node: 'a', port: 'image' }, to: { node: 'b', port: 'image' } });

  test('the current source, and every output of the type that makes no cycle', () => {
    const [b] = inputChoices(g, registry, 'b');
    expect(b?.current).toEqual({ node: 'a', port: 'image' });
    // Statistics' image output is offered (its number outputs are not), labelled with the port.
    expect(b?.sources.map((s) => [s.from.node, s.from.port, s.label])).toEqual([
      ['a', 'image', 'Invert'],
      ['stats', 'image', 'Statistics · Image'],
    ]);
    // a ← b would close a loop: b is not offered to a.
    const [a] = inputChoices(g, registry, 'a');
    expect(a?.current).toBeNull();
    expect(a?.sources.map((s) => s.from.node)).toEqual(['stats']);
  });
});
