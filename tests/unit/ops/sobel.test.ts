import { describe, expect, test } from 'vitest';
import sobel from '../../../src/ops/sobel/kernel';
import { createImage } from '../../../src/ops/image';
import { resolveParams } from '../../../src/engine/params';
import type { Image } from '../../../src/ops/types';
import { ctx, randomImage, maxDiff, sameBytes } from './helpers';
import { clamp } from '../wasm/reference';

type Direction = 'both' | 'x' | 'y';

async function edges(img: Image, direction: Direction, signal?: AbortSignal, onProgress?: (p: number) => void): Promise<Image> {
  return (await sobel.kernel({ image: img }, resolveParams(sobel, { direction }), ctx(signal, onProgress))).image as Image;
}

/** Rec. 709 luma, Sobel gradients with clamped edges, scaled by 1/4, grey with the source alpha. */
function reference(img: Image, direction: Direction): Uint8ClampedArray {
  const { width: w, height: h, data } = img;
  const L = (x: number, y: number) => {
    const i = (clamp(y, h) * w + clamp(x, w)) * 4;
    return 0.2126 * data[i]! + 0.7152 * data[i + 1]! + 0.0722 * data[i + 2]!;
  };
  const out = new Uint8ClampedArray(data.length);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const gx = L(x + 1, y - 1) + 2 * L(x + 1, y) + L(x + 1, y + 1) - L(x - 1, y - 1) - 2 * L(x - 1, y) - L(x - 1, y + 1);
      const gy = L(x - 1, y + 1) + 2 * L(x, y + 1) + L(x + 1, y + 1) - L(x - 1, y - 1) - 2 * L(x, y - 1) - L(x + 1, y - 1);
      const g = direction === 'x' ? Math.abs(gx) : direction === 'y' ? Math.abs(gy) : Math.hypot(gx, gy);
      const v = Math.min(255, Math.round(g / 4));
      const o = (y * w + x) * 4;
      out.set([v, v, v, data[o + 3]!], o);
    }
  return out;
}

describe('sobel edges', () => {
  for (const [w, h] of [[1, 1], [3, 7], [1023, 5], [37, 21]] as const) {
    for (const d of ['both', 'x', 'y'] as const) {
      test(`matches the reference on a ${w}×${h} image (${d})`, async () => {
        const img = randomImage(w, h, w + h + d.length);
        const res = await edges(img, d);
        // float32 luma against float64: a rounding tie may land one level apart
        expect(maxDiff(res.data, reference(img, d))).toBeLessThanOrEqual(1);
      });
    }
  }

  test('scores a full black-to-white step 255 and flat areas 0', async () => {
    const img = createImage(8, 4);
    for (let y = 0; y < 4; y++) for (let x = 0; x < 8; x++) img.data.set(x < 4 ? [0, 0, 0, 255] : [255, 255, 255, 255], (y * 8 + x) * 4);
    const res = await edges(img, 'x');
    const at = (x: number) => res.data[(1 * 8 + x) * 4]!;
    expect(at(0)).toBe(0);
    expect(at(3)).toBe(255);
    expect(at(4)).toBe(255);
    expect(at(7)).toBe(0);
    expect(sameBytes((await edges(img, 'y')).data.filter((_, i) => (i & 3) === 0), new Uint8ClampedArray(32))).toBe(true);
  });

  test('keeps alpha', async () => {
    const img = randomImage(16, 9, 3);
    const res = await edges(img, 'both');
    for (let i = 3; i < img.data.length; i += 4) expect(res.data[i]).toBe(img.data[i]);
  });

  test('is deterministic', async () => {
    const img = randomImage(77, 13, 5);
    expect(sameBytes((await edges(img, 'both')).data, (await edges(img, 'both')).data)).toBe(true);
  });

  test('throws when the signal is aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(edges(randomImage(8, 8, 1), 'both', ac.signal)).rejects.toThrow();
  });

  test('reports progress several times, ending at 1', async () => {
    const seen: number[] = [];
    await edges(randomImage(1500, 1500, 3), 'both', undefined, (p) => seen.push(p));
    expect(seen.length).toBeGreaterThanOrEqual(4);
    expect(seen.at(-1)).toBe(1);
  });
});
