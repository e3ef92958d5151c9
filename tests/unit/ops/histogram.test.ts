import { describe, expect, test } from 'vitest';
import histogram from '../../../src/ops/histogram/kernel';
import { createImage } from '../../../src/ops/image';
import type { Histogram, Image } from '../../../src/ops/types';
import { ctx, randomImage, maxDiff } from './helpers';

async function run(img: Image, signal?: AbortSignal): Promise<{ histogram: Histogram; image: Image }> {
  return (await histogram.kernel({ image: img }, {}, ctx(signal))) as { histogram: Histogram; image: Image };
}

/** Reference: count with plain arrays; luma is Rec. 709 rounded half up. */
function reference(img: Image): Record<'r' | 'g' | 'b' | 'a' | 'luma', number[]> {
  const bins = () => new Array<number>(256).fill(0);
  const h = { r: bins(), g: bins(), b: bins(), a: bins(), luma: bins() };
  for (let i = 0; i < img.data.length; i += 4) {
    const [r, g, b, a] = [img.data[i]!, img.data[i + 1]!, img.data[i + 2]!, img.data[i + 3]!];
    h.r[r]!++;
    h.g[g]!++;
    h.b[b]!++;
    h.a[a]!++;
    h.luma[Math.round((2126 * r + 7152 * g + 722 * b) / 10000)]!++;
  }
  return h;
}

describe('histogram', () => {
  for (const [w, h] of [[1, 1], [3, 7], [1023, 5]] as const) {
    test(`${w}×${h}: every channel matches the reference counts and sums to the pixel count`, async () => {
      const img = randomImage(w, h, w + h);
      const { histogram: hist } = await run(img);
      const ref = reference(img);
      expect(hist.kind).toBe('histogram');
      expect(hist.pixels).toBe(w * h);
      for (const ch of ['r', 'g', 'b', 'a', 'luma'] as const) {
        expect(hist[ch]).toBeInstanceOf(Uint32Array);
        expect(hist[ch].length).toBe(256);
        expect(maxDiff(hist[ch], ref[ch])).toBe(0);
        expect(hist[ch].reduce((s, v) => s + v, 0)).toBe(w * h);
      }
    });
  }

  test('a uniform image fills one bin per channel', async () => {
    const img = createImage(5, 4);
    for (let i = 0; i < img.data.length; i += 4) img.data.set([255, 255, 255, 128], i);
    const { histogram: hist } = await run(img);
    expect(hist.r[255]).toBe(20);
    expect(hist.luma[255]).toBe(20); // white is exactly 255
    expect(hist.a[128]).toBe(20);
  });

  test('the image passes through as the second output, unchanged', async () => {
    const img = randomImage(6, 6, 2);
    const copy = img.data.slice();
    const out = await run(img);
    expect(out.image).toBe(img);
    expect(maxDiff(img.data, copy)).toBe(0);
  });

  test('the same input always gives the same counts', async () => {
    const img = randomImage(40, 30, 9);
    const a = (await run(img)).histogram;
    const b = (await run(img)).histogram;
    for (const ch of ['r', 'g', 'b', 'a', 'luma'] as const) expect(maxDiff(a[ch], b[ch])).toBe(0);
  });

  test('an aborted signal stops the kernel', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(run(randomImage(8, 8), ac.signal)).rejects.toThrow();
  });
});
