import { describe, expect, test } from 'vitest';
import op, { hueSaturationMemo } from '../../../src/ops/hue-saturation/kernel';
import { MEMO_MIN_PIXELS } from '../../../src/ops/colour-memo';
import { resolveParams } from '../../../src/engine/params';
import type { Params } from '../../../src/engine/op';
import type { Image } from '../../../src/ops/types';
import { createImage } from '../../../src/ops/image';
import { ctx, randomImage, maxDiff, sameBytes, imageKernelContract, imageRunner, edgeImage, alpha, rng } from './helpers';

const run = imageRunner(op);

/**
 * Reference, written independently of the kernel: RGB → HSL with hue in degrees, adjust, then back
 * through the chroma/X/m construction.
 */
function reference(data: Uint8ClampedArray, hue: number, saturation: number, lightness: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(data.length);
  for (let i = 0; i < data.length; i += 4) {
    const r = data[i]! / 255;
    const g = data[i + 1]! / 255;
    const b = data[i + 2]! / 255;
    const max = Math.max(r, g, b);
    const min = Math.min(r, g, b);
    const c = max - min;
    let l = (max + min) / 2;
    let s = c === 0 ? 0 : c / (1 - Math.abs(2 * l - 1));
    let h = 0;
    if (c !== 0) {
      if (max === r) h = 60 * ((((g - b) / c) % 6) + 6);
      else if (max === g) h = 60 * ((b - r) / c + 2);
      else h = 60 * ((r - g) / c + 4);
    }
    h = (((h + hue) % 360) + 360) % 360;
    s = Math.min(1, s * (1 + saturation / 100));
    const lt = lightness / 100;
    l = lt < 0 ? l * (1 + lt) : l + (1 - l) * lt;
    const chroma = (1 - Math.abs(2 * l - 1)) * s;
    const x = chroma * (1 - Math.abs(((h / 60) % 2) - 1));
    const m = l - chroma / 2;
    const sector = Math.floor(h / 60);
    const [r1, g1, b1] =
      sector === 0 ? [chroma, x, 0] : sector === 1 ? [x, chroma, 0] : sector === 2 ? [0, chroma, x]
        : sector === 3 ? [0, x, chroma] : sector === 4 ? [x, 0, chroma] : [chroma, 0, x];
    out[i] = Math.round((r1 + m) * 255);
    out[i + 1] = Math.round((g1 + m) * 255);
    out[i + 2] = Math.round((b1 + m) * 255);
    out[i + 3] = data[i + 3]!;
  }
  return out;
}

function pixel(r: number, g: number, b: number): Image {
  const img = createImage(1, 1);
  img.data.set([r, g, b, 255]);
  return img;
}

describe('hue-saturation', () => {
  for (const [w, h] of [[1, 1], [3, 7], [1023, 5]] as const) {
    test(`matches the reference within one level on a ${w}×${h} image`, async () => {
      const img = randomImage(w, h, w * 31 + h);
      const res = await run(img, { hue: 47, saturation: 35, lightness: -12 });
      expect(res.width).toBe(w);
      expect(res.height).toBe(h);
      expect(maxDiff(res.data, reference(img.data, 47, 35, -12))).toBeLessThanOrEqual(1);
    });
  }

  for (const [hue, saturation, lightness] of [[-180, -100, -100], [180, 100, 100], [-90, 100, -50], [135, -60, 70], [1, 0, 0]] as const) {
    test(`matches the reference on every level with hue ${hue}, saturation ${saturation} and lightness ${lightness}`, async () => {
      const img = edgeImage();
      const res = await run(img, { hue, saturation, lightness });
      expect(maxDiff(res.data, reference(img.data, hue, saturation, lightness))).toBeLessThanOrEqual(1);
    });
  }

  test('the default parameters leave the image unchanged', async () => {
    const img = randomImage(257, 9, 11);
    expect(sameBytes((await run(img)).data, img.data)).toBe(true);
  });

  test('a hue shift of 120° turns pure red into pure green', async () => {
    const res = await run(pixel(255, 0, 0), { hue: 120 });
    expect([...res.data]).toEqual([0, 255, 0, 255]);
  });

  test('hue shifts of −180° and +180° give the same result', async () => {
    const img = randomImage(31, 7, 12);
    const a = await run(img, { hue: -180 });
    const b = await run(img, { hue: 180 });
    expect(sameBytes(a.data, b.data)).toBe(true);
  });

  test('saturation −100 gives a grey at the HSL lightness', async () => {
    const res = await run(pixel(200, 40, 90), { saturation: -100 });
    expect([...res.data]).toEqual([120, 120, 120, 255]);
  });

  test('lightness +100 makes every pixel white and −100 black', async () => {
    const img = randomImage(19, 3, 13);
    const white = await run(img, { lightness: 100, hue: 30, saturation: 50 });
    const black = await run(img, { lightness: -100, hue: 30, saturation: 50 });
    for (let i = 0; i < img.data.length; i += 4) {
      expect(white.data[i]! + white.data[i + 1]! + white.data[i + 2]!).toBe(765);
      expect(black.data[i]! + black.data[i + 1]! + black.data[i + 2]!).toBe(0);
    }
  });

  test('keeps alpha', async () => {
    const img = randomImage(61, 13, 3);
    const res = await run(img, { hue: -70, saturation: 40, lightness: 15 });
    expect(sameBytes(alpha(res.data), alpha(img.data))).toBe(true);
  });

  imageKernelContract(run, { hue: -70, saturation: 40, lightness: 15 });
});

