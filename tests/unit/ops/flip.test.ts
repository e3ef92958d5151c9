import { describe, expect, test } from 'vitest';
import flip from '../../../src/ops/flip/kernel';
import { resolveParams } from '../../../src/engine/params';
import type { Params } from '../../../src/engine/op';
import type { Image } from '../../../src/ops/types';
import { ctx, randomImage, sameBytes } from './helpers';

async function run(img: Image, params: Params, signal?: AbortSignal): Promise<Image> {
  return (await flip.kernel({ image: img }, resolveParams(flip, params), ctx(signal))).image as Image;
}

/** Reference: output (x, y) reads the mirrored coordinate, byte by byte. */
function reference(img: Image, h: boolean, v: boolean): Uint8ClampedArray {
  const { width: w, height: ht } = img;
  const out = new Uint8ClampedArray(img.data.length);
  for (let y = 0; y < ht; y++)
    for (let x = 0; x < w; x++) {
      const sx = h ? w - 1 - x : x;
      const sy = v ? ht - 1 - y : y;
      for (let c = 0; c < 4; c++) out[(y * w + x) * 4 + c] = img.data[(sy * w + sx) * 4 + c]!;
    }
  return out;
}

describe('flip', () => {
  for (const [w, h] of [[1, 1], [3, 7], [1023, 5]] as const) {
    for (const [horizontal, vertical] of [[true, false], [false, true], [true, true], [false, false]] as const) {
      test(`${w}×${h} horizontal=${horizontal} vertical=${vertical} matches the reference exactly`, async () => {
        const img = randomImage(w, h, w + h);
        const res = await run(img, { horizontal, vertical });
        expect([res.width, res.height]).toEqual([w, h]);
        expect(sameBytes(res.data, reference(img, horizontal, vertical))).toBe(true);
      });
    }
  }

  test('flipping twice gives back the input', async () => {
    const img = randomImage(17, 9, 5);
    for (const p of [{ horizontal: true, vertical: false }, { horizontal: false, vertical: true }, { horizontal: true, vertical: true }]) {
      const twice = await run(await run(img, p), p);
      expect(sameBytes(twice.data, img.data)).toBe(true);
    }
  });

  test('an input at an odd byte offset is read correctly', async () => {
    const img = randomImage(5, 3, 8);
    const bytes = new Uint8ClampedArray(img.data.length + 1);
    bytes.set(img.data, 1);
    const shifted: Image = { width: 5, height: 3, data: bytes.subarray(1) };
    const res = await run(shifted, { horizontal: true, vertical: true });
    expect(sameBytes(res.data, reference(img, true, true))).toBe(true);
  });

  test('the input buffer is left untouched', async () => {
    const img = randomImage(6, 6, 2);
    const copy = img.data.slice();
    await run(img, { horizontal: true, vertical: true });
    expect(sameBytes(img.data, copy)).toBe(true);
  });

  test('an aborted signal stops the kernel', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(run(randomImage(8, 8), {}, ac.signal)).rejects.toThrow();
  });
});
