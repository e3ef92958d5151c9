import { describe, expect, test } from 'vitest';
import { freshFactory } from './helpers';
import { assetIdsIn, IdbSourceStore } from '../../../src/cache/source-store';
import { IdbGraphStore } from '../../../src/cache/graph-store';

const A = 'a'.repeat(32);
const B = 'b'.repeat(32);
const C = 'c'.repeat(32);

describe('stored source images', () => {
  test('a file is kept under its asset id and read back by another connection, as it was', async () => {
    const factory = freshFactory();
    const store = new IdbSourceStore({ indexedDB: factory });
    await store.put(A, new Blob([new Uint8Array([1, 2, 3, 4])], { type: 'image/png' }));
    // A second put of the same id keeps the first file.
    await store.put(A, new Blob([new Uint8Array([9])]));
    store.close();
    const again = new IdbSourceStore({ indexedDB: factory });
    const blob = (await again.get(A))!;
    expect([...new Uint8Array(await blob.arrayBuffer())]).toEqual([1, 2, 3, 4]);
    expect(await again.get(B)).toBeUndefined();
    again.close();
  });

  test('retain deletes only what the set it asks for leaves out, and the graph store is untouched', async () => {
    const factory = freshFactory();
    const graphs = new IdbGraphStore({ indexedDB: factory });
    await graphs.save({ hello: 'graph' });
    const store = new IdbSourceStore({ indexedDB: factory });
    for (const id of [A, B, C]) await store.put(id, new Blob([id]));
    let asked = 0;
    const deleted = await store.retain(() => {
      asked++;
      return new Set([A, C]);
    });
    expect(asked).toBe(1);
    expect(deleted).toBe(1);
    expect(await store.get(A)).toBeDefined();
    expect(await store.get(B)).toBeUndefined();
    expect(await store.get(C)).toBeDefined();
    expect(await graphs.load()).toEqual({ hello: 'graph' });
    store.close();
    graphs.close();
  });

  test('flush waits for the puts in flight', async () => {
    const store = new IdbSourceStore({ indexedDB: freshFactory() });
    void store.put(A, new Blob(['x']));
    void store.put(B, new Blob(['y']));
    await store.flush();
    expect(await store.get(A)).toBeDefined();
    expect(await store.get(B)).toBeDefined();
    store.close();
  });

  test('the asset ids a graph document names are found in its text, even a document that cannot be opened', () => {
    const doc = JSON.stringify({ graph: { nodes: [{ id: 'i', op: 'image-source', params: { asset: A } }, { id: 'j', params: { asset: B } }, { params: { asset: '' } }] } });
    expect([...assetIdsIn(doc)].sort()).toEqual([A, B]);
    expect([...assetIdsIn(`{"broken": [ "asset": "${C}"`)]).toEqual([C]);
    expect(assetIdsIn('{"asset":"not-a-hash"}').size).toBe(0);
  });

  test('without IndexedDB a put or get rejects with a clear reason', async () => {
    const store = new IdbSourceStore({ indexedDB: null });
    await expect(store.get(A)).rejects.toThrow(/IndexedDB is not available/);
    await expect(store.put(A, new Blob(['x']))).rejects.toThrow(/IndexedDB is not available/);
  });
});
