// Tiled execution without workers: every operation that declares `tile` gives, band by band, what
// it gives on the whole image (byte for byte, or within the tolerance it declares), on odd sizes,
// with alpha that varies from band to band, for band counts whose bands are thinner than the halo.
// Also the band plan itself, and the list of operations that must not be tiled.

import { describe, expect, test } from 'vitest';
import { ops } from '../../../src/ops/kernels';
import { resolveParams } from '../../../src/engine/params';
import type { Params } from '../../../src/engine/op';
import { createImage } from '../../../src/ops/image';
import type { Image, OpDef, Value } from '../../../src/ops/types';
import {
  bandCost,
  bandInputs,
  bandTarget,
  copyBandRows,
  planBands,
  planResampledBands,
  planTiles,
  runBanded,
  sliceRows,
  tileHalo,
  tileSafe,
  tileableSize,
} from '../../../src/ops/tiles';
import { ctx, maxDiff, rng, sameBytes } from './helpers';

/**
 * RGBA noise whose alpha changes every few rows: opaque, random, all-or-nothing, opaque again. Some
 * bands then see only opaque rows while the image as a whole is not (kernels that skip
 * premultiplying opaque images must still agree), and transparent pixels have colour to hide.
 */
function varied(width: number, height: number, seed: number): Image {
  const img = createImage(width, height);
  const r = rng(seed);
  const d = img.data;
  for (let y = 0; y < height; y++) {
    const mode = Math.floor(y / 5) % 4;
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      d[i] = Math.floor(r() * 256);
      d[i + 1] = Math.floor(r() * 256);
      d[i + 2] = Math.floor(r() * 256);
      d[i + 3] = mode === 1 ? Math.floor(r() * 256) : mode === 2 ? (r() < 0.5 ? 0 : 255) : 255;
    }
  }
  return img;
}

/** Big flat areas with hard horizontal edges (where a cut filter shows most) over mild noise. */
function edges(width: number, height: number, seed: number): Image {
  const img = createImage(width, height);
  const r = rng(seed);
  const d = img.data;
  for (let y = 0; y < height; y++) {
    const on = Math.floor(y / 9) % 3 === 0;
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      const v = on ? 250 : 5;
      d[i] = v + Math.floor(r() * 5) - 2;
      d[i + 1] = 255 - v;
      d[i + 2] = (x * 255) / Math.max(1, width - 1);
      d[i + 3] = y % 13 === 0 ? 128 : 255;
    }
  }
  return img;
}

const m5 = Array.from({ length: 25 }, (_, i) => ((i * 7) % 11) - 5);
const m7 = Array.from({ length: 49 }, (_, i) => ((i * 5) % 9) - 3);

/** Parameters per tile-safe operation: with halos from 0 to wider than the image. */
const CASES: Record<string, readonly Params[]> = {
  'brightness-contrast': [{ brightness: 30, contrast: -40 }, { brightness: -70, contrast: 80 }],
  levels: [{ inBlack: 20, inWhite: 230, gamma: 1.7 }, { channel: 'g', outBlack: 200, outWhite: 40 }],
  invert: [{}],
  grayscale: [{ method: 'rec709' }, { method: 'rec601' }, { method: 'average' }, { method: 'lightness' }],
  threshold: [{ level: 100 }, { level: 200, mode: 'channels' }],
  posterize: [{ levels: 3 }, { levels: 11 }],
  'hue-saturation': [{ hue: 70, saturation: 40, lightness: -20 }, { hue: -150, saturation: -100, lightness: 60 }],
  'exposure-gamma': [{ exposure: 1.3, gamma: 0.8, offset: 0.02 }, { exposure: -2, gamma: 2.2 }],
  'temperature-tint': [{ temperature: 60, tint: -30 }, { temperature: -90, tint: 70 }],
  'channel-mix': [{ rr: 50, rg: 60, rb: -20, gc: 10 }, { monochrome: true, rr: 30, rg: 59, rb: 11 }],
  'channel-extract': [{ channel: 'r' }, { channel: 'a' }, { channel: 'luma' }],
  'apply-mask': [{ source: 'luma' }, { source: 'alpha', invert: true }, { source: 'red' }],
  blend: [
    { mode: 'multiply', opacity: 70 },
    { mode: 'overlay', x: -3, y: 5 },
    { mode: 'difference', x: 4, y: -12 },
    { mode: 'screen', y: 40, stretch: true },
    { mode: 'add', y: 200 },
  ],
  'gaussian-blur': [{ sigma: 0.3 }, { sigma: 0.9 }, { sigma: 1.4 }, { sigma: 1.5 }, { sigma: 2.5 }, { sigma: 7 }, { sigma: 40 }],
  'box-blur': [{ radius: 1 }, { radius: 4 }, { radius: 12 }, { radius: 90 }],
  median: [{ radius: 1 }, { radius: 2 }, { radius: 6 }, { radius: 10 }],
  convolve: [{}, { matrix: m5, divisor: 3, bias: 20 }, { matrix: m7, bias: -10 }],
  sobel: [{ direction: 'both' }, { direction: 'x' }, { direction: 'y' }],
  emboss: [{}, { strength: 3, angle: 30 }],
  morphology: [
    { operation: 'erode', radius: 2 },
    { operation: 'dilate', radius: 3, shape: 'disc' },
    { operation: 'open', radius: 5 },
    { operation: 'close', radius: 4, shape: 'disc' },
  ],
  resize: [
    { mode: 'scale', scale: 50, filter: 'lanczos3' },
    { mode: 'scale', scale: 37, filter: 'bilinear' },
    { mode: 'scale', scale: 230, filter: 'bicubic' },
    { mode: 'size', width: 20, height: 90, keepAspect: false, filter: 'lanczos3' },
    { mode: 'size', width: 150, height: 9, keepAspect: false, filter: 'bicubic' },
  ],
  'unsharp-mask': [
    { amount: 150, radius: 1 },
    { amount: 150, radius: 3 },
    { amount: 80, radius: 2, threshold: 4 },
    { amount: 300, radius: 0.6, threshold: 2 },
  ],
};

