import { describe, expect, test } from 'vitest';
import crop from '../../../src/ops/crop/kernel';
import { resolveParams } from '../../../src/engine/params';
import type { Params } from '../../../src/engine/op';
import type { Image } from '../../../src/ops/types';
import { ctx, randomImage, sameBytes } from './helpers';

async function run(img: Image, params: Params, signal?: AbortSignal): Promise<Image> {
  return (await crop.kernel({ image: img }, resolveParams(crop, params), ctx(signal))).image as Image;
}

/** Reference: pick pixels one by one, stopping at the image edge. */
function reference(img: Image, x: number, y: number, w: number, h: number): { width: number; height: number; data: Uint8ClampedArray } {
  const ow = Math.min(w, img.width - x);
  const oh = Math.min(h, img.height - y);
  const data = new Uint8ClampedArray(ow * oh * 4);
  for (let j = 0; j < oh; j++)
    for (let i = 0; i < ow; i++)
      for (let c = 0; c < 4; c++) data[(j * ow + i) * 4 + c] = img.data[((y + j) * img.width + x + i) * 4 + c]!;
  return { width: ow, height: oh, data };
}

describe('crop', () => {
  const cases: [number, number, [number, number, number, number]][] = [
    [1, 1, [0, 0, 1, 1]],
    [3, 7, [1, 2, 2, 4]],
    [3, 7, [2, 6, 1, 1]], // the last pixel
    [1023, 5, [100, 1, 800, 3]],
    [1023, 5, [0, 0, 1023, 5]],
  ];
  for (const [w, h, [x, y, cw, ch]] of cases) {
    test(`a ${cw}×${ch} crop at (${x}, ${y}) of ${w}×${h} matches the reference exactly`, async () => {
      const img = randomImage(w, h, w * 7 + h);
      const res = await run(img, { x, y, width: cw, height: ch });
      const ref = reference(img, x, y, cw, ch);
      expect([res.width, res.height]).toEqual([ref.width, ref.height]);
      expect(sameBytes(res.data, ref.data)).toBe(true);
    });
  }

  test('a crop reaching past the edges is cut to fit the image', async () => {
    const img = randomImage(3, 7, 2);
    const res = await run(img, { x: 1, y: 5, width: 100, height: 100 });
    expect([res.width, res.height]).toEqual([2, 2]);
    expect(sameBytes(res.data, reference(img, 1, 5, 2, 2).data)).toBe(true);
    const whole = await run(img, { x: 0, y: 0, width: 65536, height: 65536 });
    expect(sameBytes(whole.data, img.data)).toBe(true);
  });

  test('a crop starting outside the image is refused with a clear message', async () => {
    const img = randomImage(3, 7, 2);
    await expect(run(img, { x: 3, y: 0 })).rejects.toThrow(/outside the 3×7 image/);
    await expect(run(img, { x: 0, y: 7 })).rejects.toThrow(/outside the 3×7 image/);
  });

  test('the output never shares the input buffer', async () => {
    const img = randomImage(4, 4, 2);
    const res = await run(img, { width: 4, height: 4 });
    expect(res.data.buffer).not.toBe(img.data.buffer);
  });

  test('the same input and parameters always give the same bytes', async () => {
    const img = randomImage(50, 40, 3);
    const a = await run(img, { x: 3, y: 4, width: 20, height: 30 });
    const b = await run(img, { x: 3, y: 4, width: 20, height: 30 });
    expect(sameBytes(a.data, b.data)).toBe(true);
  });

  test('an aborted signal stops the kernel', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(run(randomImage(8, 8), { width: 4, height: 4 }, ac.signal)).rejects.toThrow();
  });
});
