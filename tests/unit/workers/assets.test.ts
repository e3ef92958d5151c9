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

  test('trim lets go of the oldest images nothing keeps or pins, down to the spare budget', () => {
    const store = new AssetStore();
    const img = () => createImage(10, 10); // 400 bytes
    for (const id of ['a', 'b', 'c', 'd', 'e']) store.add(id, img());
    store.add('a', store.get('a')!); // added again: now the newest
    const unpin = store.pin('b');
    // Kept: 'c' (the graph uses it), 'b' (pinned); spare: d, e, a (oldest first); room for two.
    expect(store.trim(new Set(['c']), 800)).toBe(1);
    expect([...store.ids()].sort()).toEqual(['a', 'b', 'c', 'e']);
    expect(store.trim(new Set(['c']), 0)).toBe(2);
    expect([...store.ids()].sort()).toEqual(['b', 'c']);
    unpin();
    unpin(); // twice is once
    expect(store.trim(new Set(['c']), 0)).toBe(1);
    expect([...store.ids()]).toEqual(['c']);
    // Two pins on one id: it stays until both are let go.
    store.add('p', img());
    const [u1, u2] = [store.pin('p'), store.pin('p')];
    u1();
    expect(store.trim(new Set(), 0)).toBe(1); // 'c' goes, 'p' stays
    u2();
    expect(store.trim(new Set(), 0)).toBe(1);
    expect(store.size).toBe(0);
  });
});
