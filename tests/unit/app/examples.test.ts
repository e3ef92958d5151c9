import { describe, expect, test } from 'vitest';
import { examples } from '../../../src/app/examples';
import { registry } from '../../../src/ops/registry';
import { keyGraph, serializeGraph, parseGraphDocument, validateGraph, setParam } from '../../../src/engine';

describe('starter examples', () => {
  test('there are at least three', () => {
    expect(examples.length).toBeGreaterThanOrEqual(3);
  });

  for (const ex of examples) {
    test(`"${ex.title}" is a valid graph file once its sample is loaded`, () => {
      let g = ex.graph;
      for (const node of Object.keys(ex.samples)) g = setParam(g, registry, node, 'asset', '0123456789abcdef0123456789abcdef');
      expect(validateGraph(g, registry)).toEqual([]);
      expect(parseGraphDocument(serializeGraph(g), registry).graph).toEqual(g);
      const keys = keyGraph(g, registry);
      expect([...keys.steps.values()].every((s) => s.ok)).toBe(true);
    });
  }
});
