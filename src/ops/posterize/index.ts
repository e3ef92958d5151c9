import { defineOp } from '../types';
import { createImage, imageInput, numberParam, checkAbort } from '../image';

// Pixels between abort checks and progress reports: small enough to stop within a few ms.
const BAND = 1 << 20;

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
    const out = createImage(src.width, src.height);
    const s = src.data;
    const d = out.data;
    const n = s.length;
    for (let start = 0; start < n; start += BAND * 4) {
      checkAbort(ctx.signal);
      const end = Math.min(n, start + BAND * 4);
      for (let i = start; i < end; i += 4) {
        d[i] = lut[s[i]!]!;
        d[i + 1] = lut[s[i + 1]!]!;
        d[i + 2] = lut[s[i + 2]!]!;
        d[i + 3] = s[i + 3]!;
      }
      ctx.progress(end / n);
    }
    return { image: out };
  },
);
