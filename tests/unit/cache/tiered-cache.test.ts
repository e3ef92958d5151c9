import { afterEach, describe, expect, test, vi } from 'vitest';
import { deferred, fakeBitmap, fakeThumbnailCodec, freshFactory, image, imageOf, imageOut, makeCache, rawDb, sameBytes, snapshot, type FakeBitmap } from './helpers';
import type { Outputs } from '../../../src/engine/types';
import type { OpDecl } from '../../../src/engine/op';
import { outputsBytes, type StoredImage } from '../../../src/cache/entry';
import { VOLATILE_SHARE } from '../../../src/cache/tiered-cache';
import type { Histogram, Value } from '../../../src/ops/types';

afterEach(() => {
  vi.restoreAllMocks();
});

/** Counts reads of result payloads from IndexedDB. */
function countPayloadReads() {
  const realGet = IDBObjectStore.prototype.get;
  let reads = 0;
  vi.spyOn(IDBObjectStore.prototype, 'get').mockImplementation(function (this: IDBObjectStore, query: IDBValidKey | IDBKeyRange) {
    if (this.name === 'results') reads++;
    return realGet.call(this, query);
  });
  return () => reads;
}

function countPayloadWrites() {
  const realPut = IDBObjectStore.prototype.put;
  let writes = 0;
  vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
    if (this.name === 'results') writes++;
    return realPut.call(this, value, key);
  });
  return () => writes;
}

describe('memory tier', () => {
  test('a put result is returned by get synchronously, the same object', async () => {
    const cache = makeCache(freshFactory());
    const out = imageOut(64);
    cache.put('a', out);
    expect(cache.get('a')).toBe(out);
    await cache.close();
  });

  test('evicts the least recently used entries when the byte budget is exceeded', async () => {
    const cache = makeCache(null, { memoryBudgetBytes: 300 });
    cache.put('a', imageOut(100, 1));
    cache.put('b', imageOut(100, 2));
    cache.put('c', imageOut(100, 3));
    cache.get('a'); // a is now the most recently used; b the least
    cache.put('d', imageOut(100, 4));
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBeDefined();
    expect(cache.get('c')).toBeDefined();
    expect(cache.get('d')).toBeDefined();
  });

  test('a large entry evicts as many old entries as its bytes need', async () => {
    const cache = makeCache(null, { memoryBudgetBytes: 400 });
    cache.put('a', imageOut(100, 1));
    cache.put('b', imageOut(100, 2));
    cache.put('c', imageOut(100, 3));
    cache.put('big', imageOut(300, 4));
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('c')).toBeDefined();
    expect(cache.get('big')).toBeDefined();
    expect(cache.stats.memory.evictions).toBe(2);
  });

  test('stays within its budget after every put', () => {
    const budget = 1000;
    const cache = makeCache(null, { memoryBudgetBytes: budget });
    let seed = 7;
    for (let i = 0; i < 200; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const bytes = 4 * (1 + (seed % 120));
      cache.put(`k${i}`, imageOut(bytes, i));
      expect(cache.stats.memory.bytes).toBeLessThanOrEqual(budget);
    }
    expect(cache.stats.memory.entries).toBeGreaterThan(1);
  });

  test('a smaller budget evicts at once, oldest first', () => {
    const cache = makeCache(null, { memoryBudgetBytes: 1000 });
    for (const k of ['a', 'b', 'c', 'd']) cache.put(k, imageOut(200));
    cache.get('a');
    void cache.setBudgets({ memoryBytes: 400 });
    expect(cache.stats.memory.bytes).toBeLessThanOrEqual(400);
    expect(cache.get('a')).toBeDefined();
    expect(cache.get('d')).toBeDefined();
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('c')).toBeUndefined();
  });

  test('an image whose buffer was transferred away is not returned from memory', async () => {
    const factory = freshFactory();
    const cache = makeCache(factory);
    const out = imageOut(64);
    const copy = new Uint8ClampedArray(imageOf(out).data);
    cache.put('a', out);
    await cache.flush();
    structuredClone(imageOf(out).data.buffer, { transfer: [imageOf(out).data.buffer as ArrayBuffer] });
    const got = await cache.get('a');
    expect(got === out).toBe(false);
    expect(sameBytes(imageOf(got).data, copy)).toBe(true);
    expect(cache.stats.integrityFailures).toBe(1);
    await cache.close();
  });
});

