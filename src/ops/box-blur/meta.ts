import { declareOp } from '../types';
import { numberParam } from '../image';

export default declareOp({
  id: 'box-blur',
  version: 1,
  title: 'Box blur',
  category: 'filter',
  description:
    'Replaces each pixel by the mean of the (2r+1)×(2r+1) square around it; edges extend. Running sums make the ' +
    'cost the same for every radius. Colour is averaged premultiplied by alpha.',
  keywords: ['blur', 'mean', 'average', 'smooth'],
  inputs: [{ name: 'image', type: 'image' }],
  outputs: [{ name: 'image', type: 'image' }],
  // The square reaches r rows up and down; integer sums make bands exact.
  tile: { halo: (p) => numberParam(p, 'radius') },
  params: {
    radius: { kind: 'number', label: 'Radius', default: 5, min: 1, max: 200, step: 1, integer: true, softMax: 50, unit: 'px' },
  },
});