/** One channel of HSL → RGB, as in the former JS kernel (see `former`). */
function formerHueChannel(p: number, q: number, t: number): number {
  if (t < 0) t += 1;
  else if (t > 1) t -= 1;
  if (t < 1 / 6) return p + (q - p) * 6 * t;
  if (t < 1 / 2) return q;
  if (t < 2 / 3) return p + (q - p) * (2 / 3 - t) * 6;
  return p;
}

/**
 * The op's JS kernel before it moved to WebAssembly, verbatim apart from the band loop: the output
 * must stay byte for byte what it was, for every colour, alpha and parameter value.
 */
function former(s: Uint8ClampedArray, hue: number, saturation: number, lightness: number): Uint8ClampedArray {
  let shift = hue / 360;
  if (shift < 0) shift += 1;
  const satScale = 1 + saturation / 100;
  const light = lightness / 100;
  const d = new Uint8ClampedArray(s.length);
  for (let i = 0; i < s.length; i += 4) {
    const r = s[i]! / 255;
    const g = s[i + 1]! / 255;
    const b = s[i + 2]! / 255;
    const max = r > g ? (r > b ? r : b) : g > b ? g : b;
    const min = r < g ? (r < b ? r : b) : g < b ? g : b;
    let l = (max + min) / 2;
    const chroma = max - min;
    let sat = 0;
    let h = 0;
    if (chroma > 0) {
      sat = l > 0.5 ? chroma / (2 - max - min) : chroma / (max + min);
      if (max === r) h = (g - b) / chroma + (g < b ? 6 : 0);
      else if (max === g) h = (b - r) / chroma + 2;
      else h = (r - g) / chroma + 4;
      h = h / 6 + shift;
      if (h >= 1) h -= 1;
      sat *= satScale;
      if (sat > 1) sat = 1;
    }
    l = light < 0 ? l * (1 + light) : l + (1 - l) * light;
    if (sat === 0) {
      const v = Math.round(l * 255);
      d[i] = v;
      d[i + 1] = v;
      d[i + 2] = v;
    } else {
      const q = l < 0.5 ? l * (1 + sat) : l + sat - l * sat;
      const p = 2 * l - q;
      d[i] = Math.round(formerHueChannel(p, q, h + 1 / 3) * 255);
      d[i + 1] = Math.round(formerHueChannel(p, q, h) * 255);
      d[i + 2] = Math.round(formerHueChannel(p, q, h - 1 / 3) * 255);
    }
    d[i + 3] = s[i + 3]!;
  }
  return d;
}

/** Index of the first differing byte, or -1. */
function firstDiff(a: Uint8ClampedArray, b: Uint8ClampedArray): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/** `n` pixels: every grey, colours with channels at and next to 0, 127/128 and 255, then random colours, all with random alpha. */
function colourSample(n: number, seed: number): Image {
  const img = createImage(n, 1);
  const d = img.data;
  const next = rng(seed);
  const edges = [0, 1, 2, 127, 128, 129, 253, 254, 255];
  let i = 0;
  const put = (r: number, g: number, b: number) => {
    if (i < n) d.set([r, g, b, Math.floor(next() * 256)], 4 * i++);
  };
  for (let v = 0; v < 256; v++) put(v, v, v);
  for (const r of edges) for (const g of edges) for (const b of edges) put(r, g, b);
  while (i < n) put(Math.floor(next() * 256), Math.floor(next() * 256), Math.floor(next() * 256));
  return img;
}

