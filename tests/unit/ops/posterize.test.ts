import { describe, expect, test } from 'vitest';
import op from '../../../src/ops/posterize/kernel';
import { resolveParams } from '../../../src/engine/params';
import type { Params } from '../../../src/engine/op';
import type { Image } from '../../../src/ops/types';
import { createImage } from '../../../src/ops/image';
import { ctx, randomImage, maxDiff, sameBytes, imageKernelContract, imageRunner, edgeImage, alpha } from './helpers';

const run = imageRunner(op);

/** Reference: n equal bands of input levels, band k → k/(n−1) of full scale, rounded. */
function reference(data: Uint8ClampedArray, n: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(data.length);
  for (let i = 0; i < data.length; i++) {
    if (i % 4 === 3) out[i] = data[i]!;
    else out[i] = Math.round((Math.floor(data[i]! / (256 / n)) / (n - 1)) * 255);
  }
  return out;
}

function distinctReds(img: Image): number {
  const seen = new Set<number>();
  for (let i = 0; i < img.data.length; i += 4) seen.add(img.data[i]!);
  return seen.size;
}

describe('posterize', () => {
  for (const [w, h] of [[1, 1], [3, 7], [1023, 5]] as const) {
    test(`matches the reference exactly on a ${w}×${h} image`, async () => {
      const img = randomImage(w, h, w * 31 + h);
      const res = await run(img, { levels: 5 });
      expect(res.width).toBe(w);
      expect(res.height).toBe(h);
      expect(maxDiff(res.data, reference(img.data, 5))).toBe(0);
    });
  }

  for (const levels of [2, 3, 4, 7, 16, 63, 64]) {
    test(`matches the reference exactly on every level with ${levels} levels`, async () => {
      const img = edgeImage();
      expect(maxDiff((await run(img, { levels })).data, reference(img.data, levels))).toBe(0);
    });

    test(`a full ramp comes out with exactly ${levels} levels, including black and white`, async () => {
      const res = await run(edgeImage(), { levels });
      expect(distinctReds(res)).toBe(levels);
      expect(res.data[0]).toBe(0);
      expect(res.data[255 * 4]).toBe(255);
    });
  }

  test('two levels split at 128', async () => {
    const res = await run(edgeImage(), { levels: 2 });
    expect(res.data[127 * 4]).toBe(0);
    expect(res.data[128 * 4]).toBe(255);
  });

  test('a fractional level count is rounded to a whole number', async () => {
    const img = randomImage(20, 3, 41);
    expect(sameBytes((await run(img, { levels: 4.4 })).data, (await run(img, { levels: 4 })).data)).toBe(true);
  });

  test('keeps alpha', async () => {
    const img = randomImage(61, 13, 3);
    const res = await run(img, { levels: 6 });
    expect(sameBytes(alpha(res.data), alpha(img.data))).toBe(true);
  });

  imageKernelContract(run, { levels: 6 });
});
