import { declareOp } from '../types';

export default declareOp({
  id: 'sobel',
  version: 1,
  title: 'Sobel edges',
  category: 'filter',
  description:
    'Edge strength as grey: the Sobel gradient of the luma (Rec. 709), as magnitude or along one axis. A full ' +
    'black-to-white step scores 255. Alpha is kept; edges extend.',
  keywords: ['edges', 'gradient', 'outline', 'detect'],
  inputs: [{ name: 'image', type: 'image' }],
  outputs: [{ name: 'image', type: 'image' }],
  tile: { halo: () => 1 },
  params: {
    direction: {
      kind: 'select',
      label: 'Direction',
      default: 'both',
      options: [
        { value: 'both', label: 'Both (magnitude)' },
        { value: 'x', label: 'Horizontal change (x)' },
        { value: 'y', label: 'Vertical change (y)' },
      ],
    },
  },
});
