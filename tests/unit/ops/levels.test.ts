import { describe, expect, test } from 'vitest';
import op from '../../../src/ops/levels/kernel';
import { resolveParams } from '../../../src/engine/params';
import type { Params } from '../../../src/engine/op';
import type { Image } from '../../../src/ops/types';
import { createImage } from '../../../src/ops/image';
import { ctx, randomImage, maxDiff, sameBytes, imageKernelContract, imageRunner, edgeImage, alpha, rng } from './helpers';
import { applyChannelLuts, applyChannelLutsWasm } from '../../../src/ops/pixels';

const run = imageRunner(op);

interface LevelsParams {
  channel: string;
  inBlack: number;
  inWhite: number;
  gamma: number;
  outBlack: number;
  outWhite: number;
}

/** Reference: the levels formula per value on the chosen channels; a collapsed input range is a step. */
function reference(data: Uint8ClampedArray, p: LevelsParams): Uint8ClampedArray {
  const out = new Uint8ClampedArray(data.length);
  const touched = [p.channel === 'rgb' || p.channel === 'r', p.channel === 'rgb' || p.channel === 'g', p.channel === 'rgb' || p.channel === 'b', false];
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!touched[i % 4]) {
      out[i] = v;
      continue;
    }
    let t: number;
    if (p.inWhite > p.inBlack) t = Math.min(1, Math.max(0, (v - p.inBlack) / (p.inWhite - p.inBlack)));
    else t = v >= p.inBlack ? 1 : 0;
    t = t ** (1 / p.gamma);
    out[i] = Math.round(p.outBlack + t * (p.outWhite - p.outBlack));
  }
  return out;
}

const typical: LevelsParams = { channel: 'rgb', inBlack: 20, inWhite: 230, gamma: 1.4, outBlack: 10, outWhite: 245 };

describe('levels', () => {
  for (const [w, h] of [[1, 1], [3, 7], [1023, 5]] as const) {
    test(`matches the reference within one level on a ${w}×${h} image`, async () => {
      const img = randomImage(w, h, w * 31 + h);
      const res = await run(img, { ...typical });
      expect(res.width).toBe(w);
      expect(res.height).toBe(h);
      expect(maxDiff(res.data, reference(img.data, typical))).toBeLessThanOrEqual(1);
    });
  }

  const extremes: LevelsParams[] = [
    { channel: 'rgb', inBlack: 255, inWhite: 255, gamma: 0.1, outBlack: 0, outWhite: 255 },
    { channel: 'rgb', inBlack: 0, inWhite: 0, gamma: 10, outBlack: 255, outWhite: 0 },
    { channel: 'r', inBlack: 200, inWhite: 50, gamma: 1, outBlack: 0, outWhite: 255 },
    { channel: 'g', inBlack: 0, inWhite: 255, gamma: 10, outBlack: 255, outWhite: 255 },
    { channel: 'b', inBlack: 1, inWhite: 254, gamma: 0.1, outBlack: 3, outWhite: 252 },
  ];
  for (const p of extremes) {
    test(`matches the reference on every level with ${JSON.stringify(p)}`, async () => {
      const img = edgeImage();
      const res = await run(img, { ...p });
      expect(maxDiff(res.data, reference(img.data, p))).toBeLessThanOrEqual(1);
    });
  }

  test('the default parameters leave the image unchanged', async () => {
    const img = edgeImage();
    expect(sameBytes((await run(img)).data, img.data)).toBe(true);
  });

  test('an input white of 128 makes level 128 and above white', async () => {
    const res = await run(edgeImage(), { inWhite: 128 });
    expect(res.data[127 * 4]).toBe(253); // 127 · 255 / 128
    expect(res.data[128 * 4]).toBe(255);
    expect(res.data[200 * 4]).toBe(255);
  });

  test('swapping the output black and white inverts the image', async () => {
    const img = edgeImage();
    const res = await run(img, { outBlack: 255, outWhite: 0 });
    for (let i = 0; i < 256; i++) expect(res.data[i * 4]).toBe(255 - i);
  });

  test('an input white at or below the input black becomes a hard step at the input black', async () => {
    const res = await run(edgeImage(), { inBlack: 100, inWhite: 90 });
    expect(res.data[99 * 4]).toBe(0);
    expect(res.data[100 * 4]).toBe(255);
  });

  test('working on the red channel leaves green and blue untouched', async () => {
    const img = randomImage(33, 7, 9);
    const res = await run(img, { channel: 'r', inBlack: 60, gamma: 2 });
    let changedGB = 0;
    let changedR = 0;
    for (let i = 0; i < img.data.length; i += 4) {
      if (res.data[i] !== img.data[i]) changedR++;
      if (res.data[i + 1] !== img.data[i + 1] || res.data[i + 2] !== img.data[i + 2]) changedGB++;
    }
    expect(changedGB).toBe(0);
    expect(changedR).toBeGreaterThan(0);
  });

  test('keeps alpha', async () => {
    const img = randomImage(61, 13, 3);
    const res = await run(img, { inBlack: 30, inWhite: 200, gamma: 0.7, outBlack: 5 });
    expect(sameBytes(alpha(res.data), alpha(img.data))).toBe(true);
  });

  imageKernelContract(run, { inBlack: 30, inWhite: 200, gamma: 0.7, outBlack: 5 });
});

