import { describe, expect, test } from 'vitest';
import convolve from '../../../src/ops/convolve/kernel';
import { createImage } from '../../../src/ops/image';
import { resolveParams } from '../../../src/engine/params';
import type { Image } from '../../../src/ops/types';
import { ctx, randomImage, rng, maxDiff, sameBytes } from './helpers';
import { clamp } from '../wasm/reference';
import { loadKernels } from '../../../src/wasm';

interface P {
  matrix: number[];
  divisor?: number;
  bias?: number;
}

async function run(img: Image, p: P, signal?: AbortSignal, onProgress?: (p: number) => void): Promise<Image> {
  return (await convolve.kernel({ image: img }, resolveParams(convolve, { ...p }), ctx(signal, onProgress))).image as Image;
}

/** Direct correlation of straight colour with clamped edges; divisor 0 means the sum (or 1); alpha kept. */
function reference(img: Image, p: P): Uint8ClampedArray {
  const { width: w, height: h, data } = img;
  const n = Math.sqrt(p.matrix.length);
  const r = (n - 1) / 2;
  const sum = p.matrix.reduce((a, b) => a + b, 0);
  const div = p.divisor || sum || 1;
  const out = new Uint8ClampedArray(data.length);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 4;
      for (let c = 0; c < 3; c++) {
        let acc = 0;
        for (let j = -r; j <= r; j++)
          for (let i = -r; i <= r; i++) acc += p.matrix[(j + r) * n + i + r]! * data[(clamp(y + j, h) * w + clamp(x + i, w)) * 4 + c]!;
        out[o + c] = Math.round(acc / div + (p.bias ?? 0));
      }
      out[o + 3] = data[o + 3]!;
    }
  return out;
}

function randomMatrix(n: number, seed: number): number[] {
  const r = rng(seed);
  return Array.from({ length: n * n }, () => Math.round((r() - 0.4) * 20) / 4);
}

