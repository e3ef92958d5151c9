import { defineOp } from '../types';
import { createImage, imageInput, numberParam } from '../image';
import { forEachBand } from '../pixels';

const coord = (label: string, description: string) =>
  ({ kind: 'number', label, description, default: 0, min: 0, max: 65535, softMax: 4096, integer: true, unit: 'px' }) as const;
const extent = (label: string) =>
  ({ kind: 'number', label, default: 512, min: 1, max: 65536, softMax: 4096, integer: true, unit: 'px' }) as const;

export default defineOp(
  {
    id: 'crop',
    version: 1,
    title: 'Crop',
    category: 'geometry',
    description: 'Keeps a rectangle of the image. A rectangle reaching past the edge is cut to fit.',
    keywords: ['trim', 'cut', 'region'],
    inputs: [{ name: 'image', type: 'image' }],
    outputs: [{ name: 'image', type: 'image' }],
    params: {
      x: coord('Left', 'Distance from the left edge.'),
      y: coord('Top', 'Distance from the top edge.'),
      width: extent('Width'),
      height: extent('Height'),
    },
  },
  (inputs, params, ctx) => {
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
  },
);
