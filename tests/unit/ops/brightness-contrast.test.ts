import { describe, expect, test } from 'vitest';
import op from '../../../src/ops/brightness-contrast/kernel';
import { resolveParams } from '../../../src/engine/params';
import type { Params } from '../../../src/engine/op';
import type { Image } from '../../../src/ops/types';
import { createImage } from '../../../src/ops/image';
import { ctx, randomImage, maxDiff, sameBytes, imageKernelContract, imageRunner, edgeImage, alpha } from './helpers';

const run = imageRunner(op);

/** Reference: GIMP's legacy brightness/contrast, evaluated per value in floating point. */
function reference(data: Uint8ClampedArray, brightness: number, contrast: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(data.length);
  const b = brightness / 200;
  const slant = Math.tan(((contrast / 100 + 1) * Math.PI) / 4);
  for (let i = 0; i < data.length; i++) {
    if (i % 4 === 3) {
      out[i] = data[i]!;
      continue;
    }
    let v = data[i]! / 255;
    if (b < 0) v = v * (1 + b);
    else v = v + (1 - v) * b;
    v = (v - 0.5) * slant + 0.5;
    out[i] = Math.round(Math.min(1, Math.max(0, v)) * 255);
  }
  return out;
}

describe('brightness-contrast', () => {
  for (const [w, h] of [[1, 1], [3, 7], [1023, 5]] as const) {
    test(`matches the reference within one level on a ${w}×${h} image`, async () => {
      const img = randomImage(w, h, w * 31 + h);
      const res = await run(img, { brightness: 23, contrast: -41 });
      expect(res.width).toBe(w);
      expect(res.height).toBe(h);
      expect(maxDiff(res.data, reference(img.data, 23, -41))).toBeLessThanOrEqual(1);
    });
  }

  for (const [brightness, contrast] of [[-100, -100], [-100, 100], [100, -100], [100, 100], [-37, 64], [58, 12]] as const) {
    test(`matches the reference on every level with brightness ${brightness} and contrast ${contrast}`, async () => {
      const img = edgeImage();
      const res = await run(img, { brightness, contrast });
      expect(maxDiff(res.data, reference(img.data, brightness, contrast))).toBeLessThanOrEqual(1);
    });
  }

  test('the default parameters leave the image unchanged', async () => {
    const img = edgeImage();
    expect(sameBytes((await run(img)).data, img.data)).toBe(true);
  });

  test('contrast −100 turns every colour mid-grey', async () => {
    const res = await run(edgeImage(), { contrast: -100 });
    for (let i = 0; i < res.data.length; i += 4) expect(res.data[i]).toBe(128);
  });

  test('contrast +100 splits at mid-grey into black and white', async () => {
    const res = await run(edgeImage(), { contrast: 100 });
    expect(res.data[127 * 4]).toBe(0);
    expect(res.data[128 * 4]).toBe(255);
  });

  test('brightness +100 lifts black to mid-grey and keeps white', async () => {
    const res = await run(edgeImage(), { brightness: 100 });
    expect(res.data[0]).toBe(128);
    expect(res.data[255 * 4]).toBe(255);
  });

  test('keeps alpha', async () => {
    const img = randomImage(61, 13, 3);
    const res = await run(img, { brightness: -60, contrast: 80 });
    expect(sameBytes(alpha(res.data), alpha(img.data))).toBe(true);
  });

  imageKernelContract(run, { brightness: 17, contrast: 33 });
});
