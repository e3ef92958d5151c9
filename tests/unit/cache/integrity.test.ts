import { afterEach, describe, expect, test, vi } from 'vitest';
import { fakeBitmap, fakeThumbnailCodec, freshFactory, image, imageOf, makeCache, rawDb, sameBytes, snapshot } from './helpers';
import { ENTRY_FORMAT, type StoredEntry, type StoredHistogram, type StoredImage, type StoredNumber } from '../../../src/cache/entry';
import type { Histogram, Value } from '../../../src/ops/types';

afterEach(() => {
  vi.restoreAllMocks();
});

/** Stores one 8×4 image under 'k' (plus 'other'), then rewrites the stored entry with `damage`. */
async function storeAndDamage(damage: (img: StoredImage) => Promise<StoredImage> | StoredImage) {
  const factory = freshFactory();
  const writer = makeCache(factory, { thumbnails: fakeThumbnailCodec() });
  writer.put('k', { out: { ...image(8, 4, 1), thumbnail: fakeBitmap(2, 1, 't') } as Value });
  writer.put('other', { out: image(8, 4, 2) });
  await writer.close();

  const db = await rawDb(factory);
  const entry = (await db.get('results', 'k')) as StoredEntry;
  const damaged: StoredEntry = { ...entry, outputs: { out: await damage(entry.outputs.out as StoredImage) } };
  await db.put('results', damaged);
  db.close();

  const cache = makeCache(factory, { thumbnails: fakeThumbnailCodec() });
  await cache.ready;
  return { factory, cache };
}

async function flipByte(blob: Blob, at: number): Promise<Blob> {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  bytes[at] = bytes[at]! ^ 0x01;
  return new Blob([bytes]);
}

describe('an entry that fails validation is deleted, counted and reported as a miss', () => {
  const cases: [string, (img: StoredImage) => Promise<StoredImage> | StoredImage][] = [
    ['one flipped bit in the pixels', async (img) => ({ ...img, pixels: await flipByte(img.pixels, 77) })],
    ['a checksum that does not match', (img) => ({ ...img, checksum: '00000000' })],
    ['a truncated pixel blob', (img) => ({ ...img, pixels: img.pixels.slice(0, img.byteLength - 4) })],
    ['a byte length that does not match the dimensions', (img) => ({ ...img, byteLength: img.byteLength - 4 })],
    ['dimensions that do not match the bytes', (img) => ({ ...img, width: 4, height: 8 + 1 })],
    ['a width that is not a whole number', (img) => ({ ...img, width: 7.5 })],
    ['a pixel blob that is not a Blob', (img) => ({ ...img, pixels: new Uint8Array(img.byteLength) as unknown as Blob })],
    ['a proxy scale that is not a fraction', (img) => ({ ...img, scale: 3 })],
    // Same bytes, same byte length, same pixel checksum: only the entry checksum tells (issue 19).
    ['width and height swapped', (img) => ({ ...img, width: img.height, height: img.width })],
    ['a full-resolution image marked as a proxy', (img) => ({ ...img, scale: 0.5 })],
    ['a damaged thumbnail', async (img) => ({ ...img, thumbnail: { ...img.thumbnail!, blob: await flipByte(img.thumbnail!.blob, 3) } })],
  ];

  test.each(cases)('%s', async (_name, damage) => {
    const { factory, cache } = await storeAndDamage(damage);
    const before = await snapshot(factory);
    expect(before.resultKeys).toEqual(['k', 'other']);

    expect(await cache.get('k')).toBeUndefined();
    await cache.flush();

    expect(cache.stats.integrityFailures).toBe(1);
    expect(cache.stats.idb.misses).toBe(1);
    expect(cache.stats.memory.entries).toBe(0); // never promoted
    const after = await snapshot(factory);
    expect(after.resultKeys).toEqual(['other']);
    expect(after.accessKeys).toEqual(['other']);
    expect(after.metaBytes).toBe(after.accessBytes);
    expect(cache.stats.idb.entries).toBe(1);

    // The step recomputes and stores a good entry again.
    cache.put('k', { out: image(8, 4, 1) });
    await cache.flush();
    const again = makeCache(factory);
    const got = await again.get('k');
    expect(sameBytes(imageOf(got).data, image(8, 4, 1).data)).toBe(true);
    await again.close();
    await cache.close();
  });

  test('an undamaged entry next to it is still served', async () => {
    const { cache } = await storeAndDamage((img) => ({ ...img, checksum: 'ffffffff' }));
    const got = await cache.get('other');
    expect(sameBytes(imageOf(got).data, image(8, 4, 2).data)).toBe(true);
    expect(cache.stats.integrityFailures).toBe(0);
    await cache.close();
  });

  test('a stored Blob that cannot be read is a read error: deleted and reported as a miss', async () => {
    const { factory, cache } = await storeAndDamage((img) => img);
    vi.spyOn(Blob.prototype, 'arrayBuffer').mockRejectedValueOnce(new DOMException('The requested file could not be read', 'NotReadableError'));
    expect(await cache.get('k')).toBeUndefined();
    await cache.flush();
    expect(cache.stats.readErrors).toBe(1);
    expect(cache.stats.integrityFailures).toBe(0);
    expect((await snapshot(factory)).resultKeys).toEqual(['other']);
    await cache.close();
  });

  test('an entry of another storage format is dropped as a plain miss', async () => {
    const factory = freshFactory();
    const writer = makeCache(factory);
    writer.put('k', { out: image(2, 2) });
    await writer.close();
    const db = await rawDb(factory);
    const entry = (await db.get('results', 'k'))!;
    await db.put('results', { ...entry, format: 999 });
    db.close();
    const cache = makeCache(factory);
    expect(await cache.get('k')).toBeUndefined();
    await cache.flush();
    expect(cache.stats.integrityFailures).toBe(0);
    expect((await snapshot(factory)).resultKeys).toEqual([]);
    await cache.close();
  });
});

