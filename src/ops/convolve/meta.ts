import { declareOp } from '../types';

export default declareOp({
  id: 'convolve',
  version: 1,
  title: 'Custom convolution',
  category: 'filter',
  description:
    'Applies your own 3×3, 5×5 or 7×7 kernel to the colour channels: each output is the sum of the neighbours ' +
    'times the matching matrix entries (the top-left entry weighs the top-left neighbour), divided by the ' +
    'divisor, plus the bias. Alpha is kept; edges extend.',
  keywords: ['kernel', 'matrix', 'custom', 'filter', 'sharpen', 'convolution'],
  inputs: [{ name: 'image', type: 'image' }],
  outputs: [{ name: 'image', type: 'image' }],
  // A size×size kernel reaches (size − 1) / 2 rows up and down.
  tile: { halo: (p) => (Array.isArray(p['matrix']) ? (Math.round(Math.sqrt(p['matrix'].length)) - 1) >> 1 : 0) },
  params: {
    matrix: {
      kind: 'matrix',
      label: 'Kernel',
      default: [0, -1, 0, -1, 5, -1, 0, -1, 0],
      sizes: [3, 5, 7],
      min: -1000,
      max: 1000,
    },
    divisor: {
      kind: 'number',
      label: 'Divisor',
      description: '0 divides by the sum of the entries (or by 1 when they sum to 0).',
      default: 0,
      min: -10000,
      max: 10000,
      softMin: 0,
      softMax: 100,
    },
    bias: { kind: 'number', label: 'Bias', default: 0, min: -255, max: 255, step: 1 },
  },
});