describe('IndexedDB tier', () => {
  test('a result round-trips byte-exactly through IndexedDB when memory holds nothing', async () => {
    const factory = freshFactory();
    const cache = makeCache(factory, { memoryBudgetBytes: 0 });
    const img = image(37, 11, 5);
    cache.put('k', { out: img });
    await cache.flush();
    const got = await cache.get('k');
    expect(imageOf(got).width).toBe(37);
    expect(imageOf(got).height).toBe(11);
    expect(sameBytes(imageOf(got).data, img.data)).toBe(true);
    await cache.close();
  });

  test("a proxy's scale round-trips, and a full-resolution image comes back without one", async () => {
    const factory = freshFactory();
    const cache = makeCache(factory, { memoryBudgetBytes: 0 });
    cache.put('p', { out: { ...image(9, 4, 2), scale: 0.25 } });
    cache.put('f', { out: image(9, 4, 3) });
    await cache.flush();
    expect(imageOf(await cache.get('p')).scale).toBe(0.25);
    expect('scale' in imageOf(await cache.get('f'))).toBe(false);
    await cache.close();
  });

  test('images in shared memory are stored and read back', async () => {
    const factory = freshFactory();
    const cache = makeCache(factory, { memoryBudgetBytes: 0, sliceBytes: 64 });
    const img = image(50, 3, 9, true);
    cache.put('k', { out: img });
    await cache.flush();
    const got = await cache.get('k');
    expect(sameBytes(imageOf(got).data, img.data)).toBe(true);
    await cache.close();
  });

  test('numbers, histograms and several ports round-trip', async () => {
    const factory = freshFactory();
    const cache = makeCache(factory, { memoryBudgetBytes: 0 });
    const bins = (k: number) => Uint32Array.from({ length: 256 }, (_, i) => i * k);
    const hist: Histogram = { kind: 'histogram', r: bins(1), g: bins(2), b: bins(3), a: bins(4), luma: bins(5), pixels: 99 };
    const outputs: Outputs<Value> = { mean: 0.25, hist, img: image(4, 4, 2) };
    cache.put('k', outputs);
    await cache.flush();
    const got = (await cache.get('k'))!;
    expect(got.mean).toBe(0.25);
    const h = got.hist as Histogram;
    expect(h.kind).toBe('histogram');
    expect(h.pixels).toBe(99);
    expect([...h.luma]).toEqual([...hist.luma]);
    expect(sameBytes(imageOf(got, 'img').data, imageOf(outputs, 'img').data)).toBe(true);
    await cache.close();
  });

  test('a thumbnail is stored beside the pixels and comes back', async () => {
    const factory = freshFactory();
    const codec = fakeThumbnailCodec();
    const cache = makeCache(factory, { memoryBudgetBytes: 0, thumbnails: codec });
    const thumb = fakeBitmap(8, 6, 'thumb-1');
    cache.put('k', { out: { ...image(16, 12, 3), thumbnail: thumb } as Value });
    await cache.flush();
    const got = await cache.get('k');
    const t = (got?.out as { thumbnail?: ImageBitmap }).thumbnail as unknown as FakeBitmap;
    expect(t.tag).toBe('thumb-1');
    expect([t.width, t.height]).toEqual([8, 6]);
    await cache.close();
  });

  test('peek gives a stored result\'s light form — sizes, thumbnail, numbers — without reading its pixels; get then reads them', async () => {
    const factory = freshFactory();
    const codec = fakeThumbnailCodec();
    const first = makeCache(factory, { thumbnails: codec });
    const pixels = image(16, 12, 3);
    first.put('k', { out: { ...pixels, thumbnail: fakeBitmap(8, 6, 'thumb-k') } as Value, mean: 42 });
    await first.close();
    const cache = makeCache(factory, { thumbnails: codec });
    // Reading a Blob's bytes: the pixels are the only Blob of their size.
    const realArrayBuffer = Blob.prototype.arrayBuffer;
    const sizesRead: number[] = [];
    vi.spyOn(Blob.prototype, 'arrayBuffer').mockImplementation(function (this: Blob) {
      sizesRead.push(this.size);
      return realArrayBuffer.call(this);
    });
    const peeked = await cache.peek('k');
    expect(peeked?.light).toBe(true);
    const light = peeked!.outputs.out as { width: number; height: number; data: Uint8ClampedArray; stored?: true; thumbnail?: FakeBitmap };
    expect([light.width, light.height, light.data.length, light.stored]).toEqual([16, 12, 0, true]);
    expect(light.thumbnail?.tag).toBe('thumb-k');
    expect(peeked!.outputs.mean).toBe(42);
    expect(sizesRead.filter((n) => n >= 16 * 12 * 4)).toEqual([]);
    expect(cache.stats.idb.reads).toBe(0);
    expect(cache.stats.idb.peeks).toBe(1);
    expect(cache.stats.memory.entries).toBe(0);
    // A second peek costs no read at all; a get reads the pixels, and peek then answers in full.
    expect(cache.peek('k')).toMatchObject({ light: true });
    const full = await cache.get('k');
    expect(sameBytes((full!.out as { data: Uint8ClampedArray }).data, pixels.data)).toBe(true);
    expect(sizesRead.filter((n) => n >= 16 * 12 * 4).length).toBeGreaterThan(0);
    expect(cache.peek('k')).toEqual({ outputs: full, light: false });
    // Not stored: nothing.
    expect(await cache.peek('nope')).toBeUndefined();
    await cache.close();
  });

  test('a damaged entry peeks as nothing (get then decides), and a memory-only cache peeks only its memory', async () => {
    const factory = freshFactory();
    const first = makeCache(factory);
    first.put('k', imageOut(64));
    await first.close();
    const db = await rawDb(factory);
    const entry = (await db.get('results', 'k'))!;
    const stored = entry.outputs.out as StoredImage;
    await db.put('results', { ...entry, outputs: { ...entry.outputs, out: { ...stored, width: 63 } } });
    db.close();
    const cache = makeCache(factory);
    expect(await cache.peek('k')).toBeUndefined();
    await cache.close();
    const mem = makeCache(null);
    const out = imageOut(8);
    mem.put('m', out);
    expect(mem.peek('m')).toEqual({ outputs: out, light: false });
    expect(mem.peek('x')).toBeUndefined();
  });

  test('when the browser runs short of blob storage, the stored results are cut to half and the budget with them', async () => {
    const factory = freshFactory();
    // A full blob storage: a new Blob cannot be read, as the probe after making one finds.
    let full = false;
    const read = Blob.prototype.arrayBuffer;
    vi.spyOn(Blob.prototype, 'arrayBuffer').mockImplementation(function (this: Blob) {
      return full ? Promise.reject(new DOMException('The requested file could not be read', 'NotReadableError')) : read.call(this);
    });
    // 24 entries of 1 MB each: 24 MB stored.
    const cache = makeCache(factory, { memoryBudgetBytes: 0, idbBudgetBytes: 2048 * 1024 * 1024 });
    const put = (k: string, seed: number) => cache.put(k, { out: image(512, 512, seed) });
    for (let i = 0; i < 24; i++) put(`k${i}`, i + 1);
    await cache.flush();
    const before = cache.stats.idb;
    expect(before.entries).toBe(24);
    full = true;
    put('k24', 25);
    await cache.flush();
    const after = cache.stats.idb;
    expect(after.budgetBytes).toBe(Math.floor(before.bytes / 2));
    expect(after.entries).toBeLessThanOrEqual(12);
    expect(after.budgetBytes).toBeLessThan(before.budgetBytes);
    expect(after.bytes).toBeLessThanOrEqual(after.budgetBytes);
    expect(cache.stats.writeErrors).toBe(1);
    await cache.close();
  });

  test('a result only a batch job needed is not kept, in memory or IndexedDB', async () => {
    const factory = freshFactory();
    const cache = makeCache(factory);
    const op = { id: 'test', version: 1 } as unknown as OpDecl;
    cache.put('batch', imageOut(64), { op, durationMs: 5, batch: true });
    cache.put('editor', imageOut(64, 2), { op, durationMs: 5 });
    await cache.flush();
    expect(await cache.get('batch')).toBeUndefined();
    expect(await cache.get('editor')).toBeDefined();
    expect(cache.stats.idb.entries).toBe(1);
    await cache.close();
  });

  test('a volatile result (a camera frame\'s, a timer tick\'s) stays in memory and never reaches IndexedDB', async () => {
    const factory = freshFactory();
    const cache = makeCache(factory);
    const op = { id: 'test', version: 1 } as unknown as OpDecl;
    cache.put('frame', imageOut(64), { op, durationMs: 5, volatile: true });
    cache.put('editor', imageOut(64, 2), { op, durationMs: 5 });
    await cache.flush();
    const got = cache.get('frame');
    expect(got !== undefined && !(got instanceof Promise)).toBe(true); // from memory, at once
    expect(cache.stats.idb.entries).toBe(1);
    await cache.close();
    // A new session (empty memory) finds only the editor's result on disk.
    const again = makeCache(factory);
    expect(await again.get('frame')).toBeUndefined();
    expect(await again.get('editor')).toBeDefined();
    await again.close();
  });

  test('volatile results take at most their share of the memory budget, the oldest going first, and push no other result out', async () => {
    const factory = freshFactory();
    const one = outputsBytes(imageOut(64));
    const cache = makeCache(factory, { memoryBudgetBytes: one * 40 });
    const op = { id: 'test', version: 1 } as unknown as OpDecl;
    cache.put('editor', imageOut(64, 2), { op, durationMs: 5 });
    for (let i = 0; i < 30; i++) cache.put(`frame${i}`, imageOut(64, i + 3), { op, durationMs: 5, volatile: true });
    const share = Math.floor(40 * VOLATILE_SHARE);
    const inMemory = (k: string) => {
      const got = cache.get(k);
      return got !== undefined && !(got instanceof Promise);
    };
    const kept = Array.from({ length: 30 }, (_, i) => inMemory(`frame${i}`));
    expect(kept.filter(Boolean).length).toBe(share);
    expect(kept.slice(30 - share).every(Boolean)).toBe(true); // the newest
    expect(inMemory('editor')).toBe(true);
    await cache.close();
  });

  test('a get that misses memory but hits IndexedDB promotes the entry to memory', async () => {
    const factory = freshFactory();
    const first = makeCache(factory);
    first.put('k', imageOut(64));
    await first.close();
    const cache = makeCache(factory);
    const reads = countPayloadReads();
    const got = cache.get('k');
    expect(got).toBeInstanceOf(Promise);
    const outputs = await got;
    expect(outputs).toBeDefined();
    expect(cache.stats.memory.entries).toBe(1);
    expect(cache.get('k')).toBe(outputs); // synchronous now
    expect(reads()).toBe(1);
    await cache.close();
  });

  test('concurrent gets of one key read IndexedDB once', async () => {
    const factory = freshFactory();
    const first = makeCache(factory);
    first.put('k', imageOut(64));
    await first.close();
    const cache = makeCache(factory, { memoryBudgetBytes: 0 });
    const reads = countPayloadReads();
    const results = await Promise.all([cache.get('k'), cache.get('k'), cache.get('k')]);
    expect(reads()).toBe(1);
    expect(cache.stats.idb.reads).toBe(1);
    expect(results[0]).toBeDefined();
    expect(results[1]).toBe(results[0]);
    expect(results[2]).toBe(results[0]);
    expect(cache.stats.idb.hits).toBe(3);
    await cache.close();
  });

  test('evicts the least recently accessed entries when its byte budget is exceeded', async () => {
    const factory = freshFactory();
    const cache = makeCache(factory, { memoryBudgetBytes: 0, idbBudgetBytes: 300 });
    for (const [i, k] of ['a', 'b', 'c'].entries()) {
      cache.put(k, imageOut(100, i));
      await cache.flush();
    }
    expect(await cache.get('a')).toBeDefined(); // a becomes the most recently used
    await cache.flush();
    cache.put('d', imageOut(100, 9));
    await cache.flush();
    const s = await snapshot(factory);
    expect(s.resultKeys).toEqual(['a', 'c', 'd']);
    expect(s.lruOrder).toEqual(['c', 'a', 'd']);
    expect(cache.stats.idb.evictions).toBe(1);
    await cache.close();
  });

  test('a large entry evicts as many old entries as its bytes need', async () => {
    const factory = freshFactory();
    const cache = makeCache(factory, { memoryBudgetBytes: 0, idbBudgetBytes: 400 });
    for (const k of ['a', 'b', 'c']) cache.put(k, imageOut(100));
    cache.put('big', imageOut(300));
    await cache.flush();
    const s = await snapshot(factory);
    expect(s.resultKeys).toEqual(['big', 'c']);
    expect(cache.stats.idb.evictions).toBe(2);
    await cache.close();
  });

  test('memory hits also refresh the IndexedDB access order', async () => {
    const factory = freshFactory();
    const cache = makeCache(factory, { idbBudgetBytes: 300 });
    for (const k of ['a', 'b', 'c']) cache.put(k, imageOut(100));
    await cache.flush();
    expect(cache.get('a')).toBeDefined(); // from memory
    await cache.flush();
    cache.put('d', imageOut(100));
    await cache.flush();
    expect((await snapshot(factory)).resultKeys).toEqual(['a', 'c', 'd']);
    await cache.close();
  });

  test('stays within its budget after every put, and its running total matches the stores', async () => {
    const factory = freshFactory();
    const budget = 2000;
    const cache = makeCache(factory, { memoryBudgetBytes: 0, idbBudgetBytes: budget });
    let seed = 3;
    for (let i = 0; i < 40; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      cache.put(`k${i}`, imageOut(4 * (1 + (seed % 200)), i));
      await cache.flush();
      const s = await snapshot(factory);
      expect(s.metaBytes).toBeLessThanOrEqual(budget);
      expect(s.metaBytes).toBe(s.accessBytes);
      expect(s.metaEntries).toBe(s.accessKeys.length);
      expect(s.resultKeys).toEqual(s.accessKeys);
      expect(cache.stats.idb.bytes).toBe(s.metaBytes);
    }
    await cache.close();
  });

  test('a smaller budget evicts at once, least recently used first', async () => {
    const factory = freshFactory();
    const cache = makeCache(factory, { memoryBudgetBytes: 0 });
    for (const k of ['a', 'b', 'c', 'd']) {
      cache.put(k, imageOut(100));
      await cache.flush();
    }
    await cache.get('b');
    await cache.flush();
    await cache.setBudgets({ idbBytes: 200 });
    expect(cache.stats.idb.bytes).toBeLessThanOrEqual(200);
    expect((await snapshot(factory)).resultKeys).toEqual(['b', 'd']);
    expect(cache.stats.idb.evictions).toBe(2);
    await cache.close();
  });

  test('the LRU order survives closing and reopening', async () => {
    const factory = freshFactory();
    const first = makeCache(factory, { memoryBudgetBytes: 0, idbBudgetBytes: 300 });
    for (const k of ['a', 'b', 'c']) {
      first.put(k, imageOut(100));
      await first.flush();
    }
    await first.get('a');
    await first.close();

    const second = makeCache(factory, { memoryBudgetBytes: 0, idbBudgetBytes: 300 });
    await second.ready;
    expect(second.stats.idb.bytes).toBe(300);
    expect(second.stats.idb.entries).toBe(3);
    second.put('d', imageOut(100));
    await second.flush();
    expect((await snapshot(factory)).resultKeys).toEqual(['a', 'c', 'd']);
    second.put('e', imageOut(100));
    await second.flush();
    expect((await snapshot(factory)).resultKeys).toEqual(['a', 'd', 'e']);
    await second.close();
  });

  test('the running total is recomputed from the access records if its record is missing', async () => {
    const factory = freshFactory();
    const first = makeCache(factory);
    first.put('a', imageOut(100));
    first.put('b', imageOut(60));
    await first.close();
    const db = await rawDb(factory);
    await db.delete('meta', 'results');
    db.close();
    const second = makeCache(factory);
    await second.ready;
    expect(second.stats.idb.bytes).toBe(160);
    expect(second.stats.idb.entries).toBe(2);
    await second.close();
  });

  test('a value larger than the memory budget is kept in IndexedDB only', async () => {
    const factory = freshFactory();
    const cache = makeCache(factory, { memoryBudgetBytes: 100 });
    const out = imageOut(400);
    cache.put('big', out);
    expect(cache.stats.memory.entries).toBe(0);
    await cache.flush();
    expect((await snapshot(factory)).resultKeys).toEqual(['big']);
    const got = await cache.get('big');
    expect(sameBytes(imageOf(got).data, imageOf(out).data)).toBe(true);
    expect(cache.stats.memory.entries).toBe(0);
    await cache.close();
  });

  test('a value larger than the IndexedDB budget is not stored there', async () => {
    const factory = freshFactory();
    const cache = makeCache(factory, { idbBudgetBytes: 100 });
    cache.put('big', imageOut(400));
    await cache.flush();
    expect((await snapshot(factory)).resultKeys).toEqual([]);
    expect(cache.get('big')).toBeDefined(); // memory still has it
    await cache.close();
  });

  test('the budget is capped by the storage estimate', async () => {
    const cache = makeCache(freshFactory(), { estimate: async () => ({ quota: 10_000, usage: 5_000 }) });
    await cache.ready;
    expect(cache.stats.idb.budgetBytes).toBe(4_000);
    expect(cache.stats.idb.requestedBudgetBytes).toBe(2048 * 1024 * 1024);
    await cache.close();
  });
});

