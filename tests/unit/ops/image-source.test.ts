import { describe, expect, test } from 'vitest';
import source from '../../../src/ops/image-source/kernel';
import { ctx, maxDiff, randomImage, sameBytes } from './helpers';
import type { Image } from '../../../src/ops/types';

const id = '0123456789abcdef0123456789abcdef';

describe('image source', () => {
  test('gives the asset it names, without copying it', async () => {
    const img = randomImage(5, 3, 9);
    const out = await source.kernel({}, { asset: id }, { ...ctx(), assets: new Map([[id, img]]) });
    expect((out.image as Image).data).toBe(img.data);
  });

  test('with no image chosen it says how to load one', async () => {
    await expect(Promise.resolve().then(() => source.kernel({}, { asset: '' }, { ...ctx(), assets: new Map() }))).rejects.toThrow(
      /No image loaded/,
    );
  });

  test('a missing asset is reported, not replaced by anything', async () => {
    await expect(Promise.resolve().then(() => source.kernel({}, { asset: id }, { ...ctx(), assets: new Map() }))).rejects.toThrow(
      /no longer available/,
    );
  });
});

describe('image source in a proxy run', () => {
  test('gives a reduced copy of at most the proxy size, marked with its scale; the asset is untouched', async () => {
    const img = randomImage(400, 300, 4, true);
    const before = img.data.slice();
    const out = (await source.kernel({}, { asset: id }, { ...ctx(), assets: new Map([[id, img]]), proxy: 10_000 })).image as Image;
    expect(out.width * out.height).toBeLessThanOrEqual(10_000);
    expect(out.width).toBe(112);
    expect(out.height).toBe(84);
    expect(out.scale).toBe(0.28); // both sides by the same factor
    expect(sameBytes(img.data, before)).toBe(true);
    // an area-like reduction: a flat image stays flat
    const flat = randomImage(400, 300, 4, true);
    for (let i = 0; i < flat.data.length; i += 4) flat.data.set([200, 100, 50, 255], i);
    const f = (await source.kernel({}, { asset: id }, { ...ctx(), assets: new Map([[id, flat]]), proxy: 10_000 })).image as Image;
    expect(maxDiff(f.data, new Uint8ClampedArray(f.data.length).map((_, i) => [200, 100, 50, 255][i % 4]!))).toBeLessThanOrEqual(1);
  });

  test('an image already within the proxy size is given as it is, at full scale', async () => {
    const img = randomImage(50, 40, 2);
    const out = (await source.kernel({}, { asset: id }, { ...ctx(), assets: new Map([[id, img]]), proxy: 10_000 })).image as Image;
    expect(out.data).toBe(img.data);
    expect(out.scale).toBeUndefined();
  });
});
