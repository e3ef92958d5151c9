import { describe, expect, test } from 'vitest';
import box from '../../../src/ops/box-blur/kernel';
import { createImage } from '../../../src/ops/image';
import { resolveParams } from '../../../src/engine/params';
import type { Image } from '../../../src/ops/types';
import { ctx, randomImage, maxDiff, sameBytes } from './helpers';
import { convolve1d, convolve2d, maxPremultipliedDiff, premultiplied, unpremultiplied } from '../wasm/reference';

async function blur(img: Image, radius: number, signal?: AbortSignal, onProgress?: (p: number) => void): Promise<Image> {
  return (await box.kernel({ image: img }, resolveParams(box, { radius }), ctx(signal, onProgress))).image as Image;
}

/** Direct 2-D mean over the (2r+1)² window of premultiplied colour, edges clamped. */
function direct(img: Image, r: number): Image {
  const n = (2 * r + 1) ** 2;
  return unpremultiplied(img.width, img.height, convolve2d(img.width, img.height, premultiplied(img), r, r, () => 1 / n));
}

/** The same mean as two 1-D means (the window is a product): affordable at radius 200. */
function reference(img: Image, r: number): Image {
  const wts = new Array<number>(2 * r + 1).fill(1 / (2 * r + 1));
  const { width: w, height: h } = img;
  return unpremultiplied(w, h, convolve1d(w, h, convolve1d(w, h, premultiplied(img), 0, wts), 1, wts));
}

// Exact integer sums; only the u16 row means are rounded (1/512 level), so at most one level
// differs where the exact mean sits on a rounding boundary.
describe('box blur', () => {
  for (const [w, h] of [[1, 1], [3, 7], [1023, 5]] as const) {
    for (const r of [1, 2, 7, 200]) {
      test(`matches the direct mean on a ${w}×${h} image at radius ${r}`, async () => {
        const opaque = randomImage(w, h, w + h * 3 + r, true);
        const res = await blur(opaque, r);
        expect(res.width).toBe(w);
        expect(maxDiff(res.data, reference(opaque, r).data)).toBeLessThanOrEqual(1);
        const translucent = randomImage(w, h, w * 3 + h + r);
        expect(maxPremultipliedDiff(await blur(translucent, r), reference(translucent, r))).toBeLessThanOrEqual(2);
      });
    }
  }

  test('matches the direct 2-D mean on a larger image', async () => {
    const img = randomImage(97, 61, 5);
    const exact = direct(img, 9);
    expect(maxDiff(exact.data, reference(img, 9).data)).toBe(0);
    expect(maxPremultipliedDiff(await blur(img, 9), exact)).toBeLessThanOrEqual(2);
  });

  test('keeps a uniform image exactly uniform', async () => {
    const img = createImage(31, 17);
    for (let i = 0; i < img.data.length; i += 4) img.data.set([3, 250, 128, 77], i);
    expect(sameBytes((await blur(img, 12)).data, img.data)).toBe(true);
  });

  test('has an impulse response that sums to one', async () => {
    const img = createImage(40, 40);
    for (let i = 3; i < img.data.length; i += 4) img.data[i] = 255;
    for (let y = 18; y < 21; y++) for (let x = 18; x < 21; x++) img.data.set([255, 255, 255, 255], (y * 40 + x) * 4);
    // radius 1: a 3×3 patch of 255 spreads to exact ninths, whose rounded sum is 9 × 255 here
    const res = await blur(img, 1);
    let sum = 0;
    for (let i = 0; i < res.data.length; i += 4) sum += res.data[i]!;
    expect(Math.abs(sum - 9 * 255)).toBeLessThanOrEqual(12);
    expect(maxDiff(res.data, reference(img, 1).data)).toBeLessThanOrEqual(1);
  });

  test('is deterministic', async () => {
    const img = randomImage(120, 33, 2);
    expect(sameBytes((await blur(img, 6)).data, (await blur(img, 6)).data)).toBe(true);
  });

  test('throws when the signal is aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(blur(randomImage(8, 8, 1), 2, ac.signal)).rejects.toThrow();
  });

  test('reports progress several times, ending at 1', async () => {
    const seen: number[] = [];
    await blur(randomImage(1200, 1200, 3, true), 10, undefined, (p) => seen.push(p));
    expect(seen.length).toBeGreaterThanOrEqual(4);
    expect(seen.at(-1)).toBe(1);
  });
});
