import { describe, expect, test } from 'vitest';
import blend from '../../../src/ops/blend/kernel';
import { createImage } from '../../../src/ops/image';
import { resolveParams } from '../../../src/engine/params';
import type { Params } from '../../../src/engine/op';
import type { Image, KernelInputs } from '../../../src/ops/types';
import { ctx, randomImage, maxDiff, sameBytes } from './helpers';

async function run(inputs: KernelInputs, params: Params, signal?: AbortSignal): Promise<Image> {
  return (await blend.kernel(inputs, resolveParams(blend, params), ctx(signal))).image as Image;
}

const MODES = ['normal', 'multiply', 'screen', 'overlay', 'difference', 'add', 'lighten', 'darken'] as const;

/** Blend functions in the closed forms Photoshop documents. */
function B(mode: string, cb: number, cs: number): number {
  switch (mode) {
    case 'multiply': return cb * cs;
    case 'screen': return 1 - (1 - cb) * (1 - cs);
    case 'overlay': return cb < 0.5 ? 2 * cb * cs : 1 - 2 * (1 - cb) * (1 - cs);
    case 'difference': return Math.abs(cb - cs);
    case 'add': return Math.min(1, cb + cs);
    case 'lighten': return Math.max(cb, cs);
    case 'darken': return Math.min(cb, cs);
    default: return cs;
  }
}

/**
 * Reference: W3C compositing in its expanded form,
 *   co = cs·as·(1 − ab) + cb·ab·(1 − as) + as·ab·B(cb, cs),  ao = as + ab − as·ab,
 * with the top placed at (ox, oy) over the base.
 */
function reference(base: Image, top: Image, mode: string, opacity: number, ox = 0, oy = 0): Uint8ClampedArray {
  const out = base.data.slice();
  for (let y = 0; y < base.height; y++)
    for (let x = 0; x < base.width; x++) {
      const tx = x - ox;
      const ty = y - oy;
      if (tx < 0 || ty < 0 || tx >= top.width || ty >= top.height) continue;
      const i = (y * base.width + x) * 4;
      const j = (ty * top.width + tx) * 4;
      const as = (top.data[j + 3]! / 255) * (opacity / 100);
      const ab = base.data[i + 3]! / 255;
      const ao = as + ab - as * ab;
      if (as === 0) continue;
      for (let c = 0; c < 3; c++) {
        const cs = top.data[j + c]! / 255;
        const cb = base.data[i + c]! / 255;
        const co = cs * as * (1 - ab) + cb * ab * (1 - as) + as * ab * B(mode, cb, cs);
        out[i + c] = Math.round((co / ao) * 255);
      }
      out[i + 3] = Math.round(ao * 255);
    }
  return out;
}

function solid(w: number, h: number, rgba: number[]): Image {
  const img = createImage(w, h);
  for (let i = 0; i < img.data.length; i += 4) img.data.set(rgba, i);
  return img;
}

