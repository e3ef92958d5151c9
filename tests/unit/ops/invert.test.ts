import { describe, expect, test } from 'vitest';
import invert from '../../../src/ops/invert/kernel';
import { imageFrom } from '../../../src/ops/image';
import { ctx, randomImage, maxDiff } from './helpers';

/** Reference: 255 - v on each colour channel, alpha untouched. */
function reference(data: Uint8ClampedArray): Uint8ClampedArray {
  const out = new Uint8ClampedArray(data.length);
  for (let i = 0; i < data.length; i += 4) {
    out[i] = 255 - data[i]!;
    out[i + 1] = 255 - data[i + 1]!;
    out[i + 2] = 255 - data[i + 2]!;
    out[i + 3] = data[i + 3]!;
  }
  return out;
}

describe('invert', () => {
  for (const [w, h] of [[1, 1], [3, 7], [1023, 5]] as const) {
    test(`matches the reference on a ${w}×${h} image`, async () => {
      const img = randomImage(w, h, w * 31 + h);
      const out = await invert.kernel({ image: img }, {}, ctx());
      const res = out.image as ReturnType<typeof imageFrom>;
      expect(res.width).toBe(w);
      expect(res.height).toBe(h);
      expect(maxDiff(res.data, reference(img.data))).toBe(0);
    });
  }

  test('inverting twice gives back the input', async () => {
    const img = randomImage(17, 9, 5);
    const once = (await invert.kernel({ image: img }, {}, ctx())).image;
    const twice = (await invert.kernel({ image: once! }, {}, ctx())).image as typeof img;
    expect(Buffer.compare(Buffer.from(twice.data), Buffer.from(img.data))).toBe(0);
  });
});
