import { describe, expect, test } from 'vitest';
import op from '../../../src/ops/threshold/kernel';
import grayscale from '../../../src/ops/grayscale/kernel';
import { resolveParams } from '../../../src/engine/params';
import type { Params } from '../../../src/engine/op';
import type { Image } from '../../../src/ops/types';
import { createImage } from '../../../src/ops/image';
import { ctx, randomImage, maxDiff, sameBytes, imageKernelContract, imageRunner, edgeImage, alpha } from './helpers';

const run = imageRunner(op);

/** Reference: white where the compared value (Rec. 709 luma rounded half up, or each channel) ≥ level. */
function reference(data: Uint8ClampedArray, level: number, mode: string): Uint8ClampedArray {
  const out = new Uint8ClampedArray(data.length);
  for (let i = 0; i < data.length; i += 4) {
    if (mode === 'luma') {
      const y = Math.floor((2126 * data[i]! + 7152 * data[i + 1]! + 722 * data[i + 2]! + 5000) / 10000);
      out.fill(y >= level ? 255 : 0, i, i + 3);
    } else {
      for (let c = 0; c < 3; c++) out[i + c] = data[i + c]! >= level ? 255 : 0;
    }
    out[i + 3] = data[i + 3]!;
  }
  return out;
}

describe('threshold', () => {
  for (const mode of ['luma', 'channels'] as const) {
    for (const [w, h] of [[1, 1], [3, 7], [1023, 5]] as const) {
      test(`${mode} mode matches the reference exactly on a ${w}×${h} image`, async () => {
        const img = randomImage(w, h, w * 31 + h);
        const res = await run(img, { level: 97, mode });
        expect(res.width).toBe(w);
        expect(res.height).toBe(h);
        expect(maxDiff(res.data, reference(img.data, 97, mode))).toBe(0);
      });
    }

    for (const level of [0, 1, 128, 254, 255]) {
      test(`${mode} mode matches the reference exactly on every level at level ${level}`, async () => {
        const img = edgeImage();
        expect(maxDiff((await run(img, { level, mode })).data, reference(img.data, level, mode))).toBe(0);
      });
    }
  }

  test('the default splits luma at 128', async () => {
    const img = edgeImage();
    const res = await run(img);
    expect(res.data[127 * 4]).toBe(0);
    expect(res.data[128 * 4]).toBe(255);
  });

  test('level 0 makes every pixel white', async () => {
    const res = await run(randomImage(23, 5, 31), { level: 0 });
    let notWhite = 0;
    for (let i = 0; i < res.data.length; i += 4) if (res.data[i] !== 255 || res.data[i + 1] !== 255 || res.data[i + 2] !== 255) notWhite++;
    expect(notWhite).toBe(0);
  });

  test('only pure white stays white at level 255', async () => {
    const img = edgeImage();
    const res = await run(img, { level: 255, mode: 'channels' });
    expect(res.data[254 * 4]).toBe(0);
    expect(res.data[255 * 4]).toBe(255);
  });

  test('thresholding a Grayscale result gives the same image as thresholding the colour image', async () => {
    const img = randomImage(101, 11, 32);
    const grey = (await grayscale.kernel({ image: img }, resolveParams(grayscale, {}), ctx())).image as Image;
    for (const level of [1, 64, 128, 200]) {
      const direct = await run(img, { level });
      const viaGrey = await run(grey, { level });
      expect(sameBytes(direct.data, viaGrey.data)).toBe(true);
    }
  });

  test('keeps alpha', async () => {
    const img = randomImage(61, 13, 3);
    const res = await run(img, { level: 77, mode: 'channels' });
    expect(sameBytes(alpha(res.data), alpha(img.data))).toBe(true);
  });

  imageKernelContract(run, { level: 77, mode: 'channels' });
});
