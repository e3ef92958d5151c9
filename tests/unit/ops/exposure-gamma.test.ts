import { describe, expect, test } from 'vitest';
import op from '../../../src/ops/exposure-gamma/kernel';
import { resolveParams } from '../../../src/engine/params';
import type { Params } from '../../../src/engine/op';
import type { Image } from '../../../src/ops/types';
import { createImage } from '../../../src/ops/image';
import { ctx, randomImage, maxDiff, sameBytes, imageKernelContract, imageRunner, edgeImage, alpha } from './helpers';

const run = imageRunner(op);

const toLinear = (c: number) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
const toSrgb = (l: number) => (l <= 0.0031308 ? l * 12.92 : 1.055 * l ** (1 / 2.4) - 0.055);

/** Reference: sRGB → linear, ·2^exposure + offset, ^(1/gamma), → sRGB, per value. */
function reference(data: Uint8ClampedArray, exposure: number, gamma: number, offset: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(data.length);
  for (let i = 0; i < data.length; i++) {
    if (i % 4 === 3) {
      out[i] = data[i]!;
      continue;
    }
    const x = Math.max(0, toLinear(data[i]! / 255) * 2 ** exposure + offset) ** (1 / gamma);
    out[i] = Math.round(toSrgb(Math.min(1, x)) * 255);
  }
  return out;
}

describe('exposure-gamma', () => {
  for (const [w, h] of [[1, 1], [3, 7], [1023, 5]] as const) {
    test(`matches the reference within one level on a ${w}×${h} image`, async () => {
      const img = randomImage(w, h, w * 31 + h);
      const res = await run(img, { exposure: 0.7, gamma: 1.3, offset: -0.02 });
      expect(res.width).toBe(w);
      expect(res.height).toBe(h);
      expect(maxDiff(res.data, reference(img.data, 0.7, 1.3, -0.02))).toBeLessThanOrEqual(1);
    });
  }

  for (const [exposure, gamma, offset] of [[-5, 0.1, -0.5], [5, 5, 0.5], [-5, 5, 0.5], [5, 0.1, -0.5], [-1.5, 0.6, 0.05]] as const) {
    test(`matches the reference on every level with exposure ${exposure}, gamma ${gamma} and offset ${offset}`, async () => {
      const img = edgeImage();
      const res = await run(img, { exposure, gamma, offset });
      expect(maxDiff(res.data, reference(img.data, exposure, gamma, offset))).toBeLessThanOrEqual(1);
    });
  }

  test('the default parameters leave the image unchanged', async () => {
    const img = edgeImage();
    expect(sameBytes((await run(img)).data, img.data)).toBe(true);
  });

  test('one stop up doubles the linear light of a mid-tone', async () => {
    const img = createImage(1, 1);
    img.data.set([100, 100, 100, 255]);
    const res = await run(img, { exposure: 1 });
    const target = 2 * toLinear(100 / 255);
    // Output is rounded to a whole level, which near level 138 spans about 1.5 % of the light.
    expect(Math.abs(toLinear(res.data[0]! / 255) - target) / target).toBeLessThan(0.01);
  });

  test('gamma alone keeps black and white where they are', async () => {
    const res = await run(edgeImage(), { gamma: 2.5 });
    expect(res.data[0]).toBe(0);
    expect(res.data[255 * 4]).toBe(255);
    expect(res.data[128 * 4]).toBeGreaterThan(128);
  });

  test('keeps alpha', async () => {
    const img = randomImage(61, 13, 3);
    const res = await run(img, { exposure: -1.2, gamma: 0.8, offset: 0.01 });
    expect(sameBytes(alpha(res.data), alpha(img.data))).toBe(true);
  });

  imageKernelContract(run, { exposure: -1.2, gamma: 0.8, offset: 0.01 });
});
