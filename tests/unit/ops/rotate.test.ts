import { describe, expect, test } from 'vitest';
import rotate from '../../../src/ops/rotate/kernel';
import { createImage } from '../../../src/ops/image';
import { resolveParams } from '../../../src/engine/params';
import type { Params } from '../../../src/engine/op';
import type { Image } from '../../../src/ops/types';
import { ctx, randomImage, maxDiff, sameBytes } from './helpers';

async function run(img: Image, params: Params, signal?: AbortSignal): Promise<Image> {
  return (await rotate.kernel({ image: img }, resolveParams(rotate, params), ctx(signal))).image as Image;
}

function hexBytes(hex: string): number[] {
  const n = hex.length === 7 ? hex + 'ff' : hex;
  return [1, 3, 5, 7].map((i) => parseInt(n.slice(i, i + 2), 16));
}

/** Reference quarter turn clockwise: pixel (x, y) of the source lands at (h − 1 − y, x). */
function turnClockwise(img: Image): Image {
  const { width: w, height: h } = img;
  const out = createImage(h, w);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let c = 0; c < 4; c++) out.data[(x * h + (h - 1 - y)) * 4 + c] = img.data[(y * w + x) * 4 + c]!;
  return out;
}

/**
 * Reference for other angles: for each output pixel centre, solve "turning the source point
 * clockwise about the source centre lands it on this point about the output centre" with a 2×2
 * inverse, then bilinear-sample premultiplied values, reading the background beyond the edge.
 */
function referenceRotate(img: Image, degrees: number, outW: number, outH: number, bg: number[]): Uint8ClampedArray {
  const t = (degrees * Math.PI) / 180;
  const [m00, m01, m10, m11] = [Math.cos(t), -Math.sin(t), Math.sin(t), Math.cos(t)]; // clockwise on a y-down screen
  const det = m00 * m11 - m01 * m10;
  const premul = (x: number, y: number): number[] => {
    const p = x < 0 || y < 0 || x >= img.width || y >= img.height ? bg : [...img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 4)];
    return [(p[0]! * p[3]!) / 255, (p[1]! * p[3]!) / 255, (p[2]! * p[3]!) / 255, p[3]!];
  };
  const out = new Uint8ClampedArray(outW * outH * 4);
  for (let Y = 0; Y < outH; Y++)
    for (let X = 0; X < outW; X++) {
      const px = X + 0.5 - outW / 2;
      const py = Y + 0.5 - outH / 2;
      const sx = (m11 * px - m01 * py) / det + img.width / 2 - 0.5;
      const sy = (-m10 * px + m00 * py) / det + img.height / 2 - 0.5;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      const v = [0, 0, 0, 0];
      const taps: [number, number, number][] = [
        [x0, y0, (1 - fx) * (1 - fy)],
        [x0 + 1, y0, fx * (1 - fy)],
        [x0, y0 + 1, (1 - fx) * fy],
        [x0 + 1, y0 + 1, fx * fy],
      ];
      for (const [x, y, w] of taps) premul(x, y).forEach((c, i) => (v[i]! += w * c));
      const o = (Y * outW + X) * 4;
      if (Math.round(v[3]!) === 0) continue; // transparent black
      for (let c = 0; c < 3; c++) out[o + c] = Math.round((v[c]! * 255) / v[3]!);
      out[o + 3] = Math.round(v[3]!);
    }
  return out;
}

