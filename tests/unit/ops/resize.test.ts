import { describe, expect, test } from 'vitest';
import resize from '../../../src/ops/resize/kernel';
import { createImage } from '../../../src/ops/image';
import { resolveParams } from '../../../src/engine/params';
import type { Params } from '../../../src/engine/op';
import type { Image } from '../../../src/ops/types';
import { ctx, randomImage, maxDiff, sameBytes } from './helpers';

async function run(img: Image, params: Params, signal?: AbortSignal): Promise<Image> {
  const out = await resize.kernel({ image: img }, resolveParams(resize, params), ctx(signal));
  return out.image as Image;
}

// ---- Reference: dense weight matrices over every input pixel, premultiplied float maths ----

const FILTERS: Record<string, [(x: number) => number, number]> = {
  bilinear: [(x) => Math.max(0, 1 - Math.abs(x)), 1],
  bicubic: [
    (x) => {
      // Catmull-Rom written out in its textbook form
      const t = Math.abs(x);
      if (t < 1) return 1.5 * t ** 3 - 2.5 * t ** 2 + 1;
      if (t < 2) return -0.5 * t ** 3 + 2.5 * t ** 2 - 4 * t + 2;
      return 0;
    },
    2,
  ],
  lanczos3: [
    (x) => {
      if (x === 0) return 1;
      if (Math.abs(x) >= 3) return 0;
      return (3 * Math.sin(Math.PI * x) * Math.sin((Math.PI * x) / 3)) / (Math.PI * Math.PI * x * x);
    },
    3,
  ],
};

/** weights[i][k]: contribution of input k to output i, the filter stretched by the shrink factor. */
function denseWeights(inSize: number, outSize: number, filter: string): number[][] {
  const [f] = FILTERS[filter]!;
  const scale = inSize / outSize;
  const stretch = Math.max(1, scale);
  const rows: number[][] = [];
  for (let i = 0; i < outSize; i++) {
    const center = (i + 0.5) * scale;
    const w: number[] = [];
    for (let k = 0; k < inSize; k++) w.push(inSize === outSize ? (k === i ? 1 : 0) : f((k + 0.5 - center) / stretch));
    const sum = w.reduce((a, b) => a + b, 0);
    rows.push(w.map((v) => v / sum));
  }
  return rows;
}

function referenceResize(img: Image, outW: number, outH: number, filter: string): Uint8ClampedArray {
  const { width: inW, height: inH, data } = img;
  const wx = denseWeights(inW, outW, filter);
  const wy = denseWeights(inH, outH, filter);
  const pre = new Float64Array(inW * inH * 4);
  for (let i = 0; i < inW * inH; i++) {
    const a = data[i * 4 + 3]!;
    for (let c = 0; c < 3; c++) pre[i * 4 + c] = (data[i * 4 + c]! * a) / 255;
    pre[i * 4 + 3] = a;
  }
  const mid = new Float64Array(outW * inH * 4);
  for (let y = 0; y < inH; y++)
    for (let x = 0; x < outW; x++)
      for (let k = 0; k < inW; k++)
        for (let c = 0; c < 4; c++) mid[(y * outW + x) * 4 + c]! += wx[x]![k]! * pre[(y * inW + k) * 4 + c]!;
  const out = new Uint8ClampedArray(outW * outH * 4);
  for (let y = 0; y < outH; y++)
    for (let x = 0; x < outW; x++) {
      const v = [0, 0, 0, 0];
      for (let k = 0; k < inH; k++) for (let c = 0; c < 4; c++) v[c]! += wy[y]![k]! * mid[(k * outW + x) * 4 + c]!;
      const a = v[3]!;
      const o = (y * outW + x) * 4;
      if (Math.round(a) <= 0) continue; // transparent black
      for (let c = 0; c < 3; c++) out[o + c] = Math.round((v[c]! * 255) / a);
      out[o + 3] = Math.round(a);
    }
  return out;
}

