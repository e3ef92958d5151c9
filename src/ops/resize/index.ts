import { defineOp, type Image } from '../types';
import { imageInput, numberParam, stringParam, boolParam } from '../image';
import { checkOutputSize } from '../pixels';
import { resizeImage, type Filter } from './resample';
import { resizeInWasm } from './wasm';

export default defineOp(
  {
    id: 'resize',
    version: 2,
    title: 'Resize',
    category: 'geometry',
    description: 'Scales the image up or down by a percentage or to an exact size.',
    keywords: ['scale', 'size', 'downscale', 'upscale', 'lanczos', 'bicubic', 'thumbnail'],
    inputs: [{ name: 'image', type: 'image' }],
    outputs: [{ name: 'image', type: 'image' }],
    params: {
      mode: {
        kind: 'select',
        label: 'Size by',
        default: 'scale',
        options: [
          { value: 'scale', label: 'Percentage' },
          { value: 'size', label: 'Width and height' },
        ],
      },
      scale: {
        kind: 'number',
        label: 'Scale',
        description: 'Used when sizing by percentage.',
        default: 50,
        min: 0.1,
        max: 1000,
        softMin: 1,
        softMax: 400,
        step: 1,
        unit: '%',
      },
      width: {
        kind: 'number',
        label: 'Width',
        description: 'Used when sizing by width and height.',
        default: 1024,
        min: 1,
        max: 65536,
        softMax: 8192,
        integer: true,
        unit: 'px',
      },
      height: {
        kind: 'number',
        label: 'Height',
        description: 'Used when sizing by width and height.',
        default: 768,
        min: 1,
        max: 65536,
        softMax: 8192,
        integer: true,
        unit: 'px',
      },
      keepAspect: {
        kind: 'boolean',
        label: 'Keep aspect ratio',
        description: 'Fit inside the width and height without stretching.',
        default: true,
      },
      filter: {
        kind: 'select',
        label: 'Filter',
        description: 'Lanczos is sharpest; nearest keeps hard pixel edges.',
        default: 'lanczos3',
        options: [
          { value: 'nearest', label: 'Nearest neighbour' },
          { value: 'bilinear', label: 'Bilinear' },
          { value: 'bicubic', label: 'Bicubic (Catmull-Rom)' },
          { value: 'lanczos3', label: 'Lanczos 3' },
        ],
      },
    },
  },
  async (inputs, params, ctx) => {
    const src = imageInput(inputs, 'image');
    const [w, h] = targetSize(src, params);
    checkOutputSize(w, h, 'The resized image', 'choose a smaller size');
    const filter = stringParam(params, 'filter') as Filter;
    // nearest (an exact pixel copy) and same size (an exact copy) stay in JS; the rest runs in
    // WebAssembly unless its ring of rows would be huge (extreme vertical-only shrink)
    if (filter !== 'nearest' && (w !== src.width || h !== src.height)) {
      const image = await resizeInWasm(src, w, h, filter, ctx);
      if (image) return { image };
    }
    return { image: resizeImage(src, w, h, filter, ctx) };
  },
);

function targetSize(src: Image, params: Readonly<Record<string, unknown>>): [number, number] {
  const fit = (v: number) => Math.max(1, Math.round(v));
  if (stringParam(params, 'mode') === 'scale') {
    const s = numberParam(params, 'scale') / 100;
    return [fit(src.width * s), fit(src.height * s)];
  }
  const w = numberParam(params, 'width');
  const h = numberParam(params, 'height');
  if (!boolParam(params, 'keepAspect')) return [w, h];
  // Fit inside the box, like ImageMagick's `-resize WxH`: the tighter side decides.
  const s = Math.min(w / src.width, h / src.height);
  return [fit(src.width * s), fit(src.height * s)];
}
