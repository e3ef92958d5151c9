import { defineOp } from '../types';
import { createImage, numberParam, stringParam } from '../image';
import { checkOutputSize, forEachBand, packRgba, parseColor, pixels32 } from '../pixels';

const side = (label: string) =>
  ({ kind: 'number', label, default: 512, min: 1, max: 65536, softMax: 4096, integer: true, unit: 'px' }) as const;

export default defineOp(
  {
    id: 'fill',
    version: 1,
    title: 'Solid Colour',
    category: 'source',
    description: 'An image of one colour, to blend with, pad with or mask.',
    keywords: ['fill', 'color', 'colour', 'solid', 'plain', 'background', 'generate'],
    inputs: [],
    outputs: [{ name: 'image', type: 'image' }],
    params: {
      width: side('Width'),
      height: side('Height'),
      color: { kind: 'color', label: 'Colour', default: '#ffffff' },
    },
  },
  (_inputs, params, ctx) => {
    const w = numberParam(params, 'width');
    const h = numberParam(params, 'height');
    checkOutputSize(w, h, 'The image', 'choose a smaller width or height');
    const out = createImage(w, h);
    const fill = packRgba(parseColor(stringParam(params, 'color')));
    const d = pixels32(out);
    if (fill !== 0) forEachBand(w, h, ctx, (y0, y1) => d.fill(fill, y0 * w, y1 * w));
    ctx.progress(1);
    return { image: out };
  },
);