describe('blend', () => {
  for (const [w, h] of [[1, 1], [3, 7], [1023, 5]] as const) {
    for (const mode of MODES) {
      test(`${mode} on ${w}×${h} matches the W3C reference within 1 level at 100 % and 37 %`, async () => {
        const base = randomImage(w, h, w + h);
        const top = randomImage(w, h, w * h + 11);
        for (const opacity of [100, 37]) {
          const res = await run({ base, top }, { mode, opacity });
          expect([res.width, res.height]).toEqual([w, h]);
          expect(maxDiff(res.data, reference(base, top, mode, opacity))).toBeLessThanOrEqual(1);
        }
      });
    }
  }

  test('normal at 100 % with an opaque top gives exactly the top', async () => {
    const base = randomImage(13, 6, 1);
    const top = randomImage(13, 6, 2, true);
    const res = await run({ base, top }, { mode: 'normal', opacity: 100 });
    expect(sameBytes(res.data, top.data)).toBe(true);
  });

  test('opacity 0 gives exactly the base', async () => {
    const base = randomImage(13, 6, 1);
    const res = await run({ base, top: randomImage(13, 6, 2) }, { mode: 'multiply', opacity: 0 });
    expect(sameBytes(res.data, base.data)).toBe(true);
  });

  test('neutral layers leave an opaque base unchanged', async () => {
    const base = randomImage(9, 9, 5, true);
    const cases: [string, number[]][] = [
      ['multiply', [255, 255, 255, 255]],
      ['screen', [0, 0, 0, 255]],
      ['add', [0, 0, 0, 255]],
      ['difference', [0, 0, 0, 255]],
      ['lighten', [0, 0, 0, 255]],
      ['darken', [255, 255, 255, 255]],
    ];
    for (const [mode, colour] of cases) {
      const res = await run({ base, top: solid(9, 9, colour) }, { mode });
      expect(sameBytes(res.data, base.data)).toBe(true);
    }
  });

  test('difference of an opaque image with itself is black', async () => {
    const img = randomImage(10, 3, 8, true);
    const res = await run({ base: img, top: img }, { mode: 'difference' });
    for (let i = 0; i < res.data.length; i += 4) expect([...res.data.subarray(i, i + 4)]).toEqual([0, 0, 0, 255]);
  });

  test('a top over a transparent base keeps the top’s colour and alpha', async () => {
    const top = randomImage(5, 5, 3);
    const res = await run({ base: createImage(5, 5), top }, { mode: 'multiply' });
    for (let i = 0; i < res.data.length; i += 4) {
      expect(res.data[i + 3]).toBe(top.data[i + 3]);
      if (top.data[i + 3]! > 0) expect(maxDiff(res.data.subarray(i, i + 3), top.data.subarray(i, i + 3))).toBeLessThanOrEqual(1);
    }
  });

  const placements: [number, number, number, number][] = [
    [3, 4, 2, 1], // inside
    [3, 4, -1, -2], // past the top-left
    [3, 4, 6, 4], // one pixel in the bottom-right corner
    [3, 4, 10, 10], // wholly outside
    [12, 9, -3, -1], // larger than the base
  ];
  for (const [tw, th, x, y] of placements) {
    test(`a ${tw}×${th} top at (${x}, ${y}) on a 7×5 base blends where they overlap and leaves the rest`, async () => {
      const base = randomImage(7, 5, 21);
      const top = randomImage(tw, th, 22);
      for (const mode of ['normal', 'overlay']) {
        const res = await run({ base, top }, { mode, opacity: 80, x, y });
        expect([res.width, res.height]).toEqual([7, 5]);
        expect(maxDiff(res.data, reference(base, top, mode, 80, x, y))).toBeLessThanOrEqual(1);
      }
    });
  }

  test('stretching resizes the top to cover the base and ignores the offset', async () => {
    const base = randomImage(7, 5, 4);
    for (const top of [solid(1, 1, [200, 100, 50, 180]), solid(3, 2, [200, 100, 50, 180]), solid(20, 30, [200, 100, 50, 180])]) {
      const res = await run({ base, top }, { mode: 'screen', stretch: true, x: 3, y: 3 });
      expect(maxDiff(res.data, reference(base, solid(7, 5, [200, 100, 50, 180]), 'screen', 100))).toBeLessThanOrEqual(1);
    }
  });

  test('stretching a smooth top samples it across the whole base', async () => {
    const top = createImage(2, 1);
    top.data.set([0, 0, 0, 255, 255, 255, 255, 255]);
    const res = await run({ base: solid(8, 1, [0, 0, 0, 0]), top }, { stretch: true });
    const reds = Array.from({ length: 8 }, (_, x) => res.data[x * 4]!);
    expect(reds[0]).toBe(0);
    expect(reds[7]).toBe(255);
    expect(reds.every((v, i) => i === 0 || v >= reds[i - 1]!)).toBe(true);
  });

  test('without a top image the base passes through', async () => {
    const base = randomImage(4, 4, 1);
    const res = await run({ base }, { mode: 'multiply' });
    expect(res).toBe(base);
  });

  test('the same inputs and parameters always give the same bytes', async () => {
    const base = randomImage(30, 20, 1);
    const top = randomImage(11, 25, 2);
    const a = await run({ base, top }, { mode: 'overlay', opacity: 63, x: 4, y: -3 });
    const b = await run({ base, top }, { mode: 'overlay', opacity: 63, x: 4, y: -3 });
    expect(sameBytes(a.data, b.data)).toBe(true);
  });

  test('the input buffers are left untouched', async () => {
    const base = randomImage(10, 10, 1);
    const top = randomImage(4, 4, 2);
    const [bc, tc] = [base.data.slice(), top.data.slice()];
    await run({ base, top }, { mode: 'add', stretch: true });
    expect(sameBytes(base.data, bc) && sameBytes(top.data, tc)).toBe(true);
  });

  test('an aborted signal stops the kernel', async () => {
    const ac = new AbortController();
    ac.abort();
    const base = randomImage(8, 8);
    await expect(run({ base, top: randomImage(8, 8) }, {}, ac.signal)).rejects.toThrow();
    await expect(run({ base, top: randomImage(3, 3) }, { stretch: true }, ac.signal)).rejects.toThrow();
  });
});