/**
 * Operations that must not be tiled, and why. Declaring `tile` on any of them would be a bug:
 * their output depends on the whole image or is not the input's size.
 */
const NOT_TILED: Record<string, string> = {
  'image-source': 'a source: no input to cut',
  camera: 'a source: no input to cut',
  timer: 'a live source with no ports: computes nothing',
  fill: 'a source: no input to cut',
  gradient: 'a source, and its ramp spans the whole image',
  histogram: 'counts the whole image; not an image output',
  statistics: 'summarises the whole image; not an image output',
  'mean-difference': 'summarises two whole images; not an image output',
  rotate: 'output size differs and rows move',
  crop: 'output size differs',
  pad: 'output size differs',
  flip: 'rows move across the image',
};

const SIZES = [
  [37, 53],
  [101, 67],
] as const;
const BAND_COUNTS = [2, 3, 7];

function secondInput(op: OpDef, img: Image, seed: number): Record<string, Value> {
  if (op.id === 'blend') return { base: img, top: varied(img.width, img.height, seed + 100) };
  if (op.id === 'apply-mask') return { image: img, mask: varied(img.width, img.height, seed + 200) };
  return { image: img };
}

async function whole(op: OpDef, inputs: Record<string, Value>, params: Params): Promise<Image> {
  return (await op.kernel(inputs, params, ctx())).image as Image;
}

async function banded(op: OpDef, inputs: Record<string, Value>, params: Params, count: number, direct = true): Promise<Image> {
  return (await runBanded(op, inputs, params, ctx(), count, direct)).image as Image;
}

describe('every tile-safe operation gives the same result band by band', () => {
  const tiled = ops.filter((o) => o.tile);
  for (const op of tiled) {
    const cases = CASES[op.id] ?? [];
    test(`${op.id}: a case list exists for it`, () => {
      expect(cases.length, `add parameter cases for ${op.id} to CASES`).toBeGreaterThan(0);
      expect(tileSafe(op)).toBe(true);
    });
    for (const raw of cases) {
      const params = resolveParams(op, raw);
      const halo = tileHalo(op, params)!;
      const tolerance = op.tile!.tolerance?.(params) ?? 0;
      test(`${op.id} ${JSON.stringify(raw)} (halo ${halo}, ${tolerance ? `within ${tolerance}` : 'byte for byte'})`, async () => {
        let seed = 1;
        for (const [w, h] of SIZES) {
          for (const make of [varied, edges]) {
            const inputs = secondInput(op, make(w, h, ++seed), seed);
            const before = Object.values(inputs).map((v) => (v as Image).data.slice());
            const full = await whole(op, inputs, params);
            for (const count of BAND_COUNTS) {
              // Kernels writing their rows into the output themselves, and the same bands copied.
              for (const direct of [true, false]) {
                const parts = await banded(op, inputs, params, count, direct);
                expect([parts.width, parts.height]).toEqual([full.width, full.height]);
                const what = `${w}×${h} ${make.name}, ${count} bands${direct ? '' : ', copied'}`;
                if (tolerance === 0) expect(sameBytes(parts.data, full.data), what).toBe(true);
                else expect(maxDiff(parts.data, full.data), what).toBeLessThanOrEqual(tolerance);
              }
            }
            // Bands are views of the inputs: nothing wrote to them.
            Object.values(inputs).forEach((v, i) => expect(sameBytes((v as Image).data, before[i]!)).toBe(true));
          }
        }
      });
    }
  }

  test('the recursive gaussian stays within 1 level of the whole-image blur next to hard edges just outside the halo', async () => {
    const gaussian = ops.find((o) => o.id === 'gaussian-blur')!;
    for (const sigma of [1.5, 5, 20]) {
      const params = resolveParams(gaussian, { sigma });
      const halo = tileHalo(gaussian, params)!;
      const h = 2 * halo + 64;
      const boundary = planBands(h, 2, halo)[1]!.y0;
      // Steps right outside either band's input, where truncating the filter matters most.
      for (const at of [boundary - halo - 1, boundary - halo, boundary + halo, boundary + halo + 1]) {
        const img = createImage(23, h);
        for (let y = 0; y < h; y++) img.data.fill(y < at ? 0 : 255, y * 23 * 4, (y + 1) * 23 * 4);
        const full = await whole(gaussian, { image: img }, params);
        expect(maxDiff((await banded(gaussian, { image: img }, params, 2)).data, full.data), `σ ${sigma}, step at ${at}`).toBeLessThanOrEqual(1);
      }
    }
  });
});

