import { declareOp } from '../types';
import { rowLocal } from '../tiles';

export default declareOp({
  id: 'threshold',
  version: 1,
  title: 'Threshold',
  category: 'adjust',
  description:
    'Turns the image into pure black and white: pixels at or above the level become white, the rest black. ' +
    'Compares each pixel’s Rec. 709 luma (rounded to a whole level), or each colour channel on its own. Alpha is kept.',
  keywords: ['binarize', 'black and white', 'cutoff', 'mask'],
  inputs: [{ name: 'image', type: 'image' }],
  outputs: [{ name: 'image', type: 'image' }],
  tile: rowLocal,
  params: {
    level: {
      kind: 'number',
      label: 'Level',
      description: 'Levels at or above this become white; below it, black.',
      default: 128,
      min: 0,
      max: 255,
      step: 1,
      integer: true,
    },
    mode: {
      kind: 'select',
      label: 'Compare',
      default: 'luma',
      options: [
        { value: 'luma', label: 'Brightness (luma)' },
        { value: 'channels', label: 'Each channel' },
      ],
    },
  },
});
