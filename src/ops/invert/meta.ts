import { declareOp } from '../types';
import { rowLocal } from '../tiles';

export default declareOp({
  id: 'invert',
  version: 1,
  title: 'Invert',
  category: 'adjust',
  description: 'Turns every colour into its opposite (255 − value); alpha is kept.',
  keywords: ['negative'],
  inputs: [{ name: 'image', type: 'image' }],
  outputs: [{ name: 'image', type: 'image' }],
  tile: rowLocal,
  params: {},
});