describe('write-behind', () => {
  test('put returns before the IndexedDB write completes, and a get meanwhile is served from memory', async () => {
    const factory = freshFactory();
    const gate = deferred();
    let gated = false;
    // The first pause between slices holds the write until the test lets it go.
    const cache = makeCache(factory, {
      memoryBudgetBytes: 0,
      sliceBytes: 64,
      yieldToMain: () => {
        gated = true;
        return gate.promise;
      },
    });
    await cache.ready;
    const out = imageOut(256);
    cache.put('k', out);
    expect(cache.stats.writesPending).toBe(1);
    expect(cache.get('k')).toBe(out); // still queued
    await vi.waitFor(() => expect(gated).toBe(true));
    expect(cache.get('k')).toBe(out); // being written
    expect((await snapshot(factory)).resultKeys).toEqual([]);
    gate.resolve();
    await cache.flush();
    expect(cache.stats.writesPending).toBe(0);
    expect((await snapshot(factory)).resultKeys).toEqual(['k']);
    expect(cache.stats.memory.hits).toBe(2);
    await cache.close();
  });

  test('puts of one key before its write starts are coalesced into one write', async () => {
    const factory = freshFactory();
    const cache = makeCache(factory);
    await cache.ready;
    const writes = countPayloadWrites();
    cache.put('k', imageOut(64, 1));
    cache.put('k', imageOut(64, 1));
    cache.put('k', imageOut(64, 1));
    await cache.flush();
    expect(writes()).toBe(1);
    await cache.close();
  });

  test('when too many bytes wait for the disk the oldest waiting writes are dropped', async () => {
    const factory = freshFactory();
    const cache = makeCache(factory, { maxPendingBytes: 250 });
    cache.put('a', imageOut(100));
    cache.put('b', imageOut(100));
    cache.put('c', imageOut(100));
    expect(cache.stats.writesDropped).toBe(1);
    await cache.flush();
    expect((await snapshot(factory)).resultKeys).toEqual(['b', 'c']);
    expect(cache.get('a')).toBeDefined(); // memory still has it
    await cache.close();
  });
});

