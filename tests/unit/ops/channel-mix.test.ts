import { describe, expect, test } from 'vitest';
import op from '../../../src/ops/channel-mix/kernel';
import { resolveParams } from '../../../src/engine/params';
import type { Params } from '../../../src/engine/op';
import type { Image } from '../../../src/ops/types';
import { createImage } from '../../../src/ops/image';
import { ctx, randomImage, maxDiff, sameBytes, imageKernelContract, imageRunner, edgeImage, alpha } from './helpers';

const run = imageRunner(op);

/** Rows of [from red, from green, from blue, constant] in percent, for red, green and blue out. */
type Mix = readonly [readonly number[], readonly number[], readonly number[]];

function paramsOf(m: Mix, monochrome = false): Params {
  const p: Record<string, number | boolean> = { monochrome };
  (['r', 'g', 'b'] as const).forEach((o, row) => {
    p[o + 'r'] = m[row]![0]!;
    p[o + 'g'] = m[row]![1]!;
    p[o + 'b'] = m[row]![2]!;
    p[o + 'c'] = m[row]![3]!;
  });
  return p;
}

/** Reference: each output = Σ input · percent / 100 + constant · 2.55, rounded and clamped. */
function reference(data: Uint8ClampedArray, m: Mix, monochrome = false): Uint8ClampedArray {
  const out = new Uint8ClampedArray(data.length);
  for (let i = 0; i < data.length; i += 4) {
    for (let o = 0; o < 3; o++) {
      const row = m[monochrome ? 0 : o]!;
      const v = (data[i]! * row[0]! + data[i + 1]! * row[1]! + data[i + 2]! * row[2]! + 255 * row[3]!) / 100;
      out[i + o] = Math.min(255, Math.max(0, Math.round(v)));
    }
    out[i + 3] = data[i + 3]!;
  }
  return out;
}

const typical: Mix = [
  [80, 30, -10, 0],
  [-20, 110, 15, 5],
  [12.5, -40, 130, -3],
];

describe('channel-mix', () => {
  for (const [w, h] of [[1, 1], [3, 7], [1023, 5]] as const) {
    test(`matches the reference within one level on a ${w}×${h} image`, async () => {
      const img = randomImage(w, h, w * 31 + h);
      const res = await run(img, paramsOf(typical));
      expect(res.width).toBe(w);
      expect(res.height).toBe(h);
      expect(maxDiff(res.data, reference(img.data, typical))).toBeLessThanOrEqual(1);
    });
  }

  const extremes: Mix[] = [
    [[200, 200, 200, 200], [200, 200, 200, 200], [200, 200, 200, 200]],
    [[-200, -200, -200, -200], [-200, -200, -200, -200], [-200, -200, -200, -200]],
    [[200, -200, 200, -200], [-200, 200, -200, 200], [0, 0, 0, 100]],
    [[33, 33, 34, 0], [-1, 0, 1, -100], [50, 50, 0, 50]],
  ];
  for (const [k, m] of extremes.entries()) {
    test(`matches the reference on every level with extreme mix ${k + 1}`, async () => {
      const img = edgeImage();
      expect(maxDiff((await run(img, paramsOf(m))).data, reference(img.data, m))).toBeLessThanOrEqual(1);
    });
  }

  test('monochrome matches the reference using the red row for every channel', async () => {
    const img = randomImage(1023, 5, 61);
    const res = await run(img, paramsOf(typical, true));
    expect(maxDiff(res.data, reference(img.data, typical, true))).toBeLessThanOrEqual(1);
  });

  test('the default parameters leave the image unchanged', async () => {
    const img = randomImage(257, 9, 62);
    expect(sameBytes((await run(img)).data, img.data)).toBe(true);
  });

  test('swapping the red and blue rows swaps the red and blue channels exactly', async () => {
    const img = randomImage(45, 7, 63);
    const res = await run(img, { rr: 0, rb: 100, br: 100, bb: 0 });
    let wrong = 0;
    for (let i = 0; i < img.data.length; i += 4) {
      if (res.data[i] !== img.data[i + 2] || res.data[i + 1] !== img.data[i + 1] || res.data[i + 2] !== img.data[i]) wrong++;
    }
    expect(wrong).toBe(0);
  });

  test('monochrome gives equal red, green and blue', async () => {
    const res = await run(randomImage(50, 4, 64), { monochrome: true, rr: 40, rg: 40, rb: 20 });
    let unequal = 0;
    for (let i = 0; i < res.data.length; i += 4) if (res.data[i] !== res.data[i + 1] || res.data[i] !== res.data[i + 2]) unequal++;
    expect(unequal).toBe(0);
  });

  test('a constant of 100 % makes the channel white', async () => {
    const res = await run(randomImage(30, 3, 65), { gc: 100 });
    let notWhite = 0;
    for (let i = 1; i < res.data.length; i += 4) if (res.data[i] !== 255) notWhite++;
    expect(notWhite).toBe(0);
  });

  test('keeps alpha', async () => {
    const img = randomImage(61, 13, 3);
    const res = await run(img, paramsOf(typical));
    expect(sameBytes(alpha(res.data), alpha(img.data))).toBe(true);
  });

  imageKernelContract(run, paramsOf(typical));
});
