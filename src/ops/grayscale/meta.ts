import { declareOp } from '../types';
import { rowLocal } from '../tiles';

export default declareOp({
  id: 'grayscale',
  version: 1,
  title: 'Grayscale',
  category: 'adjust',
  description:
    'Removes colour. Luma weights red, green and blue by how bright they look (Rec. 709 for modern screens, ' +
    'Rec. 601 for older video); Average takes their mean; Lightness is halfway between the brightest and darkest channel. Alpha is kept.',
  keywords: ['greyscale', 'gray', 'grey', 'black and white', 'monochrome', 'desaturate', 'luma'],
  inputs: [{ name: 'image', type: 'image' }],
  outputs: [{ name: 'image', type: 'image' }],
  tile: rowLocal,
  params: {
    method: {
      kind: 'select',
      label: 'Method',
      default: 'rec709',
      options: [
        { value: 'rec709', label: 'Luma (Rec. 709)' },
        { value: 'rec601', label: 'Luma (Rec. 601)' },
        { value: 'average', label: 'Average' },
        { value: 'lightness', label: 'Lightness' },
      ],
    },
  },
});
