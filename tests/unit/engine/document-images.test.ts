import { describe, expect, test } from 'vitest';
import { addNode, emptyGraph } from '../../../src/engine/graph';
import { parseGraphDocument, serializeGraph } from '../../../src/engine/document';
import { testRegistry as reg } from './fixtures';

const graph = addNode(emptyGraph, reg, { id: 'n', op: 'num', params: { value: 2 } });
const id = 'ab'.repeat(16);

describe('embedded images in a graph file', () => {
  test('images written with the graph read back as they were', () => {
    const images = { [id]: { type: 'image/png', data: 'iVBORw0KGgo=' } };
    const doc = parseGraphDocument(serializeGraph(graph, undefined, images), reg);
    expect(doc.images).toEqual(images);
    expect(doc.graph).toEqual(graph);
  });

  test('a file without images has none, and none are written when there are none', () => {
    expect(parseGraphDocument(serializeGraph(graph), reg).images).toBeUndefined();
    expect(JSON.parse(serializeGraph(graph, undefined, {}))).not.toHaveProperty('images');
  });

  test('ids, types and data are checked, each problem named', () => {
    const text = JSON.stringify({
      ...JSON.parse(serializeGraph(graph)),
      images: { nope: { type: 'image/png', data: '' }, [id]: { type: 'text/html', data: 'AAAA' }, ['cd'.repeat(16)]: { type: 'image/png', data: 'A<>A' } },
    });
    expect(() => parseGraphDocument(text, reg)).toThrow(/images: "nope" is not an image id.*images\.abab.*must be.*images\.cdcd.*must be/);
    expect(() => parseGraphDocument(JSON.stringify({ ...JSON.parse(serializeGraph(graph)), images: [] }), reg)).toThrow('images: must be an object');
  });
});
