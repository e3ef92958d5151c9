import { declareOp } from '../types';

const side = (label: string) =>
  ({ kind: 'number', label, default: 512, min: 1, max: 65536, softMax: 4096, integer: true, unit: 'px' }) as const;

export default declareOp({
  id: 'fill',
  version: 1,
  title: 'Solid Colour',
  category: 'source',
  description: 'An image of one colour, to blend with, pad with or mask.',
  keywords: ['fill', 'color', 'colour', 'solid', 'plain', 'background', 'generate'],
  inputs: [],
  outputs: [{ name: 'image', type: 'image' }],
  params: {
    width: side('Width'),
    height: side('Height'),
    color: { kind: 'color', label: 'Colour', default: '#ffffff' },
  },
});
