import { declareOp } from '../types';
import { numberParam } from '../image';

export default declareOp({
  id: 'median',
  version: 1,
  title: 'Median',
  category: 'filter',
  description:
    'Replaces each channel of each pixel by the median of the (2r+1)×(2r+1) square around it: removes specks ' +
    'and salt-and-pepper noise while keeping edges. Channels (alpha included) are filtered independently; edges ' +
    'extend. Radius 1 to 6 use sorting networks on many pixels at once; larger radii constant-time histograms ' +
    '(Perreault–Hébert).',
  keywords: ['denoise', 'noise', 'despeckle', 'salt and pepper'],
  inputs: [{ name: 'image', type: 'image' }],
  outputs: [{ name: 'image', type: 'image' }],
  tile: { halo: (p) => numberParam(p, 'radius') },
  params: {
    radius: { kind: 'number', label: 'Radius', default: 1, min: 1, max: 10, step: 1, integer: true, unit: 'px' },
  },
});
