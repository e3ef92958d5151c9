import { describe, expect, test } from 'vitest';
import emboss, { embossKernel } from '../../../src/ops/emboss/kernel';
import { createImage } from '../../../src/ops/image';
import { resolveParams } from '../../../src/engine/params';
import type { Image } from '../../../src/ops/types';
import { ctx, randomImage, maxDiff, sameBytes } from './helpers';
import { clamp } from '../wasm/reference';

async function run(img: Image, strength: number, angle: number, signal?: AbortSignal): Promise<Image> {
  return (await emboss.kernel({ image: img }, resolveParams(emboss, { strength, angle }), ctx(signal))).image as Image;
}

/** 128 − strength × the Sobel slope (per pixel, /8) towards the light, per colour channel; alpha kept. */
function reference(img: Image, strength: number, angle: number): Uint8ClampedArray {
  const { width: w, height: h, data } = img;
  const t = (angle * Math.PI) / 180;
  const lx = Math.cos(t);
  const ly = -Math.sin(t);
  const out = new Uint8ClampedArray(data.length);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 4;
      for (let c = 0; c < 3; c++) {
        const v = (dx: number, dy: number) => data[(clamp(y + dy, h) * w + clamp(x + dx, w)) * 4 + c]!;
        const gx = (v(1, -1) + 2 * v(1, 0) + v(1, 1) - v(-1, -1) - 2 * v(-1, 0) - v(-1, 1)) / 8;
        const gy = (v(-1, 1) + 2 * v(0, 1) + v(1, 1) - v(-1, -1) - 2 * v(0, -1) - v(1, -1)) / 8;
        out[o + c] = Math.round(128 - strength * (gx * lx + gy * ly));
      }
      out[o + 3] = data[o + 3]!;
    }
  return out;
}

describe('emboss', () => {
  for (const [w, h] of [[1, 1], [3, 7], [1023, 5]] as const) {
    for (const [s, a] of [[1, 135], [2.5, 30], [0.4, 270]] as const) {
      test(`matches the reference on a ${w}×${h} image (strength ${s}, angle ${a}°)`, async () => {
        const img = randomImage(w, h, w + h + a);
        expect(maxDiff((await run(img, s, a)).data, reference(img, s, a))).toBeLessThanOrEqual(1);
      });
    }
  }

  test('lights the edge that faces the light', async () => {
    // a bright square on black, light from the top left: its left edge comes out light, its right edge dark
    const img = createImage(12, 12);
    for (let y = 0; y < 12; y++) for (let x = 0; x < 12; x++) img.data.set(x >= 4 && x < 8 && y >= 4 && y < 8 ? [200, 200, 200, 255] : [0, 0, 0, 255], (y * 12 + x) * 4);
    const res = await run(img, 1, 180);
    expect(res.data[(6 * 12 + 4) * 4]!).toBeGreaterThan(128);
    expect(res.data[(6 * 12 + 7) * 4]!).toBeLessThan(128);
    expect(res.data[0]).toBe(128);
  });

  test('has a kernel whose entries sum to zero, so flat areas become mid-grey', async () => {
    expect(Math.abs(embossKernel(3, 77).reduce((a, b) => a + b, 0))).toBeLessThan(1e-12);
    const img = createImage(9, 9);
    for (let i = 0; i < img.data.length; i += 4) img.data.set([30, 90, 250, 255], i);
    const res = await run(img, 5, 45);
    for (let i = 0; i < res.data.length; i += 4) expect([...res.data.subarray(i, i + 4)]).toEqual([128, 128, 128, 255]);
  });

  test('is deterministic', async () => {
    const img = randomImage(40, 20, 3);
    expect(sameBytes((await run(img, 2, 60)).data, (await run(img, 2, 60)).data)).toBe(true);
  });

  test('throws when the signal is aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(run(randomImage(8, 8, 1), 1, 135, ac.signal)).rejects.toThrow();
  });
});
