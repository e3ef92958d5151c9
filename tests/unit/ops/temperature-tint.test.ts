import { describe, expect, test } from 'vitest';
import op from '../../../src/ops/temperature-tint/kernel';
import { resolveParams } from '../../../src/engine/params';
import type { Params } from '../../../src/engine/op';
import type { Image } from '../../../src/ops/types';
import { createImage } from '../../../src/ops/image';
import { ctx, randomImage, maxDiff, sameBytes, imageKernelContract, imageRunner, edgeImage, alpha, rng } from './helpers';
import { applyChannelLuts } from '../../../src/ops/pixels';

const run = imageRunner(op);

const toLinear = (c: number) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
const toSrgb = (l: number) => (l <= 0.0031308 ? l * 12.92 : 1.055 * l ** (1 / 2.4) - 0.055);

/** The documented gains: red 2^t, green 2^−m, blue 2^−t, divided by their Rec. 709 luminance. */
function gains(temperature: number, tint: number): [number, number, number] {
  const t = temperature / 100;
  const m = tint / 100;
  const g = [2 ** t, 2 ** -m, 2 ** -t] as const;
  const y = 0.2126 * g[0] + 0.7152 * g[1] + 0.0722 * g[2];
  return [g[0] / y, g[1] / y, g[2] / y];
}

/** Reference: per value, sRGB → linear, times the channel's gain, clip, → sRGB. */
function reference(data: Uint8ClampedArray, temperature: number, tint: number): Uint8ClampedArray {
  const gain = gains(temperature, tint);
  const out = new Uint8ClampedArray(data.length);
  for (let i = 0; i < data.length; i++) {
    const c = i % 4;
    out[i] = c === 3 ? data[i]! : Math.round(toSrgb(Math.min(1, toLinear(data[i]! / 255) * gain[c]!)) * 255);
  }
  return out;
}

function grey(v: number): Image {
  const img = createImage(1, 1);
  img.data.set([v, v, v, 255]);
  return img;
}

describe('temperature-tint', () => {
  for (const [w, h] of [[1, 1], [3, 7], [1023, 5]] as const) {
    test(`matches the reference within one level on a ${w}×${h} image`, async () => {
      const img = randomImage(w, h, w * 31 + h);
      const res = await run(img, { temperature: 35, tint: -20 });
      expect(res.width).toBe(w);
      expect(res.height).toBe(h);
      expect(maxDiff(res.data, reference(img.data, 35, -20))).toBeLessThanOrEqual(1);
    });
  }

  for (const [temperature, tint] of [[-100, -100], [-100, 100], [100, -100], [100, 100], [0, 60], [-45, 0]] as const) {
    test(`matches the reference on every level with temperature ${temperature} and tint ${tint}`, async () => {
      const img = edgeImage();
      const res = await run(img, { temperature, tint });
      expect(maxDiff(res.data, reference(img.data, temperature, tint))).toBeLessThanOrEqual(1);
    });
  }

  test('the default parameters leave the image unchanged', async () => {
    const img = edgeImage();
    expect(sameBytes((await run(img)).data, img.data)).toBe(true);
  });

  test('warming raises red and lowers blue on mid-grey', async () => {
    const res = await run(grey(128), { temperature: 50 });
    expect(res.data[0]).toBeGreaterThan(128);
    expect(res.data[2]).toBeLessThan(128);
  });

  test('a positive tint lowers green and raises red and blue', async () => {
    const res = await run(grey(128), { tint: 50 });
    expect(res.data[0]).toBeGreaterThan(128);
    expect(res.data[1]).toBeLessThan(128);
    expect(res.data[2]).toBeGreaterThan(128);
  });

  test('mid-grey keeps its luminance within rounding at the extremes', async () => {
    const before = toLinear(128 / 255);
    for (const [temperature, tint] of [[100, 100], [-100, -100], [100, -100], [-100, 100]] as const) {
      const d = (await run(grey(128), { temperature, tint })).data;
      const after = 0.2126 * toLinear(d[0]! / 255) + 0.7152 * toLinear(d[1]! / 255) + 0.0722 * toLinear(d[2]! / 255);
      expect(Math.abs(after - before) / before).toBeLessThan(0.01);
    }
  });

  test('keeps alpha', async () => {
    const img = randomImage(61, 13, 3);
    const res = await run(img, { temperature: -30, tint: 45 });
    expect(sameBytes(alpha(res.data), alpha(img.data))).toBe(true);
  });

  imageKernelContract(run, { temperature: -30, tint: 45 });
});

/** The op's former JS kernel: its curves built as before, applied by the JS table loop (applyChannelLuts). */
function former(src: Image, temperature: number, tint: number): Image {
  const lin = (c: number) => (c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4));
  const srgb = (l: number) => (l <= 0.0031308 ? l * 12.92 : 1.055 * Math.pow(l, 1 / 2.4) - 0.055);
  const curve = (gain: number) => {
    const lut = new Uint8Array(256);
    for (let i = 0; i < 256; i++) lut[i] = gain === 1 ? i : Math.round(srgb(Math.min(1, lin(i / 255) * gain)) * 255);
    return lut;
  };
  const t = temperature / 100;
  const m = tint / 100;
  let gr = Math.pow(2, t);
  let gg = Math.pow(2, -m);
  let gb = Math.pow(2, -t);
  const norm = 0.2126 * gr + 0.7152 * gg + 0.0722 * gb;
  if (t !== 0 || m !== 0) {
    gr /= norm;
    gg /= norm;
    gb /= norm;
  }
  return applyChannelLuts(src, curve(gr), curve(gg), curve(gb), ctx());
}

describe('temperature-tint is byte-identical to its former JS kernel', () => {
  test('on extreme, edge and random parameter values, across chunks and odd tails', async () => {
    const next = rng(31);
    const cases: [number, number][] = [];
    for (const a of [-100, -99.5, -1e-9, 0, 1e-9, 50, 100]) for (const b of [-100, -0.5, 0, 1e-9, 100]) cases.push([a, b]);
    for (let k = 0; k < 40; k++) cases.push([next() * 200 - 100, next() * 200 - 100]);
    const small = randomImage(257, 3, 9);
    for (const [temperature, tint] of cases) {
      const got = await run(small, { temperature, tint });
      expect(sameBytes(got.data, former(small, temperature, tint).data), `${temperature}, ${tint}`).toBe(true);
    }
    const big = randomImage(1023, 257, 10);
    expect(sameBytes((await run(big, { temperature: 10, tint: -7 })).data, former(big, 10, -7).data)).toBe(true);
  });
});
