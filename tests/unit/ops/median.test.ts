import { describe, expect, test } from 'vitest';
import median from '../../../src/ops/median/kernel';
import { createImage } from '../../../src/ops/image';
import { resolveParams } from '../../../src/engine/params';
import type { Image } from '../../../src/ops/types';
import { ctx, randomImage, rng, maxDiff, sameBytes } from './helpers';
import { clamp } from '../wasm/reference';

async function filter(img: Image, radius: number, signal?: AbortSignal, onProgress?: (p: number) => void): Promise<Image> {
  return (await median.kernel({ image: img }, resolveParams(median, { radius }), ctx(signal, onProgress))).image as Image;
}

/** Brute force: sort each channel's (2r+1)² clamped neighbourhood and take the middle value. */
function reference(img: Image, r: number): Uint8ClampedArray {
  const { width: w, height: h, data } = img;
  const out = new Uint8ClampedArray(data.length);
  const win = new Uint8Array((2 * r + 1) ** 2);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let c = 0; c < 4; c++) {
        let k = 0;
        for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) win[k++] = data[(clamp(y + dy, h) * w + clamp(x + dx, w)) * 4 + c]!;
        win.sort();
        out[(y * w + x) * 4 + c] = win[win.length >> 1]!;
      }
  return out;
}

describe('median', () => {
  for (const [w, h] of [[1, 1], [3, 7], [1023, 5]] as const) {
    for (const r of [1, 2, 5, 10]) {
      test(`matches brute force on a ${w}×${h} image at radius ${r}`, async () => {
        const img = randomImage(w, h, w * 11 + h + r);
        const res = await filter(img, r);
        expect(res.width).toBe(w);
        expect(maxDiff(res.data, reference(img, r))).toBe(0);
      });
    }
  }

  test('radius 2 (the selection network) matches brute force on tiny, odd and narrow images, alpha included', async () => {
    // widths around the four-pixel step and the two-pixel padding, heights under and over the window
    for (const [w, h] of [[1, 1], [2, 2], [4, 1], [1, 9], [5, 5], [6, 3], [7, 2], [17, 13], [258, 9]] as const) {
      const img = randomImage(w, h, w * 97 + h);
      expect(maxDiff((await filter(img, 2)).data, reference(img, 2)), `${w}×${h}`).toBe(0);
    }
  });

  test('radii 3 to 6 (the sorting networks) match brute force around the 16-column block and the 8-row tile', async () => {
    for (const r of [3, 4, 5, 6]) {
      for (const [w, h] of [[1, 1], [15, 8], [16, 9], [17, 7], [33, 25], [2, 40], [19, 57], [70, 3]] as const) {
        for (const opaque of [false, true]) {
          const img = randomImage(w, h, w * 31 + h * 7 + r, opaque);
          expect(maxDiff((await filter(img, r)).data, reference(img, r)), `r ${r}, ${w}×${h}${opaque ? ', opaque' : ''}`).toBe(0);
        }
      }
    }
  });

  test('radius 2 takes the median of each channel on its own, at the borders too', async () => {
    // a 5×5 image whose channels follow different orders: every window, clamped at the edges, differs by channel
    const img = createImage(5, 5);
    for (let i = 0; i < 25; i++) img.data.set([i * 10, 240 - i * 10, (i * 7) % 25 * 10, i % 2 ? 255 : 0], i * 4);
    const res = await filter(img, 2);
    expect(maxDiff(res.data, reference(img, 2))).toBe(0);
    // the centre pixel's window is the whole image: the median of 0, 10 … 240 is 120 on red and green
    expect([...res.data.subarray(12 * 4, 12 * 4 + 4)]).toEqual([120, 120, 120, 0]);
  });

  test('an opaque image (alpha skipped by the histogram path) matches brute force and stays opaque', async () => {
    for (const r of [3, 6]) {
      const img = randomImage(300, 17, r, true);
      const res = await filter(img, r);
      expect(maxDiff(res.data, reference(img, r)), `radius ${r}`).toBe(0);
      expect(res.data.every((v, i) => (i & 3) !== 3 || v === 255)).toBe(true);
    }
  });

  test('a transparent block makes the histogram path filter alpha too', async () => {
    const img = randomImage(40, 30, 8, true);
    for (let y = 5; y < 20; y++) for (let x = 10; x < 25; x++) img.data[(y * 40 + x) * 4 + 3] = 0;
    const res = await filter(img, 3);
    expect(maxDiff(res.data, reference(img, 3))).toBe(0);
    expect(res.data[(12 * 40 + 17) * 4 + 3]).toBe(0);
  });

  test('matches brute force across several stripes of a wider image', async () => {
    const img = randomImage(600, 23, 12);
    expect(maxDiff((await filter(img, 3)).data, reference(img, 3))).toBe(0);
  });

  test('matches brute force on a smooth image with few distinct levels', async () => {
    const img = createImage(70, 50);
    const rand = rng(4);
    for (let i = 0; i < img.data.length; i++) img.data[i] = ((i >> 2) % 70) + Math.floor(rand() * 3);
    expect(maxDiff((await filter(img, 4)).data, reference(img, 4))).toBe(0);
  });

  test('removes salt-and-pepper specks from a flat image', async () => {
    const img = createImage(30, 30);
    for (let i = 0; i < img.data.length; i += 4) img.data.set([90, 90, 90, 255], i);
    for (const p of [37, 200, 555, 801]) img.data.set([255, 0, 255, 255], p * 4);
    const res = await filter(img, 1);
    for (let i = 0; i < res.data.length; i += 4) expect(res.data[i]).toBe(90);
  });

  test('keeps a uniform image uniform', async () => {
    const img = createImage(20, 20);
    for (let i = 0; i < img.data.length; i += 4) img.data.set([1, 2, 3, 4], i);
    expect(sameBytes((await filter(img, 10)).data, img.data)).toBe(true);
  });

  test('is deterministic', async () => {
    const img = randomImage(300, 20, 2);
    expect(sameBytes((await filter(img, 2)).data, (await filter(img, 2)).data)).toBe(true);
  });

  test('throws when the signal is aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(filter(randomImage(8, 8, 1), 2, ac.signal)).rejects.toThrow();
  });

  test('reports progress several times, ending at 1', async () => {
    const seen: number[] = [];
    await filter(randomImage(800, 300, 3), 2, undefined, (p) => seen.push(p));
    expect(seen.length).toBeGreaterThanOrEqual(4);
    expect(seen.at(-1)).toBe(1);
  });

  test('the networks (radius 5) and the histograms (radius 8) report rising progress, ending at 1', async () => {
    for (const r of [5, 8]) {
      const seen: number[] = [];
      await filter(randomImage(800, 300, r, true), r, undefined, (p) => seen.push(p));
      expect(seen.length, `radius ${r}`).toBeGreaterThanOrEqual(4);
      expect(seen.every((p, i) => p <= 1 && (i === 0 || p >= seen[i - 1]!)), `radius ${r}`).toBe(true);
      expect(seen.at(-1), `radius ${r}`).toBe(1);
    }
  });
});
