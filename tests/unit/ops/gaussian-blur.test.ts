import { describe, expect, test } from 'vitest';
import gaussian from '../../../src/ops/gaussian-blur/kernel';
import { FIR_LIMIT } from '../../../src/ops/gaussian-blur/recursive';
import { createImage } from '../../../src/ops/image';
import { resolveParams } from '../../../src/engine/params';
import type { Image } from '../../../src/ops/types';
import { ctx, randomImage, maxDiff, sameBytes } from './helpers';
import {
  convolve2d,
  gaussianReference,
  gaussianWeights,
  maxPremultipliedDiff,
  premultiplied,
  unpremultiplied,
} from '../wasm/reference';

// Accuracy against the exact convolution with the sampled, normalised gaussian (R = ceil(4σ)):
// below σ 1.5 the kernel is that FIR (float32), so at most 1 level from float64 rounding ties;
// from σ 1.5 the recursive filter, measured within 1 level on noise and hard edges for σ 1.5–100.
// Premultiplied colour of non-opaque images compares within 2 (straight 8-bit rounding on both sides).
const OPAQUE_TOLERANCE = 1;
const ALPHA_TOLERANCE = 2;

async function blur(img: Image, sigma: number, signal?: AbortSignal, onProgress?: (p: number) => void): Promise<Image> {
  return (await gaussian.kernel({ image: img }, resolveParams(gaussian, { sigma }), ctx(signal, onProgress))).image as Image;
}

function checkerboard(w: number, h: number, cell: number): Image {
  const img = createImage(w, h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const v = (Math.floor(x / cell) + Math.floor(y / cell)) & 1 ? 255 : 0;
      img.data.set([v, 255 - v, v >> 1, 255], (y * w + x) * 4);
    }
  return img;
}

describe('gaussian blur', () => {
  const sigmas = [0.3, 1, 1.6, 3, 8, 30];
  for (const [w, h] of [[1, 1], [3, 7], [1023, 5]] as const) {
    for (const sigma of sigmas) {
      test(`matches the exact convolution on a ${w}×${h} image at σ ${sigma}`, async () => {
        const opaque = randomImage(w, h, w * 7 + h + sigma, true);
        const res = await blur(opaque, sigma);
        expect(res.width).toBe(w);
        expect(res.height).toBe(h);
        expect(maxDiff(res.data, gaussianReference(opaque, sigma).data)).toBeLessThanOrEqual(OPAQUE_TOLERANCE);
        const translucent = randomImage(w, h, w * 5 + h + sigma);
        expect(maxPremultipliedDiff(await blur(translucent, sigma), gaussianReference(translucent, sigma))).toBeLessThanOrEqual(ALPHA_TOLERANCE);
      });
    }
  }

  for (const sigma of [1, 2.5, 6, 25, 100]) {
    test(`stays within ${OPAQUE_TOLERANCE} level of exact on hard edges at σ ${sigma}`, async () => {
      const img = checkerboard(160, 120, Math.max(2, Math.round(sigma * 2)));
      expect(maxDiff((await blur(img, sigma)).data, gaussianReference(img, sigma).data)).toBeLessThanOrEqual(OPAQUE_TOLERANCE);
    });
  }

  test('the separable reference equals the direct 2-D convolution', () => {
    const img = randomImage(9, 6, 4);
    const wts = gaussianWeights(1.3);
    const r = (wts.length - 1) / 2;
    const direct = unpremultiplied(9, 6, convolve2d(9, 6, premultiplied(img), r, r, (dx, dy) => wts[dx + r]! * wts[dy + r]!));
    expect(maxDiff(direct.data, gaussianReference(img, 1.3).data)).toBe(0);
  });

  test('uses the recursive filter from σ 1.5', () => {
    expect(FIR_LIMIT).toBe(1.5);
  });

  test('handles a σ far larger than the image (edges extend)', async () => {
    const img = randomImage(3, 7, 11, true);
    expect(maxDiff((await blur(img, 100)).data, gaussianReference(img, 100).data)).toBeLessThanOrEqual(OPAQUE_TOLERANCE);
  });

  for (const sigma of [0.5, 2, 40]) {
    test(`keeps a uniform image exactly uniform at σ ${sigma}`, async () => {
      const img = createImage(37, 29);
      for (let i = 0; i < img.data.length; i += 4) img.data.set([200, 17, 99, 140], i);
      expect(sameBytes((await blur(img, sigma)).data, img.data)).toBe(true);
    });
  }

  for (const sigma of [1, 3, 5]) {
    test(`has an impulse response that sums to one at σ ${sigma}`, async () => {
      // a white 8×8 square far from the edges: 8-bit output cannot show a single impulse's tails,
      // but the total of a brighter patch must be kept (to rounding noise, well under 0.5 %)
      const img = createImage(128, 128);
      for (let i = 3; i < img.data.length; i += 4) img.data[i] = 255;
      for (let y = 60; y < 68; y++) for (let x = 60; x < 68; x++) img.data.set([255, 255, 255, 255], (y * 128 + x) * 4);
      const res = await blur(img, sigma);
      let sum = 0;
      for (let i = 0; i < res.data.length; i += 4) sum += res.data[i]!;
      expect(Math.abs(sum / (64 * 255) - 1)).toBeLessThan(0.005);
      expect(maxDiff(res.data, gaussianReference(img, sigma).data)).toBeLessThanOrEqual(OPAQUE_TOLERANCE);
    });
  }

  test('does not bleed the colour of transparent pixels', async () => {
    const img = createImage(20, 1);
    for (let x = 0; x < 20; x++) img.data.set(x < 10 ? [255, 0, 0, 255] : [0, 255, 0, 0], x * 4);
    const res = await blur(img, 3);
    for (let x = 0; x < 20; x++) if (res.data[x * 4 + 3]! > 0) expect(res.data[x * 4 + 1]).toBe(0);
  });

  test('is deterministic', async () => {
    const img = randomImage(301, 53, 9);
    expect(sameBytes((await blur(img, 4.2)).data, (await blur(img, 4.2)).data)).toBe(true);
  });

  test('throws when the signal is aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(blur(randomImage(8, 8, 1), 3, ac.signal)).rejects.toThrow();
  });

  test('stops between bands when aborted while running', async () => {
    const ac = new AbortController();
    const seen: number[] = [];
    const run = blur(randomImage(1500, 1500, 2, true), 5, ac.signal, (p) => {
      seen.push(p);
      ac.abort();
    });
    await expect(run).rejects.toThrow();
    expect(seen.length).toBe(1);
  });

  test('reports progress several times, ending at 1', async () => {
    const seen: number[] = [];
    await blur(randomImage(1500, 1500, 2, true), 5, undefined, (p) => seen.push(p));
    expect(seen.length).toBeGreaterThanOrEqual(4);
    expect(seen.at(-1)).toBe(1);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
  });
});
