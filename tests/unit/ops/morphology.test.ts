import { describe, expect, test } from 'vitest';
import morphology, { discWidths } from '../../../src/ops/morphology/kernel';
import { createImage } from '../../../src/ops/image';
import { resolveParams } from '../../../src/engine/params';
import type { Image } from '../../../src/ops/types';
import { ctx, randomImage, maxDiff, sameBytes } from './helpers';
import { clamp } from '../wasm/reference';

type Operation = 'erode' | 'dilate' | 'open' | 'close';
type Shape = 'square' | 'disc';

async function run(img: Image, operation: Operation, radius: number, shape: Shape, signal?: AbortSignal, onProgress?: (p: number) => void): Promise<Image> {
  const params = resolveParams(morphology, { operation, radius, shape });
  return (await morphology.kernel({ image: img }, params, ctx(signal, onProgress))).image as Image;
}

/** Brute force min (or max) of each channel over the shape, edges clamped. */
function extreme(img: Image, r: number, shape: Shape, max: boolean): Image {
  const { width: w, height: h, data } = img;
  const out = createImage(w, h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let c = 0; c < 4; c++) {
        let m = max ? 0 : 255;
        for (let dy = -r; dy <= r; dy++)
          for (let dx = -r; dx <= r; dx++) {
            if (shape === 'disc' && dx * dx + dy * dy > r * r + r) continue;
            const v = data[(clamp(y + dy, h) * w + clamp(x + dx, w)) * 4 + c]!;
            m = max ? Math.max(m, v) : Math.min(m, v);
          }
        out.data[(y * w + x) * 4 + c] = m;
      }
  return out;
}

function reference(img: Image, op: Operation, r: number, shape: Shape): Uint8ClampedArray {
  if (op === 'erode') return extreme(img, r, shape, false).data;
  if (op === 'dilate') return extreme(img, r, shape, true).data;
  if (op === 'open') return extreme(extreme(img, r, shape, false), r, shape, true).data;
  return extreme(extreme(img, r, shape, true), r, shape, false).data;
}

describe('morphology', () => {
  for (const [w, h] of [[1, 1], [3, 7], [1023, 5], [37, 23]] as const) {
    for (const shape of ['square', 'disc'] as const) {
      for (const op of ['erode', 'dilate', 'open', 'close'] as const) {
        for (const r of [1, 3, 9]) {
          test(`${op} (${shape}, radius ${r}) matches brute force on a ${w}×${h} image`, async () => {
            const img = randomImage(w, h, w * 3 + h + r + op.length);
            const res = await run(img, op, r, shape);
            expect(res.width).toBe(w);
            expect(maxDiff(res.data, reference(img, op, r, shape))).toBe(0);
          });
        }
      }
    }
  }

  test('handles a radius larger than the image', async () => {
    const img = randomImage(5, 4, 9);
    for (const shape of ['square', 'disc'] as const) {
      expect(maxDiff((await run(img, 'erode', 50, shape)).data, reference(img, 'erode', 50, shape))).toBe(0);
    }
  });

  test('the disc holds the pixels within r + ½ of the centre', () => {
    expect([...discWidths(1)]).toEqual([1, 1]);
    expect([...discWidths(3)]).toEqual([3, 3, 2, 1]);
  });

  test('keeps a uniform image uniform', async () => {
    const img = createImage(19, 19);
    for (let i = 0; i < img.data.length; i += 4) img.data.set([9, 99, 199, 255], i);
    for (const shape of ['square', 'disc'] as const) expect(sameBytes((await run(img, 'close', 7, shape)).data, img.data)).toBe(true);
  });

  test('is deterministic', async () => {
    const img = randomImage(70, 30, 4);
    expect(sameBytes((await run(img, 'open', 4, 'disc')).data, (await run(img, 'open', 4, 'disc')).data)).toBe(true);
  });

  test('throws when the signal is aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(run(randomImage(8, 8, 1), 'erode', 2, 'square', ac.signal)).rejects.toThrow();
  });

  for (const shape of ['square', 'disc'] as const) {
    test(`reports progress several times, ending at 1 (${shape})`, async () => {
      const seen: number[] = [];
      await run(randomImage(1000, 800, 3), 'open', 5, shape, undefined, (p) => seen.push(p));
      expect(seen.length).toBeGreaterThanOrEqual(4);
      expect(seen.at(-1)).toBe(1);
      expect([...seen].sort((a, b) => a - b)).toEqual(seen);
    });
  }
});
