import { defineOp } from '../types';
import { createImage, imageInput, boolParam } from '../image';
import { forEachBand, pixels32 } from '../pixels';

export default defineOp(
  {
    id: 'flip',
    version: 1,
    title: 'Flip',
    category: 'geometry',
    description: 'Mirrors the image left to right, top to bottom, or both.',
    keywords: ['mirror', 'reflect'],
    inputs: [{ name: 'image', type: 'image' }],
    outputs: [{ name: 'image', type: 'image' }],
    params: {
      horizontal: { kind: 'boolean', label: 'Flip horizontally', description: 'Swap left and right.', default: true },
      vertical: { kind: 'boolean', label: 'Flip vertically', description: 'Swap top and bottom.', default: false },
    },
  },
  (inputs, params, ctx) => {
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
  },
);
