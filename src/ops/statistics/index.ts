import { defineOp } from '../types';
import { imageInput, stringParam } from '../image';
import { forEachBand, luma8 } from '../pixels';

export default defineOp(
  {
    id: 'statistics',
    version: 1,
    title: 'Statistics',
    category: 'analyze',
    description: 'Mean, minimum, maximum and standard deviation of one channel, on a 0–255 scale. The image passes through unchanged.',
    keywords: ['mean', 'average', 'min', 'max', 'stddev', 'brightness', 'measure'],
    inputs: [{ name: 'image', type: 'image' }],
    outputs: [
      { name: 'mean', type: 'number', label: 'Mean' },
      { name: 'min', type: 'number', label: 'Min' },
      { name: 'max', type: 'number', label: 'Max' },
      { name: 'stddev', type: 'number', label: 'Std. dev.' },
      { name: 'image', type: 'image', label: 'Image' },
    ],
    params: {
      channel: {
        kind: 'select',
        label: 'Channel',
        description: 'Brightness is Rec. 709 luma.',
        default: 'luma',
        options: [
          { value: 'luma', label: 'Brightness' },
          { value: 'r', label: 'Red' },
          { value: 'g', label: 'Green' },
          { value: 'b', label: 'Blue' },
          { value: 'a', label: 'Alpha' },
        ],
      },
    },
  },
  (inputs, params, ctx) => {
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
  },
);
