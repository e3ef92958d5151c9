import { defineOp } from '../types';
import { imageInput, stringParam } from '../image';
import { forEachBand, luma8 } from '../pixels';
import meta from './meta';

export default defineOp(meta, (inputs, params, ctx) => {
  const src = imageInput(inputs, 'image');
  const channel = stringParam(params, 'channel');
  const s = src.data;
  const rowBytes = src.width * 4;
  // Count levels first: the sums are then exact integers and the variance needs no second pass.
  const counts = new Float64Array(256);
  const offset = channel === 'r' ? 0 : channel === 'g' ? 1 : channel === 'b' ? 2 : 3;
  forEachBand(src.width, src.height, ctx, (y0, y1) => {
    const end = y1 * rowBytes;
    if (channel === 'luma') {
      for (let i = y0 * rowBytes; i < end; i += 4) counts[luma8(s[i]!, s[i + 1]!, s[i + 2]!)]!++;
    } else {
      for (let i = y0 * rowBytes + offset; i < end; i += 4) counts[s[i]!]!++;
    }
  });
  const n = src.width * src.height;
  let min = 255;
  let max = 0;
  let sum = 0;
  for (let v = 0; v < 256; v++) {
    const c = counts[v]!;
    if (c === 0) continue;
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v * c;
  }
  const mean = sum / n;
  let sq = 0;
  for (let v = min; v <= max; v++) sq += counts[v]! * (v - mean) * (v - mean);
  // Population standard deviation: the image is the whole population, not a sample of it.
  const stddev = Math.sqrt(sq / n);
  return { mean, min, max, stddev, image: src };
});
