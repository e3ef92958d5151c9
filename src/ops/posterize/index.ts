import { defineOp } from '../types';
import { imageInput, numberParam, checkAbort } from '../image';
import { applyChannelLuts } from '../pixels';
import { rowLocal } from '../tiles';


export default defineOp(
  {
    id: 'posterize',
    version: 1,
    title: 'Posterize',
    category: 'adjust',
    description:
      'Reduces each colour channel to a few evenly spaced levels: the 256 input levels are split into equal bands, ' +
      'and each band becomes one output level from black to white. Alpha is kept.',
    keywords: ['quantize', 'levels', 'banding', 'reduce colours', 'colors'],
    inputs: [{ name: 'image', type: 'image' }],
    outputs: [{ name: 'image', type: 'image' }],
    tile: rowLocal,
    params: {
      levels: {
        kind: 'number',
        label: 'Levels',
        description: 'How many levels each channel keeps.',
        default: 4,
        min: 2,
        max: 64,
        softMax: 16,
        step: 1,
        integer: true,
      },
    },
  },
  (inputs, params, ctx) => {
    checkAbort(ctx.signal);
    const src = imageInput(inputs, 'image');
    const levels = numberParam(params, 'levels');
    // Band k = floor(v · levels / 256) maps to round(k · 255 / (levels − 1)).
    const lut = new Uint8Array(256);
    for (let i = 0; i < 256; i++) lut[i] = Math.round((Math.floor((i * levels) / 256) * 255) / (levels - 1));
    return { image: applyChannelLuts(src, lut, lut, lut, ctx) };
  },
);