describe('operations that are not tile-safe', () => {
  test('are exactly the listed ones: sources, whole-image analyses and geometry', () => {
    const untiled = ops.filter((o) => !o.tile).map((o) => o.id).sort();
    expect(untiled).toEqual(Object.keys(NOT_TILED).sort());
    const tiled = ops.filter((o) => o.tile).map((o) => o.id).sort();
    expect(tiled).toEqual(Object.keys(CASES).sort());
  });

  test('every tile-safe operation maps images to images, and only resize changes their size', () => {
    for (const op of ops.filter((o) => o.tile)) {
      expect(op.inputs.some((p) => p.type === 'image'), op.id).toBe(true);
      expect(op.outputs.every((p) => p.type === 'image'), op.id).toBe(true);
    }
    expect(ops.filter((o) => o.tile?.resample).map((o) => o.id)).toEqual(['resize']);
  });

  test('resize is split only where its WebAssembly path runs: not nearest, not the same size', async () => {
    const resize = ops.find((o) => o.id === 'resize')!;
    const img = varied(40, 30, 5);
    const declined: Params[] = [{ filter: 'nearest', scale: 50 }, { filter: 'lanczos3', scale: 100 }, { mode: 'size', width: 40, height: 30, filter: 'bicubic' }];
    for (const raw of declined) {
      const params = resolveParams(resize, raw);
      expect(resize.tile!.resample!(params, 40, 30), JSON.stringify(raw)).toBeUndefined();
      await expect(runBanded(resize, { image: img }, params, ctx(), 2)).rejects.toThrow(/not split for these parameters/);
    }
    // an output over the pixel limit runs whole, where the kernel refuses it before allocating
    const huge = resolveParams(resize, { scale: 1000 });
    expect(resize.tile!.resample!(huge, 4000, 4000)).toMatchObject({ width: 40000, height: 40000 });
    expect(planTiles(resize, huge, { width: 4000, height: 4000 }, () => 2)).toBeUndefined();
    expect(planTiles(resize, resolveParams(resize, { scale: 50 }), { width: 4000, height: 4000 }, () => 2)?.bands).toHaveLength(2);
  });

  test('runBanded refuses them', async () => {
    const histogram = ops.find((o) => o.id === 'histogram')!;
    await expect(runBanded(histogram, { image: varied(8, 8, 1) }, resolveParams(histogram, {}), ctx(), 2)).rejects.toThrow(/not tile-safe/);
  });
});

