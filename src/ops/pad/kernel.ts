import { defineOp } from '../types';
import { createImage, imageInput, numberParam, stringParam } from '../image';
import { checkOutputSize, forEachBand, packRgba, parseColor, pixels32 } from '../pixels';
import meta from './meta';

export default defineOp(meta, (inputs, params, ctx) => {
  const src = imageInput(inputs, 'image');
  const top = numberParam(params, 'top');
  const left = numberParam(params, 'left');
  const w = src.width + left + numberParam(params, 'right');
  const h = src.height + top + numberParam(params, 'bottom');
  checkOutputSize(w, h, 'The padded image', 'use less padding');
  const out = createImage(w, h);
  const fill = packRgba(parseColor(stringParam(params, 'color')));
  const s = pixels32(src);
  const d = pixels32(out);
  forEachBand(w, h, ctx, (y0, y1) => {
    for (let y = y0; y < y1; y++) {
      const row = y * w;
      const sy = y - top;
      if (sy < 0 || sy >= src.height) {
        if (fill !== 0) d.fill(fill, row, row + w);
        continue;
      }
      if (fill !== 0) {
        d.fill(fill, row, row + left);
        d.fill(fill, row + left + src.width, row + w);
      }
      d.set(s.subarray(sy * src.width, (sy + 1) * src.width), row + left);
    }
  });
  return { image: out };
});
