import { declareOp } from '../types';

const side = (label: string) =>
  ({ kind: 'number', label, default: 32, min: 0, max: 4096, softMax: 512, integer: true, unit: 'px' }) as const;

export default declareOp({
  id: 'pad',
  version: 1,
  title: 'Pad',
  category: 'geometry',
  description: 'Adds a border of a solid colour around the image.',
  keywords: ['border', 'margin', 'canvas size', 'frame', 'extend'],
  inputs: [{ name: 'image', type: 'image' }],
  outputs: [{ name: 'image', type: 'image' }],
  params: {
    top: side('Top'),
    right: side('Right'),
    bottom: side('Bottom'),
    left: side('Left'),
    color: { kind: 'color', label: 'Colour', description: 'Colour of the border; transparent by default.', default: '#00000000' },
  },
});
