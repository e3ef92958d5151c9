import { declareOp } from '../types';
import { rowLocal } from '../tiles';

export default declareOp({
  id: 'apply-mask',
  version: 1,
  title: 'Apply Mask',
  category: 'composite',
  description:
    'Makes the image transparent where the mask is dark: white keeps a pixel, black hides it. A mask of another size is stretched to fit.',
  keywords: ['alpha', 'transparency', 'matte', 'cutout', 'stencil'],
  inputs: [
    { name: 'image', type: 'image', label: 'Image' },
    { name: 'mask', type: 'image', label: 'Mask', optional: true },
  ],
  outputs: [{ name: 'image', type: 'image' }],
  // Row-local when the mask has the image's size (a mask of another size is stretched, and
  // executors tile only when every image input has the first one's size).
  tile: rowLocal,
  params: {
    source: {
      kind: 'select',
      label: 'Mask from',
      description: 'Which part of the mask image decides visibility.',
      default: 'luma',
      options: [
        { value: 'luma', label: 'Brightness' },
        { value: 'alpha', label: 'Alpha' },
        { value: 'red', label: 'Red channel' },
      ],
    },
    invert: { kind: 'boolean', label: 'Invert mask', description: 'Hide where the mask is bright instead.', default: false },
    scaling: {
      kind: 'select',
      label: 'Mask scaling',
      description: 'How a mask of a different size is fitted to the image.',
      default: 'bilinear',
      options: [
        { value: 'bilinear', label: 'Smooth (bilinear)' },
        { value: 'nearest', label: 'Hard edges (nearest)' },
      ],
    },
  },
});
