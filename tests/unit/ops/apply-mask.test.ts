import { describe, expect, test } from 'vitest';
import applyMask from '../../../src/ops/apply-mask/kernel';
import { createImage } from '../../../src/ops/image';
import { resolveParams } from '../../../src/engine/params';
import type { Params } from '../../../src/engine/op';
import type { Image, KernelInputs } from '../../../src/ops/types';
import { ctx, randomImage, maxDiff, sameBytes } from './helpers';

async function run(inputs: KernelInputs, params: Params, signal?: AbortSignal): Promise<Image> {
  return (await applyMask.kernel(inputs, resolveParams(applyMask, params), ctx(signal))).image as Image;
}

function maskLevel(mask: Image, i: number, source: string): number {
  const d = mask.data;
  if (source === 'alpha') return d[i * 4 + 3]!;
  if (source === 'red') return d[i * 4]!;
  return Math.round((2126 * d[i * 4]! + 7152 * d[i * 4 + 1]! + 722 * d[i * 4 + 2]!) / 10000);
}

/** Bilinear (tent) weights over every input pixel, widened when shrinking, normalised. */
function tent(inSize: number, outSize: number): number[][] {
  const scale = inSize / outSize;
  const stretch = Math.max(1, scale);
  return Array.from({ length: outSize }, (_, i) => {
    const w = Array.from({ length: inSize }, (_, k) => Math.max(0, 1 - Math.abs((k + 0.5 - (i + 0.5) * scale) / stretch)));
    const sum = w.reduce((a, b) => a + b, 0);
    return w.map((v) => v / sum);
  });
}

/** Reference: the mask value for every image pixel, then alpha × value / 255. */
function reference(img: Image, mask: Image, source: string, invert: boolean, scaling: string): Uint8ClampedArray {
  const { width: W, height: H } = img;
  const values = new Float64Array(W * H);
  if (mask.width === W && mask.height === H) {
    for (let i = 0; i < W * H; i++) values[i] = maskLevel(mask, i, source);
  } else if (scaling === 'nearest') {
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        const mx = Math.min(mask.width - 1, Math.floor(((x + 0.5) * mask.width) / W));
        const my = Math.min(mask.height - 1, Math.floor(((y + 0.5) * mask.height) / H));
        values[y * W + x] = maskLevel(mask, my * mask.width + mx, source);
      }
  } else {
    const wx = tent(mask.width, W);
    const wy = tent(mask.height, H);
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        let v = 0;
        for (let my = 0; my < mask.height; my++)
          for (let mx = 0; mx < mask.width; mx++) v += wy[y]![my]! * wx[x]![mx]! * maskLevel(mask, my * mask.width + mx, source);
        values[y * W + x] = v;
      }
  }
  const out = img.data.slice();
  for (let i = 0; i < W * H; i++) {
    const m = invert ? 255 - values[i]! : values[i]!;
    out[i * 4 + 3] = Math.round((img.data[i * 4 + 3]! * m) / 255);
  }
  return out;
}

describe('apply-mask', () => {
  for (const [w, h] of [[1, 1], [3, 7], [1023, 5]] as const) {
    for (const source of ['luma', 'alpha', 'red']) {
      test(`a same-size ${source} mask on ${w}×${h} matches the reference exactly, inverted or not`, async () => {
        const image = randomImage(w, h, w + h);
        const mask = randomImage(w, h, w * h + 1);
        for (const invert of [false, true]) {
          const res = await run({ image, mask }, { source, invert });
          expect(sameBytes(res.data, reference(image, mask, source, invert, 'bilinear'))).toBe(true);
        }
      });
    }
  }

  const sizes: [number, number, number, number][] = [
    [3, 7, 1, 1], // a single mask pixel covers everything
    [3, 7, 2, 3], // enlarged
    [3, 7, 9, 20], // shrunk
    [1023, 5, 100, 9], // enlarged in one axis, shrunk in the other
  ];
  for (const [w, h, mw, mh] of sizes) {
    for (const scaling of ['nearest', 'bilinear']) {
      test(`a ${mw}×${mh} mask is fitted to ${w}×${h} by ${scaling} scaling within 1 level of the reference`, async () => {
        const image = randomImage(w, h, 3);
        const mask = randomImage(mw, mh, 4);
        const res = await run({ image, mask }, { source: 'luma', scaling });
        expect(maxDiff(res.data, reference(image, mask, 'luma', false, scaling))).toBeLessThanOrEqual(scaling === 'nearest' ? 0 : 1);
      });
    }
  }

  test('white keeps every pixel, black hides it and colours are never changed', async () => {
    const image = randomImage(6, 4, 2);
    const white = createImage(6, 4).data.fill(255);
    const kept = await run({ image, mask: { width: 6, height: 4, data: white } }, {});
    expect(sameBytes(kept.data, image.data)).toBe(true);
    const hidden = await run({ image, mask: createImage(3, 2) }, {});
    for (let i = 0; i < hidden.data.length; i += 4) {
      expect(hidden.data[i + 3]).toBe(0);
      expect(maxDiff(hidden.data.subarray(i, i + 3), image.data.subarray(i, i + 3))).toBe(0);
    }
  });

  test('without a mask the image passes through', async () => {
    const image = randomImage(4, 4, 1);
    expect(await run({ image }, {})).toBe(image);
  });

  test('the same inputs and parameters always give the same bytes', async () => {
    const image = randomImage(30, 20, 1);
    const mask = randomImage(7, 9, 2);
    const a = await run({ image, mask }, { source: 'red' });
    const b = await run({ image, mask }, { source: 'red' });
    expect(sameBytes(a.data, b.data)).toBe(true);
  });

  test('the input buffers are left untouched', async () => {
    const image = randomImage(10, 10, 1);
    const mask = randomImage(4, 4, 2);
    const [ic, mc] = [image.data.slice(), mask.data.slice()];
    await run({ image, mask }, { invert: true });
    expect(sameBytes(image.data, ic) && sameBytes(mask.data, mc)).toBe(true);
  });

  test('an aborted signal stops the kernel', async () => {
    const ac = new AbortController();
    ac.abort();
    const image = randomImage(8, 8);
    await expect(run({ image, mask: randomImage(8, 8) }, {}, ac.signal)).rejects.toThrow();
    await expect(run({ image, mask: randomImage(3, 3) }, {}, ac.signal)).rejects.toThrow();
  });
});
