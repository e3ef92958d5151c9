import { declareOp } from '../types';

export default declareOp({
  id: 'flip',
  version: 1,
  title: 'Flip',
  category: 'geometry',
  description: 'Mirrors the image left to right, top to bottom, or both.',
  keywords: ['mirror', 'reflect'],
  inputs: [{ name: 'image', type: 'image' }],
  outputs: [{ name: 'image', type: 'image' }],
  params: {
    horizontal: { kind: 'boolean', label: 'Flip horizontally', description: 'Swap left and right.', default: true },
    vertical: { kind: 'boolean', label: 'Flip vertically', description: 'Swap top and bottom.', default: false },
  },
});
