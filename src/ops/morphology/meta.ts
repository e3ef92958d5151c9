import { declareOp } from '../types';
import { numberParam } from '../image';

export default declareOp({
  id: 'morphology',
  version: 1,
  title: 'Erode / dilate',
  category: 'filter',
  description:
    'Grey-level morphology on every channel, alpha included: erode takes the minimum over the shape (dark and ' +
    'transparent areas grow), dilate the maximum; open (erode then dilate) removes small bright details, close ' +
    '(dilate then erode) fills small dark gaps. The disc holds the pixels within r + ½ of the centre. Edges extend.',
  keywords: ['erode', 'dilate', 'open', 'close', 'minimum', 'maximum', 'morphological'],
  inputs: [{ name: 'image', type: 'image' }],
  outputs: [{ name: 'image', type: 'image' }],
  // r rows per erosion or dilation; open and close are two of them.
  tile: {
    halo: (p) => numberParam(p, 'radius') * (p['operation'] === 'open' || p['operation'] === 'close' ? 2 : 1),
  },
  params: {
    operation: {
      kind: 'select',
      label: 'Operation',
      default: 'erode',
      options: [
        { value: 'erode', label: 'Erode (minimum)' },
        { value: 'dilate', label: 'Dilate (maximum)' },
        { value: 'open', label: 'Open' },
        { value: 'close', label: 'Close' },
      ],
    },
    radius: { kind: 'number', label: 'Radius', default: 2, min: 1, max: 50, step: 1, integer: true, softMax: 20, unit: 'px' },
    shape: {
      kind: 'select',
      label: 'Shape',
      default: 'square',
      options: [
        { value: 'square', label: 'Square' },
        { value: 'disc', label: 'Disc' },
      ],
    },
  },
});
