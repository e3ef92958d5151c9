import { describe, expect, test } from 'vitest';
import convolve from '../../../src/ops/convolve';
import { createImage } from '../../../src/ops/image';
import { resolveParams } from '../../../src/engine/params';
import type { Image } from '../../../src/ops/types';
import { ctx, randomImage, rng, maxDiff, sameBytes } from './helpers';
import { clamp } from '../wasm/reference';

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

  test('reports progress several times, ending at 1', async () => {
    const seen: number[] = [];
    await run(randomImage(1500, 1500, 3), { matrix: randomMatrix(3, 1) }, undefined, (p) => seen.push(p));
    expect(seen.length).toBeGreaterThanOrEqual(4);
    expect(seen.at(-1)).toBe(1);
  });
});