/** The op's curve as its former JS kernel built it, applied by the JS table loop (applyChannelLuts). */
function former(src: Image, p: LevelsParams): Image {
  const lut = new Uint8Array(256);
  const width = p.inWhite - p.inBlack;
  for (let i = 0; i < 256; i++) {
    let t = width > 0 ? Math.min(1, Math.max(0, (i - p.inBlack) / width)) : i >= p.inBlack ? 1 : 0;
    if (p.gamma !== 1) t = Math.pow(t, 1 / p.gamma);
    lut[i] = Math.round(p.outBlack + t * (p.outWhite - p.outBlack));
  }
  const same = new Uint8Array(256).map((_, i) => i);
  const on = (c: string) => (p.channel === 'rgb' || p.channel === c ? lut : same);
  return applyChannelLuts(src, on('r'), on('g'), on('b'), ctx());
}

describe('levels is byte-identical to its former JS kernel', () => {
  test('the WebAssembly table pass equals the JS one for random tables, across chunks and odd tails', async () => {
    const next = rng(5);
    for (const [w, h] of [[1, 1], [3, 1], [1023, 257], [4099, 129]] as const) {
      const img = randomImage(w, h, w * h);
      const t = () => new Uint8Array(256).map(() => Math.floor(next() * 256));
      const [lr, lg, lb] = [t(), t(), t()];
      const got = await applyChannelLutsWasm(img, lr, lg, lb, ctx());
      expect(sameBytes(got.data, applyChannelLuts(img, lr, lg, lb, ctx()).data)).toBe(true);
    }
  });

  test('on extreme and random parameter values', async () => {
    const img = randomImage(301, 7, 17);
    const next = rng(6);
    const edges = [0, 1, 127, 254, 255];
    const cases: LevelsParams[] = [];
    for (const [i, inBlack] of edges.entries()) for (const [j, inWhite] of edges.entries()) for (const [g, gamma] of [0.1, 1, 10].entries()) {
      cases.push({ channel: 'rgb', inBlack, inWhite, gamma, outBlack: edges[(i + g) % 5]!, outWhite: edges[(j * 3 + g + 1) % 5]! });
    }
    for (let k = 0; k < 60; k++) {
      const lv = () => Math.floor(next() * 256);
      cases.push({ channel: ['rgb', 'r', 'g', 'b'][k & 3]!, inBlack: lv(), inWhite: lv(), gamma: 0.1 + next() * 9.9, outBlack: lv(), outWhite: lv() });
    }
    for (const p of cases) {
      const got = await run(img, { ...p });
      const want = former(img, resolveParams(op, { ...p }) as unknown as LevelsParams);
      expect(sameBytes(got.data, want.data), JSON.stringify(p)).toBe(true);
    }
  });
});