/** Stores `outputs` under 'k' (plus an image under 'other'), then rewrites the stored entry with `tamper`. */
async function storeAndTamper(outputs: Record<string, Value>, tamper: (entry: StoredEntry) => StoredEntry) {
  const factory = freshFactory();
  const writer = makeCache(factory);
  writer.put('k', outputs);
  writer.put('other', { out: image(8, 4, 2) });
  await writer.close();
  const db = await rawDb(factory);
  await db.put('results', tamper((await db.get('results', 'k'))!));
  db.close();
  const cache = makeCache(factory);
  await cache.ready;
  return { factory, cache };
}

/** The entry is a miss: not served, counted as an integrity failure, deleted; the neighbour is untouched. */
async function expectMiss(factory: IDBFactory, cache: ReturnType<typeof makeCache>, key = 'k') {
  expect(await cache.get(key)).toBeUndefined();
  await cache.flush();
  expect(cache.stats.integrityFailures).toBe(1);
  expect(cache.stats.memory.entries).toBe(0);
  expect((await snapshot(factory)).resultKeys).toEqual(['other']);
  expect(sameBytes(imageOf(await cache.get('other')).data, image(8, 4, 2).data)).toBe(true);
  await cache.close();
}

function histogram(seed: number): Histogram {
  const bins = (k: number) => Uint32Array.from({ length: 256 }, (_, i) => (i * k + seed) % 97);
  return { kind: 'histogram', r: bins(1), g: bins(3), b: bins(5), a: bins(7), luma: bins(11), pixels: 32 };
}

const withOutput = <T,>(entry: StoredEntry, port: string, change: (v: T) => T): StoredEntry => ({
  ...entry,
  outputs: { ...entry.outputs, [port]: change(entry.outputs[port] as T) as StoredEntry['outputs'][string] },
});

