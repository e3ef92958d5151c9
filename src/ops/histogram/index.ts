import { defineOp, type Histogram } from '../types';
import { imageInput } from '../image';
import { forEachBand, luma8 } from '../pixels';

export default defineOp(
  {
    id: 'histogram',
    version: 1,
    title: 'Histogram',
    category: 'analyze',
    description: 'Counts how many pixels have each level of red, green, blue, alpha and brightness. The image passes through unchanged.',
    keywords: ['levels', 'distribution', 'chart', 'analyze'],
    inputs: [{ name: 'image', type: 'image' }],
    outputs: [
      { name: 'histogram', type: 'histogram', label: 'Histogram' },
      { name: 'image', type: 'image', label: 'Image' },
    ],
    params: {},
  },
  (inputs, _params, ctx) => {
    const src = imageInput(inputs, 'image');
    const r = new Uint32Array(256);
    const g = new Uint32Array(256);
    const b = new Uint32Array(256);
    const a = new Uint32Array(256);
    const luma = new Uint32Array(256);
    const s = src.data;
    const rowBytes = src.width * 4;
    // Every pixel counts once, whatever its alpha (fully transparent pixels included).
    forEachBand(src.width, src.height, ctx, (y0, y1) => {
      for (let i = y0 * rowBytes, end = y1 * rowBytes; i < end; i += 4) {
        const R = s[i]!;
        const G = s[i + 1]!;
        const B = s[i + 2]!;
        r[R]!++;
        g[G]!++;
        b[B]!++;
        a[s[i + 3]!]!++;
        luma[luma8(R, G, B)]!++;
      }
    });
    const histogram: Histogram = { kind: 'histogram', r, g, b, a, luma, pixels: src.width * src.height };
    // The input goes on by reference, as a bypassed step's does: no copy, and it is never written.
    return { histogram, image: src };
  },
);
