import { defineOp } from '../types';
import { imageInput } from '../image';
import { forEachBand } from '../pixels';
import meta from './meta';

export default defineOp(meta, (inputs, _params, ctx) => {
  const a = imageInput(inputs, 'a');
  const b = imageInput(inputs, 'b');
  if (a.width !== b.width || a.height !== b.height) {
    throw new RangeError(`The images differ in size (${a.width}×${a.height} and ${b.width}×${b.height}): compare images of one size`);
  }
  const x = a.data;
  const y = b.data;
  const rowBytes = a.width * 4;
  // Integer sums per band stay exact (a band is far below 2^53 / 255 bytes).
  let sum = 0;
  forEachBand(a.width, a.height, ctx, (y0, y1) => {
    let s = 0;
    for (let i = y0 * rowBytes, end = y1 * rowBytes; i < end; i++) s += Math.abs(x[i]! - y[i]!);
    sum += s;
  });
  return { mean: sum / x.length };
});