describe('band plans', () => {
  test('bands cover every row once, in order, with the halo clamped to the image', () => {
    for (const height of [1, 2, 7, 53, 1000]) {
      for (const count of [1, 2, 3, 7, 64]) {
        for (const halo of [0, 1, 5, 2000]) {
          const bands = planBands(height, count, halo);
          expect(bands.length).toBe(Math.min(height, count));
          let next = 0;
          for (const b of bands) {
            expect(b.y0).toBe(next);
            expect(b.y1).toBeGreaterThan(b.y0);
            expect(b.in0).toBe(Math.max(0, b.y0 - halo));
            expect(b.in1).toBe(Math.min(height, b.y1 + halo));
            expect(b.count).toBe(bands.length);
            next = b.y1;
          }
          expect(next).toBe(height);
          const sizes = bands.map((b) => b.y1 - b.y0);
          expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
        }
      }
    }
  });

  test('a resampling op’s bands are runs of output rows, each reading every row its windows reach', () => {
    // output row y reads input rows [2y − 1, 2y + 3), clamped: a shrink by two with 4 taps
    const map = { width: 10, height: 50, rows: (y0: number, y1: number) => [Math.max(0, 2 * y0 - 1), Math.min(100, 2 * (y1 - 1) + 3)] as const };
    const bands = planResampledBands(map, 3);
    expect(bands.map((b) => [b.y0, b.y1, b.in0, b.in1])).toEqual([[0, 17, 0, 35], [17, 34, 33, 69], [34, 50, 67, 100]]);
    expect(bands.every((b) => b.resampled && b.count === 3)).toBe(true);
    const out = createImage(10, 50);
    const target = bandTarget(bands[1]!, out, 100);
    expect(target).toMatchObject({ from: 0, to: 17, rows: { y0: 17, y1: 34, in0: 33, inHeight: 100 } });
    expect(target.into.data.byteOffset).toBe(17 * 10 * 4);
    expect(() => bandTarget(bands[1]!, out)).toThrow(/input’s height/);
    // a kernel's own image for the band is its rows only
    const result = createImage(10, 17);
    result.data.fill(7);
    copyBandRows(result, bands[1]!, out);
    expect(out.data.subarray(17 * 40, 34 * 40).every((v) => v === 7)).toBe(true);
    expect(out.data.subarray(0, 17 * 40).every((v) => v === 0) && out.data.subarray(34 * 40).every((v) => v === 0)).toBe(true);
    expect(() => copyBandRows(createImage(10, 35), bands[1]!, out, 'Resize')).toThrow(/gave 10×35 for a band of 10×17/);
  });

  test('the cost counts the rows read, relative to the image', () => {
    const bands = planBands(100, 2, 10);
    expect(bandCost(bands, 100)).toEqual({ total: 1.2, longest: 0.6 });
  });

  test('a band input is a view of the same memory, not a copy', () => {
    const img = varied(5, 9, 3);
    const [, band] = planBands(9, 2, 1);
    const sub = bandInputs({ image: img, n: 4 }, band!, 5, 9);
    const view = sub.image as Image;
    expect([view.width, view.height]).toEqual([5, band!.in1 - band!.in0]);
    expect(view.data.buffer).toBe(img.data.buffer);
    expect(view.data.byteOffset).toBe(band!.in0 * 5 * 4);
    expect(sub.n).toBe(4);
    expect(() => sliceRows(img, 3, 10)).toThrow(RangeError);
  });

  test('copying a band checks the kernel kept the size, and writes only the band’s own rows', () => {
    const out = createImage(4, 6);
    const [, band] = planBands(6, 2, 2); // rows 3..6 from input rows 1..6
    const result = createImage(4, 5);
    result.data.fill(9);
    copyBandRows(result, band!, out);
    expect(out.data.subarray(0, 3 * 16).every((v) => v === 0)).toBe(true);
    expect(out.data.subarray(3 * 16).every((v) => v === 9)).toBe(true);
    expect(() => copyBandRows(createImage(4, 3), band!, out, 'Blur')).toThrow(/Blur is declared tile-safe but gave 4×3 for a band of 4×5/);
    expect(() => copyBandRows(7, band!, out)).toThrow(/gave no image/);
  });

  test('kernels that can write a band’s rows into the shared output themselves do, and return that view', async () => {
    const writers = ['gaussian-blur', 'box-blur', 'median', 'convolve', 'sobel', 'emboss', 'morphology', 'unsharp-mask', 'invert', 'levels', 'grayscale', 'hue-saturation', 'apply-mask'];
    for (const id of writers) {
      const op = ops.find((o) => o.id === id)!;
      const img = varied(9, 12, 4);
      const out = createImage(9, 12);
      const [, band] = planBands(12, 2, tileHalo(op, resolveParams(op, {}))!);
      const target = bandTarget(band!, out);
      const inputs = bandInputs(secondInput(op, img, 4), band!, 9, 12);
      const raw = await op.kernel(inputs, resolveParams(op, {}), { ...ctx(), tile: target });
      expect(raw.image, id).toBe(target.into);
      expect(target.into.data.buffer).toBe(out.data.buffer);
    }
  });

  test('image inputs of different sizes are not tileable', () => {
    const blend = ops.find((o) => o.id === 'blend')!;
    expect(tileableSize(blend, { base: varied(4, 4, 1), top: varied(4, 4, 2) })).toEqual({ width: 4, height: 4 });
    expect(tileableSize(blend, { base: varied(4, 4, 1) })).toEqual({ width: 4, height: 4 });
    expect(tileableSize(blend, { base: varied(4, 4, 1), top: varied(4, 5, 2) })).toBeUndefined();
  });
});
