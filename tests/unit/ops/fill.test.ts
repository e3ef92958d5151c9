import { describe, expect, test } from 'vitest';
import fill from '../../../src/ops/fill/kernel';
import { resolveParams } from '../../../src/engine/params';
import type { Params } from '../../../src/engine/op';
import type { Image } from '../../../src/ops/types';
import { ctx, sameBytes } from './helpers';

async function run(params: Params, signal?: AbortSignal): Promise<Image> {
  return (await fill.kernel({}, resolveParams(fill, params), ctx(signal))).image as Image;
}

function reference(w: number, h: number, rgba: number[]): Uint8ClampedArray {
  const out = new Uint8ClampedArray(w * h * 4);
  for (let i = 0; i < out.length; i++) out[i] = rgba[i % 4]!;
  return out;
}

describe('fill', () => {
  const colours: [string, number[]][] = [
    ['#ff8000', [255, 128, 0, 255]],
    ['#10203040', [16, 32, 48, 64]],
    ['#00000000', [0, 0, 0, 0]],
  ];
  for (const [w, h] of [[1, 1], [3, 7], [1023, 5]] as const) {
    for (const [color, rgba] of colours) {
      test(`${w}×${h} in ${color} is that colour in every pixel`, async () => {
        const img = await run({ width: w, height: h, color });
        expect([img.width, img.height]).toEqual([w, h]);
        expect(sameBytes(img.data, reference(w, h, rgba))).toBe(true);
      });
    }
  }

  test('the default is a white 512×512 image', async () => {
    const img = await run({});
    expect(sameBytes(img.data, reference(512, 512, [255, 255, 255, 255]))).toBe(true);
  });

  test('a size over the pixel limit is refused with a clear message', async () => {
    await expect(run({ width: 65536, height: 65536 })).rejects.toThrow(/65536×65536.*limit/);
  });

  test('an aborted signal stops the kernel', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(run({ width: 8, height: 8 }, ac.signal)).rejects.toThrow();
  });
});
