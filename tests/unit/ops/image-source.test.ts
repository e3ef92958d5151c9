import { describe, expect, test } from 'vitest';
import source from '../../../src/ops/image-source';
import { ctx, randomImage } from './helpers';
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
