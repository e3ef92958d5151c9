import { declareOp } from '../types';

export default declareOp({
  id: 'mean-difference',
  version: 1,
  title: 'Mean difference',
  category: 'analyze',
  description: 'Mean absolute difference of two images of the same size, over every channel, on a 0–255 scale (0: identical): how much one iteration of a loop changed the image.',
  keywords: ['compare', 'delta', 'change', 'error', 'mae'],
  inputs: [
    { name: 'a', type: 'image', label: 'A' },
    { name: 'b', type: 'image', label: 'B' },
  ],
  outputs: [{ name: 'mean', type: 'number', label: 'Mean |Δ|' }],
  params: {},
});
