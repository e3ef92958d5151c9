import { declareOp } from '../types';

const coord = (label: string, description: string) =>
  ({ kind: 'number', label, description, default: 0, min: 0, max: 65535, softMax: 4096, integer: true, unit: 'px' }) as const;
const extent = (label: string) =>
  ({ kind: 'number', label, default: 512, min: 1, max: 65536, softMax: 4096, integer: true, unit: 'px' }) as const;

export default declareOp({
  id: 'crop',
  version: 1,
  title: 'Crop',
  category: 'geometry',
  description: 'Keeps a rectangle of the image. A rectangle reaching past the edge is cut to fit.',
  keywords: ['trim', 'cut', 'region'],
  inputs: [{ name: 'image', type: 'image' }],
  outputs: [{ name: 'image', type: 'image' }],
  params: {
    x: coord('Left', 'Distance from the left edge.'),
    y: coord('Top', 'Distance from the top edge.'),
    width: extent('Width'),
    height: extent('Height'),
  },
});