function referenceNearest(img: Image, outW: number, outH: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(outW * outH * 4);
  for (let y = 0; y < outH; y++)
    for (let x = 0; x < outW; x++) {
      const sx = Math.min(img.width - 1, Math.floor(((x + 0.5) * img.width) / outW));
      const sy = Math.min(img.height - 1, Math.floor(((y + 0.5) * img.height) / outH));
      for (let c = 0; c < 4; c++) out[(y * outW + x) * 4 + c] = img.data[(sy * img.width + sx) * 4 + c]!;
    }
  return out;
}

const exact = (width: number, height: number, filter: string): Params => ({ mode: 'size', width, height, keepAspect: false, filter });

describe('resize', () => {
  // Rounding differences between float32 weights and the float64 reference stay within 1 level.
  const cases: [number, number, number, number][] = [
    [1, 1, 3, 2], // upscale a single pixel
    [3, 7, 6, 14],
    [3, 7, 10, 4], // up in x, down in y
    [3, 7, 2, 3],
    [1023, 5, 512, 3],
    [1023, 5, 2046, 11],
    [5, 300, 7, 11], // strong vertical shrink: many rows per output row
  ];
  for (const filter of ['bilinear', 'bicubic', 'lanczos3']) {
    for (const [w, h, ow, oh] of cases) {
      test(`${filter} ${w}×${h} → ${ow}×${oh} matches the reference within 1 level`, async () => {
        const img = randomImage(w, h, w * 131 + h * 7 + ow);
        const res = await run(img, exact(ow, oh, filter));
        expect([res.width, res.height]).toEqual([ow, oh]);
        expect(maxDiff(res.data, referenceResize(img, ow, oh, filter))).toBeLessThanOrEqual(1);
      });
      // An opaque image takes the integer path (Q14 weights in pairs, rows kept in Q6).
      test(`${filter} ${w}×${h} → ${ow}×${oh}, opaque, matches the reference within 1 level and stays opaque`, async () => {
        const img = randomImage(w, h, w * 17 + h * 3 + ow, true);
        const res = await run(img, exact(ow, oh, filter));
        expect([res.width, res.height]).toEqual([ow, oh]);
        expect(maxDiff(res.data, referenceResize(img, ow, oh, filter))).toBeLessThanOrEqual(1);
        expect(res.data.every((v, i) => (i & 3) !== 3 || v === 255)).toBe(true);
      });
    }
  }

  for (const [w, h, ow, oh] of cases) {
    test(`nearest ${w}×${h} → ${ow}×${oh} copies the reference pixels exactly`, async () => {
      const img = randomImage(w, h, w + h + ow);
      const res = await run(img, exact(ow, oh, 'nearest'));
      expect(sameBytes(res.data, referenceNearest(img, ow, oh))).toBe(true);
    });
  }

  test('resizing to the same size returns an exact copy, not the input buffer', async () => {
    const img = randomImage(9, 4, 3);
    const res = await run(img, { scale: 100 });
    expect(res.data).not.toBe(img.data);
    expect(sameBytes(res.data, img.data)).toBe(true);
  });

  for (const filter of ['bilinear', 'bicubic', 'lanczos3']) {
    test(`${filter} keeps a uniform opaque image exactly uniform, up and down (each pixel's integer weights sum to one)`, async () => {
      const img = createImage(41, 29);
      for (let i = 0; i < img.data.length; i += 4) img.data.set([201, 30, 91, 255], i);
      for (const scale of [23, 50, 250]) {
        const res = await run(img, { scale, filter });
        for (let i = 0; i < res.data.length; i += 4) expect([...res.data.subarray(i, i + 4)]).toEqual([201, 30, 91, 255]);
      }
    });
  }

  for (const filter of ['nearest', 'bilinear', 'bicubic', 'lanczos3']) {
    test(`${filter} keeps a uniform image uniform, up and down`, async () => {
      const img = createImage(13, 9);
      for (let i = 0; i < img.data.length; i += 4) img.data.set([200, 30, 90, 128], i);
      for (const scale of [23, 250]) {
        const res = await run(img, { scale, filter });
        for (let i = 0; i < res.data.length; i += 4) {
          expect(Math.abs(res.data[i]! - 200) + Math.abs(res.data[i + 1]! - 30) + Math.abs(res.data[i + 2]! - 90) + Math.abs(res.data[i + 3]! - 128)).toBeLessThanOrEqual(1);
        }
      }
    });
  }

  test('transparent pixels lend no colour to their neighbours', async () => {
    const img = createImage(16, 16);
    for (let y = 0; y < 16; y++)
      for (let x = 0; x < 16; x++) img.data.set(x < 8 ? [255, 0, 0, 255] : [0, 255, 0, 0], (y * 16 + x) * 4);
    for (const scale of [30, 300]) {
      const res = await run(img, { scale, filter: 'lanczos3' });
      let partlyCovered = 0;
      for (let i = 0; i < res.data.length; i += 4) {
        if (res.data[i + 3] === 0) continue;
        if (res.data[i + 3]! < 255) partlyCovered++;
        expect([res.data[i], res.data[i + 1], res.data[i + 2]]).toEqual([255, 0, 0]);
      }
      expect(partlyCovered).toBeGreaterThan(0);
    }
  });

  test('shrinking averages over the area instead of aliasing', async () => {
    // A one-pixel checkerboard: point sampling would give pure black or white.
    const img = createImage(64, 64);
    for (let y = 0; y < 64; y++)
      for (let x = 0; x < 64; x++) {
        const v = (x + y) & 1 ? 255 : 0;
        img.data.set([v, v, v, 255], (y * 64 + x) * 4);
      }
    for (const filter of ['bilinear', 'bicubic', 'lanczos3']) {
      const res = await run(img, { scale: 25, filter });
      for (let i = 0; i < res.data.length; i += 4) expect(Math.abs(res.data[i]! - 127.5)).toBeLessThan(3);
    }
  });

  test('percentage sizes round to whole pixels and never go below 1', async () => {
    const img = randomImage(101, 3, 2);
    expect(await run(img, { scale: 50 })).toMatchObject({ width: 51, height: 2 });
    expect(await run(img, { scale: 1 })).toMatchObject({ width: 1, height: 1 });
  });

  test('keep aspect ratio fits the image inside the width and height', async () => {
    const img = randomImage(200, 100, 2);
    expect(await run(img, { mode: 'size', width: 50, height: 50, keepAspect: true })).toMatchObject({ width: 50, height: 25 });
    expect(await run(img, { mode: 'size', width: 1000, height: 150, keepAspect: true })).toMatchObject({ width: 300, height: 150 });
    expect(await run(img, { mode: 'size', width: 50, height: 50, keepAspect: false })).toMatchObject({ width: 50, height: 50 });
  });

  test('an output over the pixel limit is refused with a clear message before allocating', async () => {
    const img = createImage(1000, 1000);
    await expect(run(img, { scale: 1000 })).rejects.toThrow(/10000×10000.*over the 67 MP limit/);
  });

  test('the same input and parameters always give the same bytes', async () => {
    const img = randomImage(37, 23, 9);
    const a = await run(img, { scale: 61, filter: 'lanczos3' });
    const b = await run(img, { scale: 61, filter: 'lanczos3' });
    expect(sameBytes(a.data, b.data)).toBe(true);
  });

  test('the input buffer is left untouched', async () => {
    const img = randomImage(20, 20, 4);
    const copy = img.data.slice();
    await run(img, { scale: 37, filter: 'bicubic' });
    expect(sameBytes(img.data, copy)).toBe(true);
  });

  test('an aborted signal stops the kernel', async () => {
    const ac = new AbortController();
    ac.abort();
    for (const filter of ['nearest', 'lanczos3']) {
      await expect(run(randomImage(8, 8), { scale: 50, filter }, ac.signal)).rejects.toThrow();
    }
  });

  test('progress rises to 1 on a large image', async () => {
    const img = createImage(2048, 1024);
    const seen: number[] = [];
    await resize.kernel({ image: img }, resolveParams(resize, { scale: 50 }), ctx(undefined, (p) => seen.push(p)));
    expect(seen.length).toBeGreaterThan(1);
    expect(seen.every((p, i) => p >= 0 && p <= 1 && (i === 0 || p >= seen[i - 1]!))).toBe(true);
    expect(seen.at(-1)).toBe(1);
  });
});