describe('writes wait for a quiet moment', () => {
  test('no result is written while `quiet` holds, all are once it resolves', async () => {
    const factory = freshFactory();
    let quiet = deferred();
    let asked = 0;
    const cache = makeCache(factory, {
      quiet: () => {
        asked++;
        return quiet.promise;
      },
    });
    await cache.ready;
    cache.put('a', imageOut(64, 1));
    cache.put('b', imageOut(64, 2));
    await vi.waitFor(() => expect(asked).toBeGreaterThan(0));
    await new Promise((r) => setTimeout(r, 50));
    expect((await snapshot(factory)).resultKeys).toEqual([]);
    expect(cache.stats.writesPending).toBe(2);
    expect(cache.get('a')).toBeDefined(); // memory answers meanwhile
    quiet.resolve();
    await vi.waitFor(async () => expect((await snapshot(factory)).resultKeys).toEqual(['a', 'b']));
    // Busy again: a new result waits again.
    quiet = deferred();
    cache.put('c', imageOut(64, 3));
    await new Promise((r) => setTimeout(r, 50));
    expect((await snapshot(factory)).resultKeys).toEqual(['a', 'b']);
    quiet.resolve();
    await vi.waitFor(async () => expect((await snapshot(factory)).resultKeys).toEqual(['a', 'b', 'c']));
    await cache.close();
  });

  test('flush and close write at once, without waiting for quiet', async () => {
    const factory = freshFactory();
    const never = new Promise<void>(() => {});
    const cache = makeCache(factory, { quiet: () => never });
    await cache.ready;
    cache.put('a', imageOut(64, 1));
    await cache.flush();
    expect((await snapshot(factory)).resultKeys).toEqual(['a']);
    cache.put('b', imageOut(64, 2));
    await cache.close();
    expect((await snapshot(factory)).resultKeys).toEqual(['a', 'b']);
  });
});

