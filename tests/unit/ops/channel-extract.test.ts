import { describe, expect, test } from 'vitest';
import op from '../../../src/ops/channel-extract/kernel';
import grayscale from '../../../src/ops/grayscale/kernel';
import { resolveParams } from '../../../src/engine/params';
import type { Params } from '../../../src/engine/op';
import type { Image } from '../../../src/ops/types';
import { createImage } from '../../../src/ops/image';
import { ctx, randomImage, maxDiff, sameBytes, imageKernelContract, imageRunner, edgeImage, alpha } from './helpers';

const run = imageRunner(op);

const CHANNELS = ['r', 'g', 'b', 'a', 'luma'] as const;

/** Reference: the chosen channel (or Rec. 709 luma rounded half up) as grey, fully opaque. */
function reference(data: Uint8ClampedArray, channel: string): Uint8ClampedArray {
  const out = new Uint8ClampedArray(data.length);
  for (let i = 0; i < data.length; i += 4) {
    const v =
      channel === 'luma'
        ? Math.floor((2126 * data[i]! + 7152 * data[i + 1]! + 722 * data[i + 2]! + 5000) / 10000)
        : data[i + 'rgba'.indexOf(channel)]!;
    out.set([v, v, v, 255], i);
  }
  return out;
}

describe('channel-extract', () => {
  for (const channel of CHANNELS) {
    for (const [w, h] of [[1, 1], [3, 7], [1023, 5]] as const) {
      test(`extracting ${channel} matches the reference exactly on a ${w}×${h} image`, async () => {
        const img = randomImage(w, h, w * 31 + h);
        const res = await run(img, { channel });
        expect(res.width).toBe(w);
        expect(res.height).toBe(h);
        expect(maxDiff(res.data, reference(img.data, channel))).toBe(0);
      });
    }

    test(`extracting ${channel} matches the reference exactly on every level`, async () => {
      const img = edgeImage();
      expect(maxDiff((await run(img, { channel })).data, reference(img.data, channel))).toBe(0);
    });
  }

  test('the default extracts red', async () => {
    const img = randomImage(13, 3, 51);
    expect(sameBytes((await run(img)).data, (await run(img, { channel: 'r' })).data)).toBe(true);
  });

  test('the result is fully opaque whatever the input alpha', async () => {
    const img = randomImage(61, 13, 52);
    for (const channel of CHANNELS) {
      const a = alpha((await run(img, { channel })).data);
      expect(a.every((v) => v === 255)).toBe(true);
    }
  });

  test('luma gives the same greys as Grayscale with Rec. 709', async () => {
    const img = randomImage(127, 9, 53);
    const grey = (await grayscale.kernel({ image: img }, resolveParams(grayscale, { method: 'rec709' }), ctx())).image as Image;
    const res = await run(img, { channel: 'luma' });
    let differ = 0;
    for (let i = 0; i < img.data.length; i += 4) if (res.data[i] !== grey.data[i]) differ++;
    expect(differ).toBe(0);
  });

  imageKernelContract(run, { channel: 'luma' });
});
