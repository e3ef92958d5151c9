import { describe, expect, test } from 'vitest';
import meanDifference from '../../../src/ops/mean-difference/kernel';
import { createImage } from '../../../src/ops/image';
import { ctx, randomImage } from './helpers';

describe('mean difference', () => {
  test('is the mean of |a − b| over every byte, against a reference', async () => {
    const a = randomImage(13, 7, 1);
    const b = randomImage(13, 7, 2);
    let s = 0;
    for (let i = 0; i < a.data.length; i++) s += Math.abs(a.data[i]! - b.data[i]!);
    const out = await meanDifference.kernel({ a, b }, {}, ctx());
    expect(out.mean).toBeCloseTo(s / a.data.length, 12);
  });

  test('is 0 for identical images', async () => {
    const a = randomImage(5, 5, 3);
    expect((await meanDifference.kernel({ a, b: a }, {}, ctx())).mean).toBe(0);
  });

  test('refuses images of different sizes with a clear message', () => {
    expect(() => meanDifference.kernel({ a: createImage(2, 2), b: createImage(3, 2) }, {}, ctx())).toThrow(/differ in size \(2×2 and 3×2\)/);
  });

  test('stops when aborted', () => {
    const c = new AbortController();
    c.abort();
    expect(() => meanDifference.kernel({ a: createImage(4, 4), b: createImage(4, 4) }, {}, ctx(c.signal))).toThrow();
  });
});