describe('custom convolution', () => {
  for (const [w, h] of [[1, 1], [3, 7], [1023, 5], [40, 31]] as const) {
    for (const n of [3, 5, 7]) {
      test(`matches direct correlation on a ${w}×${h} image with a ${n}×${n} kernel`, async () => {
        const img = randomImage(w, h, w + h + n);
        const p = { matrix: randomMatrix(n, n + w), divisor: 0, bias: 7 };
        const res = await run(img, p);
        expect(res.width).toBe(w);
        // float32 sums against float64: at most a rounding tie apart
        expect(maxDiff(res.data, reference(img, p))).toBeLessThanOrEqual(1);
      });
    }
  }

  test('applies an explicit divisor and a negative bias', async () => {
    const img = randomImage(20, 20, 4);
    const p = { matrix: [1, 2, 1, 2, 4, 2, 1, 2, 1], divisor: 32, bias: -20 };
    expect(maxDiff((await run(img, p)).data, reference(img, p))).toBeLessThanOrEqual(1);
  });

  test('uses a divisor of 1 when the entries sum to zero', async () => {
    const img = randomImage(20, 20, 5);
    const p = { matrix: [-1, 0, 1, -2, 0, 2, -1, 0, 1], divisor: 0, bias: 128 };
    expect(maxDiff((await run(img, p)).data, reference(img, p))).toBeLessThanOrEqual(1);
  });

  test('the identity kernel changes nothing', async () => {
    const img = randomImage(33, 12, 6);
    const m = new Array(25).fill(0);
    m[12] = 1;
    expect(sameBytes((await run(img, { matrix: m })).data, img.data)).toBe(true);
  });

  test('keeps a uniform image uniform under a normalised kernel', async () => {
    const img = createImage(15, 15);
    for (let i = 0; i < img.data.length; i += 4) img.data.set([60, 120, 180, 200], i);
    expect(sameBytes((await run(img, { matrix: new Array(49).fill(1) })).data, img.data)).toBe(true);
  });

  test('is deterministic', async () => {
    const img = randomImage(51, 17, 7);
    const p = { matrix: randomMatrix(5, 3) };
    expect(sameBytes((await run(img, p)).data, (await run(img, p)).data)).toBe(true);
  });

  test('throws when the signal is aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(run(randomImage(8, 8, 1), { matrix: [0, 0, 0, 0, 1, 0, 0, 0, 0] }, ac.signal)).rejects.toThrow();
  });

  // The 16-bit integer 3×3 kernel (taken when every weight and the bias are whole and sums stay
  // within ±32767) must give the f32 kernel's bytes exactly, and the op must too whichever it takes.
  describe('3×3 integer path', () => {
    /** One of the two WASM kernels straight, rows in bands of `band`. */
    async function kernelPath(img: Image, weights: readonly number[], bias: number, fast: boolean, band: number): Promise<Uint8Array> {
      const k = await loadKernels();
      const arena = k.arena();
      const { width: w, height: h } = img;
      const row = w * 4;
      if (fast) {
        const wts = arena.alloc(9 * 4);
        const ringBytes = (band + 2) * k.fn.conv3Stride(w);
        const ring = arena.alloc(ringBytes);
        const buf = arena.alloc(band * row);
        k.i32(wts, 9).set(weights);
        k.fn.conv3Setup(w, h, wts, bias, ring, band + 2, 0);
        const out = new Uint8Array(w * h * 4);
        let next = 0;
        for (let y = 0; y < h; y += band) {
          const y1 = Math.min(h, y + band);
          for (; next <= Math.min(h - 1, y1); next++) k.bytes(k.fn.conv3Row(next), row).set(img.data.subarray(next * row, next * row + row));
          k.fn.conv3Rows(y, y1, buf);
          out.set(k.bytes(buf, (y1 - y) * row), y * row);
        }
        return out;
      }
      const p = arena.copyIn(img.data);
      const wts = arena.alloc(9 * 4 + 3 * 4);
      const ring = arena.alloc(3 * (w + 6) * 16);
      k.setF32(wts, weights);
      k.fn.convolveSetup(w, h, p, p, 3, wts, bias, ring);
      for (let y = 0; y < h; y += band) k.fn.convolveRows(y, Math.min(h, y + band));
      return k.bytes(p, w * h * 4).slice();
    }

    const SIZES = [[1, 1], [1, 9], [9, 1], [2, 2], [3, 5], [5, 3], [7, 4], [8, 3], [11, 6], [12, 2], [13, 13], [97, 31], [1023, 3]] as const;

    /**
     * Whole entries in ±`m`. 'cross': corners 0 (the five-tap loop); 'plus': corners 0 and the four
     * edges equal (neighbours summed before one multiply, like sharpen); 'full': nine taps.
     */
    function intMatrix(r: () => number, m: number, shape: 'full' | 'cross' | 'plus'): number[] {
      const out = Array.from({ length: 9 }, () => Math.round((r() * 2 - 1) * m));
      if (shape !== 'full') for (const i of [0, 2, 6, 8]) out[i] = 0;
      if (shape === 'plus') for (const i of [3, 5, 7]) out[i] = out[1]!;
      return out;
    }
    const SHAPES = ['full', 'cross', 'plus'] as const;

    test('gives the f32 kernel\'s bytes on random images, whole matrices and biases, any bands', async () => {
      const r = rng(99);
      let cases = 0;
      for (const [w, h] of SIZES) {
        for (let t = 0; t < 6; t++) {
          const img = randomImage(w, h, w * 1000 + h * 10 + t);
          // up to ±14 per entry keeps 255 · Σ|w| + |bias| inside ±32767
          const m = intMatrix(r, t < 3 ? 3 : 14, SHAPES[t % 3]!);
          const bias = t === 5 ? 0 : Math.round((r() * 2 - 1) * 255);
          const band = 1 + Math.floor(r() * h);
          const fast = await kernelPath(img, m, bias, true, band);
          const slow = await kernelPath(img, m, bias, false, 1 + Math.floor(r() * h));
          expect(sameBytes(fast, slow), `${w}×${h} [${m}] bias ${bias}`).toBe(true);
          cases++;
        }
      }
      expect(cases).toBe(SIZES.length * 6);
    });

    test('saturates the same way at both ends of the 16-bit range', async () => {
      const img = randomImage(21, 9, 5);
      for (const d of [0, 255]) for (let i = 0; i < img.data.length; i += 4 * 3) img.data.fill(d, i, i + 3);
      // 255 · (14 · 9) + 2 = 32132 with every entry ±14: the largest sums the path accepts
      const cases = [
        [new Array(9).fill(14), 2],
        [new Array(9).fill(-14), -2],
        [[-14, 14, -14, 14, -14, 14, -14, 14, -14], 255],
        [[0, -14, 0, -14, 14, -14, 0, -14, 0], 255],
        [[0, 14, 0, 14, -14, 14, 0, 14, 0], -255],
      ] as const;
      for (const [m, bias] of cases) {
        expect(sameBytes(await kernelPath(img, m, bias, true, 4), await kernelPath(img, m, bias, false, 9))).toBe(true);
      }
    });

    test('the op gives the f32 kernel\'s bytes with whole and fractional matrices, divisors and biases', async () => {
      const r = rng(7);
      for (const [w, h] of SIZES) {
        for (let t = 0; t < 8; t++) {
          const img = randomImage(w, h, w * 77 + h + t);
          let matrix = intMatrix(r, [2, 6, 14, 40][t % 4]!, SHAPES[t % 3]!);
          // whole: divisor 1, or a kernel summing to 1 (sharpen-like) with divisor 0; else fractional
          let divisor = t < 2 ? 1 : t < 4 ? 0 : [3, 7, 16, -2][t - 4]!;
          if (t === 2 || t === 3) matrix[4] = matrix[4]! + 1 - matrix.reduce((a, b) => a + b, 0);
          if (t === 7) matrix = matrix.map((v) => v / 4);
          if (t === 6) divisor = 0;
          const bias = t % 2 ? Math.round((r() * 2 - 1) * 255) : [0, 0.5, -7.25, 100][t >> 1]!;
          const sum = matrix.reduce((a, b) => a + b, 0);
          const weights = matrix.map((v) => v / (divisor || sum || 1));
          const expected = await kernelPath(img, weights, bias, false, h);
          const got = (await run(img, { matrix, divisor, bias })).data;
          expect(sameBytes(got, expected), `${w}×${h} [${matrix}] / ${divisor} + ${bias}`).toBe(true);
        }
      }
    });

    test('the bench\'s sharpen takes the integer path and still matches the f32 kernel', async () => {
      const img = randomImage(401, 33, 8);
      const m = [0, -1, 0, -1, 5, -1, 0, -1, 0];
      const viaOp = (await run(img, { matrix: m })).data;
      expect(sameBytes(viaOp, await kernelPath(img, m, 0, true, 33))).toBe(true);
      expect(sameBytes(viaOp, await kernelPath(img, m, 0, false, 33))).toBe(true);
    });
  });

  test('reports progress several times, ending at 1', async () => {
    const seen: number[] = [];
    await run(randomImage(1500, 1500, 3), { matrix: randomMatrix(3, 1) }, undefined, (p) => seen.push(p));
    expect(seen.length).toBeGreaterThanOrEqual(4);
    expect(seen.at(-1)).toBe(1);
  });
});