describe('rotate', () => {
  for (const [w, h] of [[1, 1], [3, 7], [1023, 5]] as const) {
    test(`0°, 360° and −360° leave a ${w}×${h} image exactly as it was`, async () => {
      const img = randomImage(w, h, w + h);
      for (const angle of [0, 360, -360]) {
        const res = await run(img, { angle });
        expect([res.width, res.height]).toEqual([w, h]);
        expect(sameBytes(res.data, img.data)).toBe(true);
      }
    });

    test(`90°, 180° and 270° on ${w}×${h} match reference quarter turns exactly`, async () => {
      const img = randomImage(w, h, w * 5 + h);
      let ref = img;
      for (const angle of [90, 180, 270]) {
        ref = turnClockwise(ref);
        const res = await run(img, { angle });
        expect([res.width, res.height]).toEqual([ref.width, ref.height]);
        expect(sameBytes(res.data, ref.data)).toBe(true);
        const negative = await run(img, { angle: angle - 360 });
        expect(sameBytes(negative.data, ref.data)).toBe(true);
      }
    });

    test(`four quarter turns of ${w}×${h} give back the input`, async () => {
      let img = randomImage(w, h, 3);
      const start = img;
      for (let i = 0; i < 4; i++) img = await run(img, { angle: 90 });
      expect(sameBytes(img.data, start.data)).toBe(true);
    });
  }

  test('positive angles turn clockwise', async () => {
    const img = createImage(3, 1);
    img.data.set([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255]); // red, green, blue left to right
    const res = await run(img, { angle: 90 });
    expect([res.width, res.height]).toEqual([1, 3]);
    expect([...res.data.subarray(0, 4)]).toEqual([255, 0, 0, 255]); // left end is now at the top
    const slight = createImage(41, 41);
    slight.data.set([255, 255, 255, 255], (20 * 41 + 40) * 4); // a dot right of centre
    const turned = await run(slight, { angle: 60, expand: false });
    let best = 0;
    for (let i = 0; i < turned.data.length; i += 4) if (turned.data[i + 3]! > turned.data[best + 3]!) best = i;
    const [x, y] = [(best / 4) % 41, Math.floor(best / 4 / 41)];
    expect(x).toBeGreaterThan(20); // still right of centre…
    expect(y).toBeGreaterThan(30); // …and swung down
  });

  test('without expanding, a quarter turn of a non-square image is centred on the original canvas', async () => {
    const img = randomImage(5, 2, 9);
    const res = await run(img, { angle: 90, expand: false, background: '#0000ff' });
    expect([res.width, res.height]).toEqual([5, 2]);
    const turned = turnClockwise(img); // 2×5, placed at x = 1, y = −2 (offsets rounded down)
    const ref = new Uint8ClampedArray(5 * 2 * 4);
    for (let y = 0; y < 2; y++)
      for (let x = 0; x < 5; x++) {
        const tx = x - 1;
        const ty = y + 2;
        const px = tx >= 0 && tx < 2 ? [...turned.data.subarray((ty * 2 + tx) * 4, (ty * 2 + tx) * 4 + 4)] : [0, 0, 255, 255];
        ref.set(px, (y * 5 + x) * 4);
      }
    expect(sameBytes(res.data, ref)).toBe(true);
  });

  const arbitrary: [number, number, number, boolean, string][] = [
    [1, 1, 45, true, '#00000000'],
    [3, 7, 30, true, '#00000000'],
    [3, 7, -17.5, false, '#ff8000'],
    [1023, 5, 123.4, true, '#20406080'],
    [1023, 5, 1, false, '#00000000'],
    [40, 30, 200, true, '#ffffff'],
  ];
  for (const [w, h, angle, expand, background] of arbitrary) {
    test(`${angle}° on ${w}×${h} (expand ${expand}, background ${background}) matches the bilinear reference within 1 level`, async () => {
      const img = randomImage(w, h, w + h + angle);
      const res = await run(img, { angle, expand, background });
      const t = (angle * Math.PI) / 180;
      const ew = expand ? Math.ceil(Math.abs(w * Math.cos(t)) + Math.abs(h * Math.sin(t)) - 1e-9) : w;
      const eh = expand ? Math.ceil(Math.abs(w * Math.sin(t)) + Math.abs(h * Math.cos(t)) - 1e-9) : h;
      expect([res.width, res.height]).toEqual([ew, eh]);
      expect(maxDiff(res.data, referenceRotate(img, angle, ew, eh, hexBytes(background)))).toBeLessThanOrEqual(1);
    });
  }

  test('expanding the canvas fits the rotated corners', async () => {
    const res = await run(createImage(100, 50), { angle: 45 });
    expect([res.width, res.height]).toEqual([107, 107]); // 150 · cos 45° = 106.07
  });

  test('an expanded canvas over the pixel limit is refused with a clear message', async () => {
    await expect(run(createImage(65536, 1), { angle: 45 })).rejects.toThrow(/rotated canvas.*over the 67 MP limit/);
    expect((await run(createImage(65536, 1), { angle: 45, expand: false })).width).toBe(65536);
  });

  test('the background fills the uncovered corners and edges are smooth', async () => {
    const img = createImage(50, 50);
    for (let i = 0; i < img.data.length; i += 4) img.data.set([10, 200, 30, 255], i);
    const red = await run(img, { angle: 45, background: '#ff0000' });
    expect([...red.data.subarray(0, 4)]).toEqual([255, 0, 0, 255]);
    const clear = await run(img, { angle: 30 });
    expect([...clear.data.subarray(0, 4)]).toEqual([0, 0, 0, 0]);
    let partial = 0;
    for (let i = 0; i < clear.data.length; i += 4) {
      const a = clear.data[i + 3]!;
      if (a === 0) continue;
      if (a < 255) partial++;
      // premultiplied sampling: the transparent surround lends no black to the edge
      expect([clear.data[i], clear.data[i + 1], clear.data[i + 2]]).toEqual([10, 200, 30]);
    }
    expect(partial).toBeGreaterThan(0);
  });

  test('the same input and parameters always give the same bytes', async () => {
    const img = randomImage(31, 17, 4);
    const a = await run(img, { angle: 33.3 });
    const b = await run(img, { angle: 33.3 });
    expect(sameBytes(a.data, b.data)).toBe(true);
  });

  test('the input buffer is left untouched', async () => {
    const img = randomImage(12, 9, 4);
    const copy = img.data.slice();
    await run(img, { angle: 33.3 });
    await run(img, { angle: 90 });
    expect(sameBytes(img.data, copy)).toBe(true);
  });

  test('an aborted signal stops the kernel', async () => {
    const ac = new AbortController();
    ac.abort();
    for (const angle of [90, 12]) await expect(run(randomImage(8, 8), { angle }, ac.signal)).rejects.toThrow();
  });
});
