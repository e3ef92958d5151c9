import { describe, expect, test } from 'vitest';
import op from '../../../src/ops/grayscale/kernel';
import { resolveParams } from '../../../src/engine/params';
import type { Params } from '../../../src/engine/op';
import type { Image } from '../../../src/ops/types';
import { createImage } from '../../../src/ops/image';
import { ctx, randomImage, maxDiff, sameBytes, imageKernelContract, imageRunner, edgeImage, alpha } from './helpers';

const run = imageRunner(op);

const METHODS = ['rec709', 'rec601', 'average', 'lightness'] as const;

/** The method's grey rounded half up; the luma sums are scaled to whole numbers so ties round exactly. */
function grayOf(method: string, r: number, g: number, b: number): number {
  switch (method) {
    case 'rec709':
      return Math.floor((2126 * r + 7152 * g + 722 * b + 5000) / 10000);
    case 'rec601':
      return Math.floor((299 * r + 587 * g + 114 * b + 500) / 1000);
    case 'average':
      return Math.round((r + g + b) / 3);
    default:
      return Math.round((Math.max(r, g, b) + Math.min(r, g, b)) / 2);
  }
}

/** Reference: the method's grey on all three channels; alpha untouched. */
function reference(data: Uint8ClampedArray, method: string): Uint8ClampedArray {
  const out = new Uint8ClampedArray(data.length);
  for (let i = 0; i < data.length; i += 4) {
    const y = grayOf(method, data[i]!, data[i + 1]!, data[i + 2]!);
    out[i] = y;
    out[i + 1] = y;
    out[i + 2] = y;
    out[i + 3] = data[i + 3]!;
  }
  return out;
}

describe('grayscale', () => {
  for (const method of METHODS) {
    for (const [w, h] of [[1, 1], [3, 7], [1023, 5]] as const) {
      test(`${method} matches the reference exactly on a ${w}×${h} image`, async () => {
        const img = randomImage(w, h, w * 31 + h);
        const res = await run(img, { method });
        expect(res.width).toBe(w);
        expect(res.height).toBe(h);
        expect(maxDiff(res.data, reference(img.data, method))).toBe(0);
      });
    }

    test(`${method} matches the reference exactly on every level`, async () => {
      const img = edgeImage();
      expect(maxDiff((await run(img, { method })).data, reference(img.data, method))).toBe(0);
    });

    test(`${method} leaves grey pixels unchanged`, async () => {
      const img = edgeImage();
      const res = await run(img, { method });
      expect(maxDiff(res.data.subarray(0, 256 * 4), img.data.subarray(0, 256 * 4))).toBe(0);
    });
  }

  test('the default method is Rec. 709 luma', async () => {
    const img = randomImage(17, 5, 21);
    expect(sameBytes((await run(img)).data, (await run(img, { method: 'rec709' })).data)).toBe(true);
  });

  test('pure red, green and blue get their Rec. 709 weights', async () => {
    const img = createImage(3, 1);
    img.data.set([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255]);
    const d = (await run(img)).data;
    expect([d[0], d[4], d[8]]).toEqual([54, 182, 18]);
  });

  test('a Rec. 709 luma exactly halfway between levels rounds up', async () => {
    // 0.7152 · 14 + 0.0722 · 76 is exactly 15.5, which floating point would round down to 15.
    const img = createImage(1, 1);
    img.data.set([0, 14, 76, 255]);
    expect((await run(img)).data[0]).toBe(16);
  });

  test('every output pixel has equal red, green and blue', async () => {
    const img = randomImage(50, 4, 22);
    for (const method of METHODS) {
      const d = (await run(img, { method })).data;
      let unequal = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i] !== d[i + 1] || d[i] !== d[i + 2]) unequal++;
      expect(unequal).toBe(0);
    }
  });

  test('keeps alpha with every method', async () => {
    const img = randomImage(61, 13, 3);
    for (const method of METHODS) {
      const res = await run(img, { method });
      expect(sameBytes(alpha(res.data), alpha(img.data))).toBe(true);
    }
  });

  // The SIMD kernel against the per-byte formulas it replaced, on every colour: the first 2²⁴
  // pixels of an odd-sized image hold all of them (the rest wrap around, so the last chunk ends in the
  // kernel's partial steps), with alphas spread over all 256 values. Loops, not toEqual: ~1 s.
  test('every method gives the old per-byte result for all 2^24 colours and keeps every alpha', async () => {
    const w = 4103;
    const h = 4091;
    const n = w * h;
    const img = createImage(w, h);
    const src = new Uint32Array(img.data.buffer, img.data.byteOffset, n);
    for (let t = 0; t < n; t++) src[t] = (((Math.imul(t, 0x9e3779b1) >>> 24) << 24) | (t & 0xffffff)) >>> 0;
    const expected: Record<(typeof METHODS)[number], (r: number, g: number, b: number) => number> = {
      rec709: (r, g, b) => ((2126 * r + 7152 * g + 722 * b + 5000) / 10000) | 0,
      rec601: (r, g, b) => ((299 * r + 587 * g + 114 * b + 500) / 1000) | 0,
      average: (r, g, b) => Math.round((r + g + b) / 3),
      lightness: (r, g, b) => {
        const max = r > g ? (r > b ? r : b) : g > b ? g : b;
        const min = r < g ? (r < b ? r : b) : g < b ? g : b;
        return (max + min + 1) >> 1;
      },
    };
    for (const method of METHODS) {
      const res = await run(img, { method });
      const out = new Uint32Array(res.data.buffer, res.data.byteOffset, n);
      const grey = expected[method];
      let bad = 0;
      let firstBad = -1;
      for (let t = 0; t < n; t++) {
        const p = src[t]!;
        const y = grey(p & 255, (p >>> 8) & 255, (p >>> 16) & 255);
        if (out[t] !== ((p & 0xff000000) | (y * 0x010101)) >>> 0) {
          if (bad++ === 0) firstBad = t;
        }
      }
      expect({ method, bad, firstBad }).toEqual({ method, bad: 0, firstBad: -1 });
    }
  }, 30_000);

  test('every image length, so each partial step of the kernel is taken', async () => {
    for (const method of METHODS) {
      for (let w = 1; w <= 40; w++) {
        const img = randomImage(w, 1, w * 7 + 1);
        expect(maxDiff((await run(img, { method })).data, reference(img.data, method))).toBe(0);
      }
    }
  });

  imageKernelContract(run, { method: 'lightness' });
});