describe('hue-saturation is byte-identical to its former JS kernel', () => {
  const same = async (img: Image, hue: number, saturation: number, lightness: number) => {
    const got = (await op.kernel({ image: img }, { hue, saturation, lightness }, ctx())).image as Image;
    const want = former(img.data, hue, saturation, lightness);
    const at = firstDiff(got.data, want);
    if (at >= 0) {
      const px = at & ~3;
      expect(
        { hue, saturation, lightness, input: [...img.data.subarray(px, px + 4)], got: [...got.data.subarray(px, px + 4)] },
      ).toEqual({ hue, saturation, lightness, input: [...img.data.subarray(px, px + 4)], got: [...want.subarray(px, px + 4)] });
    }
  };

  test('on extreme and edge parameter values', async () => {
    const hues = [-180, -179.5, -120, -60, -1e-9, 0, 1e-9, 0.5, 1, 59.99, 60, 120, 179.999, 180];
    const sats = [-100, -99.999, -50, -1e-9, 0, 0.01, 37.3, 99.99, 100];
    const lights = [-100, -99.99, -33.3, -1e-9, 0, 1e-9, 12.5, 99.99, 100];
    const img = colourSample(1500, 7);
    for (const hue of hues) for (const saturation of sats) for (const lightness of lights) await same(img, hue, saturation, lightness);
  });

  test('on random parameter values, colours and alphas', async () => {
    const next = rng(99);
    const img = colourSample(20000, 8);
    for (let k = 0; k < 100; k++) {
      const hue = next() * 360 - 180;
      const saturation = next() * 200 - 100;
      const lightness = next() * 200 - 100;
      await same(img, hue, saturation, lightness);
      await same(img, Math.round(hue), Math.round(saturation), Math.round(lightness));
    }
  });

  test('on every colour of a 2²⁴/64 lattice, for a typical setting', async () => {
    // R, G and B on every level ≡ 0 (mod 4) plus one level further: 128·128·128·2 pixels in all
    const img = createImage(2048, 1024);
    const d = img.data;
    let i = 0;
    for (let r = 0; r < 256; r += 2) for (let g = 0; g < 256; g += 2) for (let b = 0; b < 256; b += 4) {
      d.set([r + (b & 1), g, b, (r + g) & 255], i);
      d.set([r + 1, g + 1, b + 1, 255], i + 4);
      i += 8;
    }
    await same(img, 15, 20, 0);
  });

  test('through the colour memo, when a run repeats the parameters of the run before', async () => {
    // 512 × 513 ≥ MEMO_MIN_PIXELS: every grey, the edge colours, random colours and alphas, with the
    // first half of the pixels repeated (in the second half) so that a pass hits what it just filled
    const w = 512, h = 513;
    expect(w * h).toBeGreaterThanOrEqual(MEMO_MIN_PIXELS);
    const img = createImage(w, h);
    img.data.set(colourSample(w * h, 11).data);
    img.data.copyWithin(img.data.length >> 1, 0, img.data.length >> 1);
    const counts = hueSaturationMemo.counts;
    const runs: [number, number, number, 'kernel' | 'fill' | 'hit'][] = [
      [25, -30, 10, 'kernel'],
      [25, -30, 10, 'fill'],
      [25, -30, 10, 'hit'],
      [-140, 60, -20, 'kernel'],
      [-140, 60, -20, 'fill'],
      [25, -30, 10, 'kernel'],
      [25, -30, 10, 'fill'],
    ];
    for (const [hue, saturation, lightness, how] of runs) {
      const before = { ...counts };
      await same(img, hue, saturation, lightness);
      expect(counts.passes - before.passes).toBe(how === 'kernel' ? 0 : 1);
      const misses = counts.misses - before.misses;
      if (how === 'fill') expect(misses).toBeGreaterThan(0);
      if (how === 'fill') expect(misses).toBeLessThan(w * h);
      if (how === 'hit') expect(misses).toBe(0);
    }
  });

  test('through the colour memo into a band of a shared output, aligned or not', async () => {
    const w = 700, h = 400;
    const img = randomImage(w, h, 5);
    const want = former(img.data, 80, 15, 0);
    for (const offset of [4 * w * 3, 4 * w * 3 + 2]) {
      const buffer = new SharedArrayBuffer(offset + img.data.length + 16);
      const into = { width: w, height: h, data: new Uint8ClampedArray(buffer, offset, img.data.length) };
      const tile = { from: 0, to: h, into };
      const passes = hueSaturationMemo.counts.passes;
      for (let i = 0; i < 3; i++) {
        into.data.fill(0);
        const got = (await op.kernel({ image: img }, { hue: 80, saturation: 15, lightness: 0 }, { ...ctx(), tile })).image as Image;
        expect(got.data.buffer).toBe(buffer);
        expect(got.data.byteOffset).toBe(offset);
        expect(firstDiff(got.data, want)).toBe(-1);
      }
      // a misaligned band has no 32-bit view of its own: it goes straight to the kernel
      expect(hueSaturationMemo.counts.passes - passes).toBe(offset % 4 === 0 ? 2 : 0);
      await op.kernel({ image: img }, { hue: 0, saturation: 0, lightness: 0 }, ctx()); // the next offset starts afresh
    }
  });

  // Below 16 448 pixels (half the table's entries) only the entries the pixels use are filled:
  // 1500 and 128×128 take that path, 20 000 and 129×128 the whole table.
  test('across chunks, with a tail of fewer than four pixels, and either side of filling the whole table', async () => {
    for (const [w, h] of [[1, 1], [2, 1], [3, 1], [5, 1], [128, 128], [129, 128], [1023, 257], [4099, 129]] as const) {
      await same(randomImage(w, h, w + h), 47, 35, -12);
    }
  });
});
