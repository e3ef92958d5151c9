import { defineOp, type Histogram } from '../types';
import { imageInput } from '../image';
import { forEachBand, luma8 } from '../pixels';
import meta from './meta';

export default defineOp(meta, (inputs, _params, ctx) => {
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
});
