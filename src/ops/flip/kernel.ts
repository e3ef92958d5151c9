import { defineOp } from '../types';
import { createImage, imageInput, boolParam } from '../image';
import { forEachBand, pixels32 } from '../pixels';
import meta from './meta';

export default defineOp(meta, (inputs, params, ctx) => {
  const src = imageInput(inputs, 'image');
  const flipX = boolParam(params, 'horizontal');
  const flipY = boolParam(params, 'vertical');
  const { width: w, height: h } = src;
  const out = createImage(w, h);
  const s = pixels32(src);
  const d = pixels32(out);
  forEachBand(w, h, ctx, (y0, y1) => {
    for (let y = y0; y < y1; y++) {
      const from = (flipY ? h - 1 - y : y) * w;
      const to = y * w;
      if (flipX) {
        for (let x = 0, i = from + w - 1; x < w; x++, i--) d[to + x] = s[i]!;
      } else {
        d.set(s.subarray(from, from + w), to);
      }
    }
  });
  return { image: out };
});