describe('clear and statistics', () => {
  test('clear() empties both tiers', async () => {
    const factory = freshFactory();
    const cache = makeCache(factory);
    for (const k of ['a', 'b', 'c']) cache.put(k, imageOut(100));
    await cache.flush();
    await cache.clear();
    expect(cache.stats.memory.entries).toBe(0);
    expect(cache.stats.memory.bytes).toBe(0);
    expect(cache.stats.idb.entries).toBe(0);
    expect(cache.stats.idb.bytes).toBe(0);
    const s = await snapshot(factory);
    expect(s.resultKeys).toEqual([]);
    expect(s.accessKeys).toEqual([]);
    expect(s.metaBytes).toBe(0);
    expect(await cache.get('a')).toBeUndefined();
    await cache.close();
  });

  test('clear() drops writes that had not reached IndexedDB yet', async () => {
    const factory = freshFactory();
    const cache = makeCache(factory);
    cache.put('a', imageOut(100));
    await cache.clear();
    await cache.flush();
    expect((await snapshot(factory)).resultKeys).toEqual([]);
    await cache.close();
  });

  test('counts hits and misses per tier, hit rate, bytes, entries and evictions', async () => {
    const factory = freshFactory();
    const cache = makeCache(factory, { memoryBudgetBytes: 200, idbBudgetBytes: 300 });
    cache.put('a', imageOut(100));
    cache.put('b', imageOut(100));
    cache.put('c', imageOut(100)); // memory evicts a
    await cache.flush();
    expect(cache.get('c')).toBeDefined(); // memory hit
    expect(await cache.get('a')).toBeDefined(); // memory miss, IndexedDB hit, promoted (memory evicts b)
    expect(await cache.get('zzz')).toBeUndefined(); // miss in both, known without reading IndexedDB
    await cache.flush();
    const s = cache.stats;
    expect(s.mode).toBe('tiered');
    expect(s.memory).toMatchObject({ hits: 1, misses: 2, bytes: 200, entries: 2, evictions: 2, budgetBytes: 200 });
    expect(s.memory.hitRate).toBeCloseTo(1 / 3);
    expect(s.idb).toMatchObject({ hits: 1, misses: 1, bytes: 300, entries: 3, evictions: 0, budgetBytes: 300, reads: 1 });
    expect(s.idb.hitRate).toBe(0.5);
    expect(s).toMatchObject({ lookups: 3, hits: 2, misses: 1, integrityFailures: 0, readErrors: 0, writesPending: 0, notice: null });
    expect(s.hitRate).toBeCloseTo(2 / 3);
    await cache.close();
  });

  test('subscribers hear about changes until they unsubscribe', async () => {
    const cache = makeCache(freshFactory());
    await cache.ready;
    const seen: number[] = [];
    const off = cache.subscribe((s) => seen.push(s.memory.entries));
    cache.put('a', imageOut(8));
    cache.put('b', imageOut(8));
    await Promise.resolve();
    expect(seen.at(-1)).toBe(2);
    off();
    const count = seen.length;
    cache.put('c', imageOut(8));
    await cache.flush();
    expect(seen.length).toBe(count);
    await cache.close();
  });
});

