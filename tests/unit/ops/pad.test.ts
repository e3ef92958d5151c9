import { describe, expect, test } from 'vitest';
import pad from '../../../src/ops/pad/kernel';
import { resolveParams } from '../../../src/engine/params';
import type { Params } from '../../../src/engine/op';
import type { Image } from '../../../src/ops/types';
import { ctx, randomImage, sameBytes } from './helpers';

async function run(img: Image, params: Params, signal?: AbortSignal): Promise<Image> {
  return (await pad.kernel({ image: img }, resolveParams(pad, params), ctx(signal))).image as Image;
}

/** Reference: a canvas of the colour with the image copied in pixel by pixel. */
function reference(img: Image, t: number, r: number, b: number, l: number, colour: number[]): Uint8ClampedArray {
  const w = img.width + l + r;
  const h = img.height + t + b;
  const out = new Uint8ClampedArray(w * h * 4);
  for (let i = 0; i < w * h; i++) out.set(colour, i * 4);
  for (let y = 0; y < img.height; y++)
    for (let x = 0; x < img.width; x++)
      for (let c = 0; c < 4; c++) out[((y + t) * w + x + l) * 4 + c] = img.data[(y * img.width + x) * 4 + c]!;
  return out;
}

describe('pad', () => {
  const colours: [string, number[]][] = [
    ['#00000000', [0, 0, 0, 0]],
    ['#ff8000', [255, 128, 0, 255]],
    ['#10203040', [16, 32, 48, 64]],
  ];
  for (const [w, h] of [[1, 1], [3, 7], [1023, 5]] as const) {
    for (const [color, bytes] of colours) {
      test(`${w}×${h} padded 1/2/3/4 with ${color} matches the reference exactly`, async () => {
        const img = randomImage(w, h, w * 3 + h);
        const res = await run(img, { top: 1, right: 2, bottom: 3, left: 4, color });
        expect([res.width, res.height]).toEqual([w + 6, h + 4]);
        expect(sameBytes(res.data, reference(img, 1, 2, 3, 4, bytes))).toBe(true);
      });
    }
  }

  test('padding by zero on every side is an exact copy', async () => {
    const img = randomImage(9, 4, 1);
    const res = await run(img, { top: 0, right: 0, bottom: 0, left: 0, color: '#ffffff' });
    expect(sameBytes(res.data, img.data)).toBe(true);
  });

  test('the default adds a transparent 32 px border', async () => {
    const img = randomImage(3, 7, 1);
    const res = await run(img, {});
    expect([res.width, res.height]).toEqual([67, 71]);
    expect(sameBytes(res.data, reference(img, 32, 32, 32, 32, [0, 0, 0, 0]))).toBe(true);
  });

  test('a result over the pixel limit is refused with a clear message', async () => {
    const img = randomImage(1, 1, 1);
    await expect(run(img, { top: 4096, right: 4096, bottom: 4096, left: 4096 })).rejects.toThrow(/8193×8193.*limit/);
  });

  test('an aborted signal stops the kernel', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(run(randomImage(8, 8), {}, ac.signal)).rejects.toThrow();
  });
});
