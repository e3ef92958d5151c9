import { declareOp } from '../types';
import { rowLocal } from '../tiles';

export default declareOp({
  id: 'brightness-contrast',
  version: 1,
  title: 'Brightness / Contrast',
  category: 'adjust',
  description:
    'Brightens or darkens, then raises or lowers contrast around mid-grey, using the classic GIMP curve: ' +
    'brightness fades towards white or black, contrast tilts the tone line (at +100 it becomes a hard split). Alpha is kept.',
  keywords: ['lighten', 'darken', 'light'],
  inputs: [{ name: 'image', type: 'image' }],
  outputs: [{ name: 'image', type: 'image' }],
  tile: rowLocal,
  params: {
    brightness: {
      kind: 'number',
      label: 'Brightness',
      description: 'Above 0 fades towards white, below 0 towards black.',
      default: 0,
      min: -100,
      max: 100,
      step: 1,
    },
    contrast: {
      kind: 'number',
      label: 'Contrast',
      description: 'Above 0 pushes tones away from mid-grey, below 0 pulls them towards it.',
      default: 0,
      min: -100,
      max: 100,
      step: 1,
    },
  },
});