describe('misses without reads', () => {
  test('a key never stored misses synchronously; keys stored before a reopen, or by this tab, are read', async () => {
    const factory = freshFactory();
    const writer = makeCache(factory, { memoryBudgetBytes: 0 });
    writer.put('old', imageOut(40, 1));
    await writer.close();
    const cache = makeCache(factory, { memoryBudgetBytes: 0 });
    await cache.ready;
    expect(cache.get('new')).toBeUndefined(); // not a promise: no IndexedDB read
    expect(cache.stats.idb.reads).toBe(0);
    expect(await cache.get('old')).toBeDefined();
    cache.put('mine', imageOut(40, 2));
    await cache.flush();
    expect(await cache.get('mine')).toBeDefined();
    expect(cache.stats.idb.reads).toBe(2);
    await cache.close();
  });
});

describe('proxy results', () => {
  test('are kept in memory but never written to IndexedDB', async () => {
    const factory = freshFactory();
    const cache = makeCache(factory);
    const op = { id: 'x' } as never;
    cache.put('proxy', imageOut(40, 1), { op, durationMs: 1, proxy: true });
    cache.put('full', imageOut(40, 2), { op, durationMs: 1 });
    await cache.flush();
    expect(cache.get('proxy')).toBeDefined(); // from memory
    expect((await snapshot(factory)).resultKeys).toEqual(['full']);
    await cache.close();
  });

  test('full results never push proxies out of memory; proxies keep to their share, and the budget holds both', async () => {
    const budget = 800;
    const cache = makeCache(null, { memoryBudgetBytes: budget });
    const op = { id: 'x' } as never;
    cache.put('source proxy', imageOut(100, 1), { op, durationMs: 1, proxy: true });
    // twenty full results through a budget of eight: the proxy stays, the oldest full ones go
    for (let i = 0; i < 20; i++) cache.put(`full ${i}`, imageOut(100, i), { op, durationMs: 1 });
    expect(cache.get('source proxy')).toBeDefined();
    expect(cache.get('full 19')).toBeDefined();
    expect(cache.get('full 12')).toBeUndefined();
    expect(cache.stats.memory.bytes).toBeLessThanOrEqual(budget);
    // a second proxy exceeds the proxies' eighth: the older proxy goes, not a full result
    const fullBefore = cache.stats.memory.entries - 1;
    cache.put('drag proxy', imageOut(100, 2), { op, durationMs: 1, proxy: true });
    expect(cache.get('source proxy')).toBeUndefined();
    expect(cache.get('drag proxy')).toBeDefined();
    expect(cache.stats.memory.entries - 1).toBe(fullBefore);
    expect(cache.stats.memory.bytes).toBeLessThanOrEqual(budget);
    // with no proxies, full results have the whole budget again
    await cache.clear();
    for (let i = 0; i < 8; i++) cache.put(`again ${i}`, imageOut(100, i), { op, durationMs: 1 });
    expect(cache.stats.memory.entries).toBe(8);
    await cache.close();
  });
});
