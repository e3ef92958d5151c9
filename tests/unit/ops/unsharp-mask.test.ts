import { describe, expect, test } from 'vitest';
import unsharp from '../../../src/ops/unsharp-mask/kernel';
import { createImage } from '../../../src/ops/image';
import { resolveParams } from '../../../src/engine/params';
import type { Image } from '../../../src/ops/types';
import { ctx, randomImage, maxDiff, sameBytes } from './helpers';
import { gaussianReference } from '../wasm/reference';

interface P {
  amount: number;
  radius: number;
  threshold: number;
}

async function sharpen(img: Image, p: P, signal?: AbortSignal, onProgress?: (p: number) => void): Promise<Image> {
  return (await unsharp.kernel({ image: img }, resolveParams(unsharp, { ...p }), ctx(signal, onProgress))).image as Image;
}

/** c + amount·(c − blurred) where |c − blurred| ≥ threshold, on the 8-bit exact blur; alpha kept. */
function reference(img: Image, p: P): Uint8ClampedArray {
  const b = gaussianReference(img, p.radius).data;
  const out = new Uint8ClampedArray(img.data.length);
  for (let i = 0; i < out.length; i++) {
    const c = img.data[i]!;
    const d = c - b[i]!;
    out[i] = (i & 3) === 3 || Math.abs(d) < p.threshold ? c : Math.round(c + (p.amount / 100) * d);
  }
  return out;
}

// The blur is within 1 level of exact (see gaussian-blur.test.ts); amount scales that difference.
const tolerance = (p: P) => Math.ceil(p.amount / 100) + 1;

describe('unsharp mask', () => {
  const cases: P[] = [
    { amount: 150, radius: 1, threshold: 0 },
    { amount: 80, radius: 3, threshold: 0 },
    { amount: 300, radius: 0.6, threshold: 12 },
  ];
  for (const [w, h] of [[1, 1], [3, 7], [1023, 5]] as const) {
    for (const p of cases) {
      test(`matches the reference on a ${w}×${h} image (amount ${p.amount}, σ ${p.radius}, threshold ${p.threshold})`, async () => {
        const img = randomImage(w, h, w + h + p.amount, true);
        const res = await sharpen(img, p);
        expect(res.width).toBe(w);
        expect(maxDiff(res.data, reference(img, p))).toBeLessThanOrEqual(tolerance(p));
      });
    }
  }

  test('keeps alpha and matches on a translucent image', async () => {
    const img = randomImage(64, 40, 8);
    const p = { amount: 100, radius: 2, threshold: 0 };
    const res = await sharpen(img, p);
    for (let i = 3; i < img.data.length; i += 4) expect(res.data[i]).toBe(img.data[i]);
  });

  test('changes nothing at amount 0', async () => {
    const img = randomImage(50, 30, 3);
    expect(sameBytes((await sharpen(img, { amount: 0, radius: 4, threshold: 0 })).data, img.data)).toBe(true);
  });

  test('changes nothing when no difference reaches the threshold', async () => {
    const img = createImage(40, 40);
    for (let i = 0; i < img.data.length; i += 4) img.data.set([100 + (i % 7), 50, 200 - (i % 5), 255], i);
    expect(sameBytes((await sharpen(img, { amount: 200, radius: 2, threshold: 20 })).data, img.data)).toBe(true);
  });

  test('keeps a uniform image uniform', async () => {
    const img = createImage(25, 25);
    for (let i = 0; i < img.data.length; i += 4) img.data.set([10, 20, 30, 255], i);
    expect(sameBytes((await sharpen(img, { amount: 500, radius: 10, threshold: 0 })).data, img.data)).toBe(true);
  });

  test('is deterministic', async () => {
    const img = randomImage(99, 41, 6);
    const p = { amount: 120, radius: 2.5, threshold: 3 };
    expect(sameBytes((await sharpen(img, p)).data, (await sharpen(img, p)).data)).toBe(true);
  });

  test('throws when the signal is aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(sharpen(randomImage(8, 8, 1), { amount: 100, radius: 2, threshold: 0 }, ac.signal)).rejects.toThrow();
  });

  test('reports progress several times, ending at 1', async () => {
    const seen: number[] = [];
    await sharpen(randomImage(1200, 1200, 3, true), { amount: 100, radius: 3, threshold: 0 }, undefined, (p) => seen.push(p));
    expect(seen.length).toBeGreaterThanOrEqual(4);
    expect(seen.at(-1)).toBe(1);
  });
});
