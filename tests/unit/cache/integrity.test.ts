import { afterEach, describe, expect, test, vi } from 'vitest';
import { fakeBitmap, fakeThumbnailCodec, freshFactory, image, imageOf, makeCache, rawDb, sameBytes, snapshot } from './helpers';
import type { StoredEntry, StoredImage } from '../../../src/cache/entry';
import type { Value } from '../../../src/ops/types';

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
