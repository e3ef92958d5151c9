// The pointwise kernels moved to WebAssembly (brightness/contrast, exposure/gamma, posterize and
// invert; levels, temperature/tint and grayscale were already there) must give the very bytes of
// the plain JS loops they replaced: every size across the chunk and SIMD boundaries, both table
// paths (per byte below PAIR_TABLE_PIXELS, red+green pair table above), random alpha, and a
// whole-image tile target.
import { describe, expect, test } from 'vitest';
import brightnessContrast from '../../../src/ops/brightness-contrast/kernel';
import exposureGamma from '../../../src/ops/exposure-gamma/kernel';
import posterize from '../../../src/ops/posterize/kernel';
import invert from '../../../src/ops/invert/kernel';
import { applyChannelLuts, applyChannelLutsWasm } from '../../../src/ops/pixels';
import { createImage } from '../../../src/ops/image';
import { resolveParams } from '../../../src/engine/params';
import type { Image, OpDef } from '../../../src/ops/types';
import { ctx, randomImage, rng, sameBytes } from './helpers';

// 1×1, a tail shorter than one SIMD step, 65 535 pixels (just below the pair table) and 65 536
// (just at it), and sizes with odd tails over several 32 768-pixel chunks
const SIZES = [[1, 1], [3, 1], [7, 3], [255, 257], [256, 256], [1021, 67], [181, 1453]] as const;

function identity(): Uint8Array {
  return new Uint8Array(256).map((_, i) => i);
}

async function runOp(op: OpDef, img: Image, params: Record<string, unknown>): Promise<Image> {
  return (await op.kernel({ image: img }, resolveParams(op, params as never), ctx()))['image'] as Image;
}

describe('per-channel tables in WebAssembly', () => {
  test('equal the JS table loop for random tables on every size, both table paths', async () => {
    const next = rng(11);
    const t = () => new Uint8Array(256).map(() => Math.floor(next() * 256));
    for (const [w, h] of SIZES) {
      const img = randomImage(w, h, w * 7 + h);
      const [lr, lg, lb] = [t(), t(), t()];
      const got = await applyChannelLutsWasm(img, lr, lg, lb, ctx());
      expect(sameBytes(got.data, applyChannelLuts(img, lr, lg, lb, ctx()).data), `${w}×${h}`).toBe(true);
    }
  });

  test('every value of every channel goes through its own table, alpha kept', async () => {
    // 256×256 pixels: red = x, green = y, blue = x ^ y, alpha = 255 − x — every byte value on each channel, pair path
    const img = createImage(256, 256);
    for (let y = 0; y < 256; y++) {
      for (let x = 0; x < 256; x++) img.data.set([x, y, x ^ y, 255 - x], (y * 256 + x) * 4);
    }
    const lr = identity().map((v) => 255 - v);
    const lg = identity().map((v) => (v * 7) & 255);
    const lb = identity().map((v) => v >> 1);
    const got = await applyChannelLutsWasm(img, lr, lg, lb, ctx());
    expect(sameBytes(got.data, applyChannelLuts(img, lr, lg, lb, ctx()).data)).toBe(true);
    expect([...got.data.subarray(0, 8)]).toEqual([255, 0, 0, 255, 254, 0, 0, 254]);
  });

  test('write into a whole-image tile target, returning that very image', async () => {
    const img = randomImage(300, 240, 3);
    const lr = identity().map((v) => 255 - v);
    const into = createImage(300, 240);
    into.data.fill(9);
    const got = await applyChannelLutsWasm(img, lr, lr, lr, { ...ctx(), tile: { from: 0, to: 240, into } });
    expect(got).toBe(into);
    expect(sameBytes(got.data, applyChannelLuts(img, lr, lr, lr, ctx()).data)).toBe(true);
  });
});

/** brightness/contrast's curve as its former JS kernel built it. */
function bcCurve(brightness: number, contrast: number): Uint8Array {
  const b = brightness / 200;
  const slant = contrast === 0 ? 1 : Math.tan(((contrast / 100 + 1) * Math.PI) / 4);
  return identity().map((i) => {
    let v = i / 255;
    v = b < 0 ? v * (1 + b) : v + (1 - v) * b;
    v = (v - 0.5) * slant + 0.5;
    return Math.round(Math.min(1, Math.max(0, v)) * 255);
  });
}

/** exposure/gamma's curve as its former JS kernel built it. */
function exposureCurve(exposure: number, gamma: number, offset: number): Uint8Array {
  const toLin = (c: number) => (c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4));
  const toSrgb = (l: number) => (l <= 0.0031308 ? l * 12.92 : 1.055 * Math.pow(l, 1 / 2.4) - 0.055);
  const gain = Math.pow(2, exposure);
  return identity().map((i) => {
    let x = toLin(i / 255) * gain + offset;
    x = x <= 0 ? 0 : gamma === 1 ? x : Math.pow(x, 1 / gamma);
    return Math.round(toSrgb(Math.min(1, x)) * 255);
  });
}

describe('the table ops are byte-identical to their former JS kernels', () => {
  test('brightness/contrast', async () => {
    for (const [w, h] of SIZES) {
      const img = randomImage(w, h, w + 3 * h);
      for (const [brightness, contrast] of [[-20, 30], [100, -100], [-100, 100], [37, -63], [0, 0]] as const) {
        const got = await runOp(brightnessContrast, img, { brightness, contrast });
        const lut = bcCurve(brightness, contrast);
        expect(sameBytes(got.data, applyChannelLuts(img, lut, lut, lut, ctx()).data), `${w}×${h} ${brightness}/${contrast}`).toBe(true);
      }
    }
  });

  test('exposure/gamma', async () => {
    for (const [w, h] of SIZES) {
      const img = randomImage(w, h, 5 * w + h);
      for (const [exposure, gamma, offset] of [[1, 1, 0], [-2.5, 0.6, 0.05], [3, 2.2, -0.1]] as const) {
        const got = await runOp(exposureGamma, img, { exposure, gamma, offset });
        const lut = exposureCurve(exposure, gamma, offset);
        expect(sameBytes(got.data, applyChannelLuts(img, lut, lut, lut, ctx()).data), `${w}×${h} ${exposure}/${gamma}/${offset}`).toBe(true);
      }
    }
  });

  test('posterize', async () => {
    for (const [w, h] of SIZES) {
      const img = randomImage(w, h, w * h + 1);
      for (const levels of [2, 5, 32]) {
        const got = await runOp(posterize, img, { levels });
        const lut = identity().map((i) => Math.round((Math.floor((i * levels) / 256) * 255) / (levels - 1)));
        expect(sameBytes(got.data, applyChannelLuts(img, lut, lut, lut, ctx()).data), `${w}×${h} ${levels}`).toBe(true);
      }
    }
  });
});

describe('invert in WebAssembly', () => {
  test('is 255 − v on colour with alpha kept, on every size', async () => {
    for (const [w, h] of SIZES) {
      const img = randomImage(w, h, 13 * w + h);
      const got = await runOp(invert, img, {});
      const want = new Uint8ClampedArray(img.data.length);
      for (let i = 0; i < want.length; i++) want[i] = (i & 3) === 3 ? img.data[i]! : 255 - img.data[i]!;
      expect(sameBytes(got.data, want), `${w}×${h}`).toBe(true);
    }
  });
});
