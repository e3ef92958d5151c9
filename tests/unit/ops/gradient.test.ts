import { describe, expect, test } from 'vitest';
import gradient from '../../../src/ops/gradient/kernel';
import { resolveParams } from '../../../src/engine/params';
import type { Params } from '../../../src/engine/op';
import type { Image } from '../../../src/ops/types';
import { ctx, maxDiff, sameBytes } from './helpers';

async function run(params: Params, signal?: AbortSignal): Promise<Image> {
  return (await gradient.kernel({}, resolveParams(gradient, params), ctx(signal))).image as Image;
}

const bytes = (hex: string) => [1, 3, 5, 7].map((i) => (i === 7 && hex.length === 7 ? 255 : parseInt(hex.slice(i, i + 2), 16)));

/**
 * Reference: t from projecting each pixel centre on the direction, scaled so the image corners
 * span 0..1 (linear), or distance from the centre over the distance to a corner (radial); then a
 * premultiplied mix of the two colours.
 */
function reference(w: number, h: number, kind: string, angle: number, A: number[], B: number[]): Uint8ClampedArray {
  const dir = [Math.cos((angle * Math.PI) / 180), Math.sin((angle * Math.PI) / 180)];
  const proj = (x: number, y: number) => x * dir[0]! + y * dir[1]!;
  const corners = [proj(0, 0), proj(w, 0), proj(0, h), proj(w, h)];
  const [lo, hi] = [Math.min(...corners), Math.max(...corners)];
  const out = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const t =
        kind === 'radial'
          ? Math.hypot(x + 0.5 - w / 2, y + 0.5 - h / 2) / Math.hypot(w / 2, h / 2)
          : (proj(x + 0.5, y + 0.5) - lo) / (hi - lo);
      const a = A[3]! * (1 - t) + B[3]! * t;
      const o = (y * w + x) * 4;
      if (a === 0) continue;
      for (let c = 0; c < 3; c++) out[o + c] = Math.round(((A[c]! * A[3]! * (1 - t) + B[c]! * B[3]! * t) / a));
      out[o + 3] = Math.round(a);
    }
  return out;
}

describe('gradient', () => {
  const shapes: [string, number][] = [
    ['linear', 0],
    ['linear', 90],
    ['linear', 45],
    ['linear', 210],
    ['radial', 0],
  ];
  for (const [w, h] of [[1, 1], [3, 7], [1023, 5]] as const) {
    for (const [kind, angle] of shapes) {
      test(`${kind} ${angle}° on ${w}×${h} matches the reference within 1 level`, async () => {
        const [a, b] = ['#102030', '#f0e0d080'];
        const img = await run({ width: w, height: h, kind, angle, colorA: a, colorB: b });
        expect([img.width, img.height]).toEqual([w, h]);
        expect(maxDiff(img.data, reference(w, h, kind, angle, bytes(a), bytes(b)))).toBeLessThanOrEqual(1);
      });
    }
  }

  test('0° runs from colour A on the left to colour B on the right', async () => {
    const img = await run({ width: 256, height: 2 });
    const row = Array.from({ length: 256 }, (_, x) => img.data[x * 4]!);
    expect(row[0]).toBe(0);
    expect(row[255]).toBe(255);
    expect(row.every((v, x) => x === 0 || v >= row[x - 1]!)).toBe(true);
    const down = await run({ width: 2, height: 256, angle: 90 });
    expect([down.data[0], down.data[255 * 2 * 4]]).toEqual([0, 255]);
  });

  test('radial starts with colour A at the centre and reaches colour B at the corners', async () => {
    const img = await run({ width: 101, height: 101, kind: 'radial', colorA: '#ff0000', colorB: '#0000ff' });
    const at = (x: number, y: number) => [...img.data.subarray((y * 101 + x) * 4, (y * 101 + x) * 4 + 4)];
    expect(at(50, 50)).toEqual([255, 0, 0, 255]);
    // the corner pixel's centre is half a pixel in from the corner: t = 50 / 50.5
    expect(maxDiff(at(0, 0), [0, 0, 255, 255])).toBeLessThanOrEqual(3);
  });

  test('equal colours give a uniform image', async () => {
    const img = await run({ width: 9, height: 5, angle: 33, colorA: '#336699', colorB: '#336699' });
    const ref = new Uint8ClampedArray(9 * 5 * 4);
    for (let i = 0; i < ref.length; i += 4) ref.set([0x33, 0x66, 0x99, 255], i);
    expect(sameBytes(img.data, ref)).toBe(true);
  });

  test('a fade to transparent keeps its colour (premultiplied mixing)', async () => {
    const img = await run({ width: 64, height: 1, colorA: '#ff0000', colorB: '#00ff0000' });
    for (let i = 0; i < img.data.length; i += 4) if (img.data[i + 3]! > 0) expect([img.data[i], img.data[i + 1], img.data[i + 2]]).toEqual([255, 0, 0]);
  });

  test('a size over the pixel limit is refused with a clear message', async () => {
    await expect(run({ width: 65536, height: 2048 })).rejects.toThrow(/65536×2048.*limit/);
  });

  test('the same parameters always give the same bytes', async () => {
    const a = await run({ width: 77, height: 33, angle: 123, kind: 'linear' });
    const b = await run({ width: 77, height: 33, angle: 123, kind: 'linear' });
    expect(sameBytes(a.data, b.data)).toBe(true);
  });

  test('an aborted signal stops the kernel', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(run({ width: 8, height: 8 }, ac.signal)).rejects.toThrow();
  });
});
