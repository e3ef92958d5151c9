import { defineOp } from '../types';
import { createImage, numberParam, stringParam } from '../image';
import { checkOutputSize, forEachBand, packRgba, parseColor, pixels32 } from '../pixels';
import meta from './meta';

export default defineOp(meta, (_inputs, params, ctx) => {
  const w = numberParam(params, 'width');
  const h = numberParam(params, 'height');
  checkOutputSize(w, h, 'The image', 'choose a smaller width or height');
  const out = createImage(w, h);
  const fill = packRgba(parseColor(stringParam(params, 'color')));
  const d = pixels32(out);
  if (fill !== 0) forEachBand(w, h, ctx, (y0, y1) => d.fill(fill, y0 * w, y1 * w));
  ctx.progress(1);
  return { image: out };
});