describe('the checksum covers the whole entry, not only the pixels', () => {
  test('a proxy scale changed to another fraction is a miss', async () => {
    const proxy = { ...image(8, 4, 1), scale: 0.5 };
    const { factory, cache } = await storeAndTamper({ out: proxy }, (e) => withOutput<StoredImage>(e, 'out', (img) => ({ ...img, scale: 0.25 })));
    await expectMiss(factory, cache);
  });

  test('a proxy scale removed (a proxy passed off as full resolution) is a miss', async () => {
    const proxy = { ...image(8, 4, 1), scale: 0.5 };
    const { factory, cache } = await storeAndTamper({ out: proxy }, (e) =>
      withOutput<StoredImage>(e, 'out', ({ scale: _scale, ...img }) => img),
    );
    await expectMiss(factory, cache);
  });

  test('an untouched proxy entry is served with its scale', async () => {
    const proxy = { ...image(8, 4, 1), scale: 0.5 };
    const { cache } = await storeAndTamper({ out: proxy }, (e) => e);
    expect(imageOf(await cache.get('k')).scale).toBe(0.5);
    expect(cache.stats.integrityFailures).toBe(0);
    await cache.close();
  });

  test('a changed number output (a statistic) is a miss', async () => {
    const { factory, cache } = await storeAndTamper({ out: image(8, 4, 1), mean: 0.375 }, (e) =>
      withOutput<StoredNumber>(e, 'mean', (n) => ({ ...n, value: 0.5 })),
    );
    await expectMiss(factory, cache);
  });

  test('a number output alone, changed, is a miss', async () => {
    const { factory, cache } = await storeAndTamper({ count: 12 }, (e) => withOutput<StoredNumber>(e, 'count', (n) => ({ ...n, value: -0 })));
    await expectMiss(factory, cache);
  });

  test('one changed histogram bin is a miss', async () => {
    const { factory, cache } = await storeAndTamper({ hist: histogram(3) }, (e) =>
      withOutput<StoredHistogram>(e, 'hist', (h) => {
        const luma = new Uint32Array(h.luma);
        luma[128] = luma[128]! + 1;
        return { ...h, luma };
      }),
    );
    await expectMiss(factory, cache);
  });

  test('an entry moved under another key is a miss there', async () => {
    const { factory, cache } = await storeAndTamper({ out: image(8, 4, 1) }, (e) => e);
    const db = await rawDb(factory);
    const entry = (await db.get('results', 'k'))!;
    await db.delete('results', 'k');
    await db.put('results', { ...entry, key: 'moved' });
    await db.put('access', { key: 'moved', lastAccess: 1, bytes: entry.bytes });
    db.close();
    const fresh = makeCache(factory);
    expect(await fresh.get('moved')).toBeUndefined();
    await fresh.flush();
    expect(fresh.stats.integrityFailures).toBe(1);
    await fresh.close();
    await cache.close();
  });

  test('an untouched entry with numbers and a histogram is served as it was stored', async () => {
    const { cache } = await storeAndTamper({ out: image(8, 4, 1), mean: 0.375, hist: histogram(3) }, (e) => e);
    const got = (await cache.get('k'))!;
    expect(got.mean).toBe(0.375);
    expect(got.hist).toEqual(histogram(3));
    expect(cache.stats.integrityFailures).toBe(0);
    await cache.close();
  });

  test('an entry of the previous format (pixels checksummed alone) is dropped as a plain miss', async () => {
    const { factory, cache } = await storeAndTamper({ out: image(8, 4, 1) }, ({ checksum: _sum, ...e }) => ({ ...e, format: 1 }) as StoredEntry);
    expect(ENTRY_FORMAT).toBeGreaterThan(1);
    expect(await cache.get('k')).toBeUndefined();
    await cache.flush();
    expect(cache.stats.integrityFailures).toBe(0);
    expect((await snapshot(factory)).resultKeys).toEqual(['other']);
    await cache.close();
  });

  test('an entry without its checksum is a miss', async () => {
    const { factory, cache } = await storeAndTamper({ out: image(8, 4, 1) }, ({ checksum: _sum, ...e }) => e as StoredEntry);
    await expectMiss(factory, cache);
  });
});
