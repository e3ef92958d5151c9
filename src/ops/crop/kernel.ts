import { defineOp } from '../types';
import { createImage, imageInput, numberParam } from '../image';
import { forEachBand } from '../pixels';
import meta from './meta';

export default defineOp(meta, (inputs, params, ctx) => {
  const src = imageInput(inputs, 'image');
  const x = numberParam(params, 'x');
  const y = numberParam(params, 'y');
  if (x >= src.width || y >= src.height) {
    throw new RangeError(
      `The crop starts at (${x}, ${y}), outside the ${src.width}×${src.height} image; ` +
        `choose Left below ${src.width} and Top below ${src.height}`,
    );
  }
  const w = Math.min(numberParam(params, 'width'), src.width - x);
  const h = Math.min(numberParam(params, 'height'), src.height - y);
  const out = createImage(w, h);
  const rowBytes = w * 4;
  forEachBand(w, h, ctx, (y0, y1) => {
    for (let r = y0; r < y1; r++) {
      const from = ((y + r) * src.width + x) * 4;
      out.data.set(src.data.subarray(from, from + rowBytes), r * rowBytes);
    }
  });
  return { image: out };
});
