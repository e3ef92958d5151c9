import { describe, expect, test } from 'vitest';
import { AssetStore } from '../../../src/workers/assets';
import { createImage } from '../../../src/ops/image';
import type { Image } from '../../../src/ops/types';

describe('AssetStore', () => {
  test('resolve answers a held image at once, and asks the loader once for a missing one however many wait', async () => {
    const store = new AssetStore();
    const held = createImage(2, 2);
    store.add('held', held);
    expect(store.resolve('missing')).toBeUndefined(); // no loader: nothing to wait for
    const asked: string[] = [];
    store.loader = async (id) => {
      asked.push(id);
      await new Promise((r) => setTimeout(r, 5));
      return id === 'stored' ? createImage(3, 1) : undefined;
    };
    expect(store.resolve('held')).toBe(held);
    const [a, b] = await Promise.all([store.resolve('stored'), store.resolve('stored')]);
    expect(a).toBe(b);
    expect((a as Image).width).toBe(3);
    expect(asked).toEqual(['stored']);
    expect(store.resolve('stored')).toBe(a); // kept: held from now on
    expect(await store.resolve('gone')).toBeUndefined();
    store.loader = () => Promise.reject(new Error('disk on fire'));
    expect(await store.resolve('other')).toBeUndefined();
  });
});
