// The result cache against Chromium's real IndexedDB, at full size: a 12 MP image must come back
// byte for byte, and a stored entry damaged behind the cache's back must never be served.
import { afterEach, describe, expect, test } from 'vitest';
import { TieredCache } from '../../src/cache/tiered-cache';
import { createImage } from '../../src/ops/image';
import type { Image } from '../../src/ops/types';
import type { Outputs } from '../../src/engine/types';
import type { Value } from '../../src/ops/types';

const W = 4000;
const H = 3000;

const databases: string[] = [];

function freshDbName(): string {
  const name = `pipette-test-${crypto.randomUUID()}`;
  databases.push(name);
  return name;
}

afterEach(async () => {
  for (const name of databases.splice(0)) {
    await new Promise<void>((resolve) => {
      const req = indexedDB.deleteDatabase(name);
      req.onsuccess = req.onerror = req.onblocked = () => resolve();
    });
  }
});

/** A 12 MP image of pseudo-random bytes (no two rows alike), in the app's usual memory. */
function noiseImage(width: number, height: number, seed: number): Image {
  const img = createImage(width, height);
  const words = new Uint32Array(img.data.buffer, img.data.byteOffset, img.data.byteLength / 4);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  return img;
}

function sameBytes(a: Uint8ClampedArray, b: Uint8ClampedArray): boolean {
  if (a.byteLength !== b.byteLength || a.byteOffset % 4 !== 0 || b.byteOffset % 4 !== 0) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.byteLength / 4);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.byteLength / 4);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

function imageOf(outputs: Outputs<Value> | undefined): Image & { thumbnail?: ImageBitmap } {
  const v = outputs?.out;
  if (typeof v !== 'object' || v === null || !('data' in v)) throw new Error('no image');
  return v;
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/** A connection of our own, through the plain IndexedDB API, to poke at what the cache stored. */
function openRaw(name: string): Promise<IDBDatabase> {
  return request(indexedDB.open(name));
}

describe('TieredCache in Chromium', () => {
  test('a 12 MP image round-trips byte-exactly through the IndexedDB tier', async () => {
    const name = freshDbName();
    const cache = new TieredCache({ dbName: name, estimate: null });
    await cache.ready;
    expect(cache.mode).toBe('tiered');
    const img = noiseImage(W, H, 12345);
    cache.put('twelve', { out: img });
    expect(cache.stats.writesPending).toBe(1); // put() returned before the write
    await cache.flush();
    expect(cache.stats.idb.entries).toBe(1);
    expect(cache.stats.idb.bytes).toBe(W * H * 4);

    // Memory tier emptied: the answer must come from IndexedDB.
    await cache.setBudgets({ memoryBytes: 0 });
    expect(cache.stats.memory.entries).toBe(0);
    const got = cache.get('twelve');
    expect(got).toBeInstanceOf(Promise);
    const back = imageOf(await got);
    // (Never .not.toBe on images: on a difference Vitest deep-compares the 48 MB arrays to explain it.)
    expect(back.data === img.data).toBe(false);
    expect([back.width, back.height]).toEqual([W, H]);
    expect(sameBytes(back.data, img.data)).toBe(true);
    expect(cache.stats.idb.hits).toBe(1);
    expect(cache.stats.integrityFailures).toBe(0);
    await cache.close();

    // And after a "reload": a new cache over the same database.
    const reopened = new TieredCache({ dbName: name, estimate: null, memoryBudgetBytes: 0 });
    const again = imageOf(await reopened.get('twelve'));
    expect(sameBytes(again.data, img.data)).toBe(true);
    await reopened.close();
  });

  test('a stored blob modified directly in IndexedDB is detected, deleted and reported as a miss', async () => {
    const name = freshDbName();
    const writer = new TieredCache({ dbName: name, estimate: null });
    writer.put('k', { out: noiseImage(W, H, 777) });
    await writer.close();

    // Flip one bit deep inside the stored pixels, keeping the size and the recorded checksum.
    const db = await openRaw(name);
    const entry = await request(db.transaction('results').objectStore('results').get('k'));
    const pixels = new Uint8Array(await entry.outputs.out.pixels.arrayBuffer());
    const at = W * H * 2 + 1;
    pixels[at] = pixels[at]! ^ 0x04;
    entry.outputs.out.pixels = new Blob([pixels]);
    const tx = db.transaction('results', 'readwrite');
    tx.objectStore('results').put(entry);
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
    });

    const cache = new TieredCache({ dbName: name, estimate: null });
    expect(await cache.get('k')).toBeUndefined();
    await cache.flush();
    expect(cache.stats.integrityFailures).toBe(1);
    expect(cache.stats.idb.misses).toBe(1);
    expect(cache.stats.memory.entries).toBe(0);
    expect(cache.stats.idb.entries).toBe(0);
    expect(await request(db.transaction('results').objectStore('results').get('k'))).toBeUndefined();
    expect(await request(db.transaction('access').objectStore('access').get('k'))).toBeUndefined();
    db.close();
    await cache.close();
  });

  test('a thumbnail ImageBitmap is stored and comes back as an ImageBitmap', async () => {
    const name = freshDbName();
    const cache = new TieredCache({ dbName: name, estimate: null, memoryBudgetBytes: 0 });
    const small = noiseImage(32, 24, 5);
    const pixels = new Uint8ClampedArray(small.data); // ImageData needs unshared memory
    for (let i = 3; i < pixels.length; i += 4) pixels[i] = 255;
    const thumbnail = await createImageBitmap(new ImageData(pixels, 32, 24));
    cache.put('t', { out: { ...noiseImage(64, 48, 6), thumbnail } as Value });
    await cache.flush();
    const back = imageOf(await cache.get('t'));
    expect(back.thumbnail).toBeInstanceOf(ImageBitmap);
    expect([back.thumbnail!.width, back.thumbnail!.height]).toEqual([32, 24]);
    await cache.close();
  });
});
