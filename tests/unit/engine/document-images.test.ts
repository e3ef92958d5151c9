import { describe, expect, test } from 'vitest';
import { addNode, emptyGraph } from '../../../src/engine/graph';
import { DOCUMENT_LIMITS, parseGraphDocument, readGraphFile, serializeGraph } from '../../../src/engine/document';
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

  test('a file with images may pass the 5 MB a plain graph file may be, up to 100 MB; one that only pretends is refused', async () => {
    // About 6 MB of image data (any base64 passes the format's check; it is decoded when opened).
    const big = { [id]: { type: 'image/png', data: 'A'.repeat(6 * 1024 * 1024) } };
    const text = serializeGraph(graph, undefined, big);
    expect(text.length).toBeGreaterThan(DOCUMENT_LIMITS.bytes);
    expect(parseGraphDocument(text, reg).images).toEqual(big);
    expect(await readGraphFile(new Blob([text]))).toBe(text);
    // The same head, then no images: refused, as any file over 5 MB without them is.
    const forged = text.replace(/"images": \{[^}]*\}\s*\},/, '"images": {},') + ' '.repeat(6 * 1024 * 1024);
    expect(() => parseGraphDocument(forged, reg)).toThrow('it is larger than 5 MB');
    // Past 100 MB, refused by its size even with the head, before it is read.
    let reads = 0;
    const huge = {
      size: DOCUMENT_LIMITS.bytesWithImages + 1,
      text: async () => {
        reads++;
        return '';
      },
      slice: (a: number, b: number) => new Blob([text]).slice(a, b),
    };
    await expect(readGraphFile(huge)).rejects.toThrow('it is larger than 100 MB');
    expect(reads).toBe(0);
  });
});
