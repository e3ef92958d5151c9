import { declareOp } from '../types';
import { resizeBands } from './weights';

export default declareOp({
  id: 'resize',
  version: 2,
  title: 'Resize',
  category: 'geometry',
  description: 'Scales the image up or down by a percentage or to an exact size.',
  keywords: ['scale', 'size', 'downscale', 'upscale', 'lanczos', 'bicubic', 'thumbnail'],
  inputs: [{ name: 'image', type: 'image' }],
  outputs: [{ name: 'image', type: 'image' }],
  // Split into bands of output rows, each reading its rows' windows (see resizeBands). A band
  // whose input rows are all opaque skips premultiplying, which may round one level apart from the
  // whole image's premultiplied pass where the image elsewhere has transparency.
  tile: { halo: () => 0, tolerance: () => 1, resample: resizeBands },
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
});
