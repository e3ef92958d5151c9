import { declareOp } from '../types';
import { rowLocal } from '../tiles';

export default declareOp({
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
});
