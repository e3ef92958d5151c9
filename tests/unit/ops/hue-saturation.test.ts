import { describe, expect, test } from 'vitest';
import op from '../../../src/ops/hue-saturation';
import { resolveParams } from '../../../src/engine/params';
import type { Params } from '../../../src/engine/op';
import type { Image } from '../../../src/ops/types';
import { createImage } from '../../../src/ops/image';
import { ctx, randomImage, maxDiff, sameBytes, imageKernelContract, imageRunner, edgeImage, alpha } from './helpers';

const run = imageRunner(op);

/**
 * Reference, written independently of the kernel: RGB → HSL with hue in degrees, adjust, then back
 * through the chroma/X/m construction.
 */
function reference(data: Uint8ClampedArray, hue: number, saturation: number, lightness: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(data.length);
  for (let i = 0; i < data.length; i += 4) {
    const r = data[i]! / 255;
    const g = data[i + 1]! / 255;
    const b = data[i + 2]! / 255;
    const max = Math.max(r, g, b);
    const min = Math.min(r, g, b);
    const c = max - min;
    let l = (max + min) / 2;
    let s = c === 0 ? 0 : c / (1 - Math.abs(2 * l - 1));
    let h = 0;
    if (c !== 0) {
      if (max === r) h = 60 * ((((g - b) / c) % 6) + 6);
      else if (max === g) h = 60 * ((b - r) / c + 2);
      else h = 60 * ((r - g) / c + 4);
    }
    h = (((h + hue) % 360) + 360) % 360;
    s = Math.min(1, s * (1 + saturation / 100));
    const lt = lightness / 100;
    l = lt < 0 ? l * (1 + lt) : l + (1 - l) * lt;
    const chroma = (1 - Math.abs(2 * l - 1)) * s;
    const x = chroma * (1 - Math.abs(((h / 60) % 2) - 1));
    const m = l - chroma / 2;
    const sector = Math.floor(h / 60);
    const [r1, g1, b1] =
      sector === 0 ? [chroma, x, 0] : sector === 1 ? [x, chroma, 0] : sector === 2 ? [0, chroma, x]
        : sector === 3 ? [0, x, chroma] : sector === 4 ? [x, 0, chroma] : [chroma, 0, x];
    out[i] = Math.round((r1 + m) * 255);
    out[i + 1] = Math.round((g1 + m) * 255);
    out[i + 2] = Math.round((b1 + m) * 255);
    out[i + 3] = data[i + 3]!;
  }
  return out;
}

function pixel(r: number, g: number, b: number): Image {
  const img = createImage(1, 1);
  img.data.set([r, g, b, 255]);
  return img;
}

describe('hue-saturation', () => {
  for (const [w, h] of [[1, 1], [3, 7], [1023, 5]] as const) {
    test(`matches the reference within one level on a ${w}×${h} image`, async () => {
      const img = randomImage(w, h, w * 31 + h);
      const res = await run(img, { hue: 47, saturation: 35, lightness: -12 });
      expect(res.width).toBe(w);
      expect(res.height).toBe(h);
      expect(maxDiff(res.data, reference(img.data, 47, 35, -12))).toBeLessThanOrEqual(1);
    });
  }

  for (const [hue, saturation, lightness] of [[-180, -100, -100], [180, 100, 100], [-90, 100, -50], [135, -60, 70], [1, 0, 0]] as const) {
    test(`matches the reference on every level with hue ${hue}, saturation ${saturation} and lightness ${lightness}`, async () => {
      const img = edgeImage();
      const res = await run(img, { hue, saturation, lightness });
      expect(maxDiff(res.data, reference(img.data, hue, saturation, lightness))).toBeLessThanOrEqual(1);
    });
  }

  test('the default parameters leave the image unchanged', async () => {
    const img = randomImage(257, 9, 11);
    expect(sameBytes((await run(img)).data, img.data)).toBe(true);
  });

  test('a hue shift of 120° turns pure red into pure green', async () => {
    const res = await run(pixel(255, 0, 0), { hue: 120 });
    expect([...res.data]).toEqual([0, 255, 0, 255]);
  });

  test('hue shifts of −180° and +180° give the same result', async () => {
    const img = randomImage(31, 7, 12);
    const a = await run(img, { hue: -180 });
    const b = await run(img, { hue: 180 });
    expect(sameBytes(a.data, b.data)).toBe(true);
  });

  test('saturation −100 gives a grey at the HSL lightness', async () => {
    const res = await run(pixel(200, 40, 90), { saturation: -100 });
    expect([...res.data]).toEqual([120, 120, 120, 255]);
  });

  test('lightness +100 makes every pixel white and −100 black', async () => {
    const img = randomImage(19, 3, 13);
    const white = await run(img, { lightness: 100, hue: 30, saturation: 50 });
    const black = await run(img, { lightness: -100, hue: 30, saturation: 50 });
    for (let i = 0; i < img.data.length; i += 4) {
      expect(white.data[i]! + white.data[i + 1]! + white.data[i + 2]!).toBe(765);
      expect(black.data[i]! + black.data[i + 1]! + black.data[i + 2]!).toBe(0);
    }
  });

  test('keeps alpha', async () => {
    const img = randomImage(61, 13, 3);
    const res = await run(img, { hue: -70, saturation: 40, lightness: 15 });
    expect(sameBytes(alpha(res.data), alpha(img.data))).toBe(true);
  });

  imageKernelContract(run, { hue: -70, saturation: 40, lightness: 15 });
});
