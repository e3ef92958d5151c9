import { describe, expect, test } from 'vitest';
import statistics from '../../../src/ops/statistics/kernel';
import { createImage } from '../../../src/ops/image';
import { resolveParams } from '../../../src/engine/params';
import type { Params } from '../../../src/engine/op';
import type { Image, KernelOutputs } from '../../../src/ops/types';
import { ctx, randomImage } from './helpers';

async function run(img: Image, params: Params, signal?: AbortSignal): Promise<KernelOutputs> {
  return statistics.kernel({ image: img }, resolveParams(statistics, params), ctx(signal));
}

/** Reference: list every value, then the textbook formulas (population standard deviation). */
function reference(img: Image, channel: string): { mean: number; min: number; max: number; stddev: number } {
  const values: number[] = [];
  for (let i = 0; i < img.data.length; i += 4) {
    const [r, g, b, a] = [img.data[i]!, img.data[i + 1]!, img.data[i + 2]!, img.data[i + 3]!];
    values.push({ r, g, b, a }[channel] ?? Math.round((2126 * r + 7152 * g + 722 * b) / 10000));
  }
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length;
  return { mean, min: Math.min(...values), max: Math.max(...values), stddev: Math.sqrt(variance) };
}

describe('statistics', () => {
  for (const [w, h] of [[1, 1], [3, 7], [1023, 5]] as const) {
    for (const channel of ['luma', 'r', 'g', 'b', 'a']) {
      test(`${channel} of ${w}×${h} matches the reference to 1e-9`, async () => {
        const img = randomImage(w, h, w + h);
        const out = await run(img, { channel });
        const ref = reference(img, channel);
        expect(out.min).toBe(ref.min);
        expect(out.max).toBe(ref.max);
        expect(Math.abs((out.mean as number) - ref.mean)).toBeLessThan(1e-9);
        expect(Math.abs((out.stddev as number) - ref.stddev)).toBeLessThan(1e-9);
      });
    }
  }

  test('a uniform image has its level as mean, min and max, and no spread', async () => {
    const img = createImage(7, 3);
    for (let i = 0; i < img.data.length; i += 4) img.data.set([10, 20, 30, 40], i);
    const luma = Math.round((2126 * 10 + 7152 * 20 + 722 * 30) / 10000);
    expect(await run(img, {})).toMatchObject({ mean: luma, min: luma, max: luma, stddev: 0 });
    expect(await run(img, { channel: 'b' })).toMatchObject({ mean: 30, min: 30, max: 30, stddev: 0 });
  });

  test('half black, half white has mean 127.5 and standard deviation 127.5', async () => {
    const img = createImage(2, 1);
    img.data.set([0, 0, 0, 255, 255, 255, 255, 255]);
    expect(await run(img, {})).toMatchObject({ mean: 127.5, min: 0, max: 255, stddev: 127.5 });
  });

  test('the image passes through unchanged', async () => {
    const img = randomImage(5, 5, 1);
    expect((await run(img, {})).image).toBe(img);
  });

  test('an aborted signal stops the kernel', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(run(randomImage(8, 8), {}, ac.signal)).rejects.toThrow();
  });
});
