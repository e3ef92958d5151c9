import { declareOp } from '../types';

export default declareOp({
  id: 'histogram',
  version: 1,
  title: 'Histogram',
  category: 'analyze',
  description: 'Counts how many pixels have each level of red, green, blue, alpha and brightness. The image passes through unchanged.',
  keywords: ['levels', 'distribution', 'chart', 'analyze'],
  inputs: [{ name: 'image', type: 'image' }],
  outputs: [
    { name: 'histogram', type: 'histogram', label: 'Histogram' },
    { name: 'image', type: 'image', label: 'Image' },
  ],
  params: {},
});
