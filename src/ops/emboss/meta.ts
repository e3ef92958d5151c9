import { declareOp } from '../types';

export default declareOp({
  id: 'emboss',
  version: 1,
  title: 'Emboss',
  category: 'filter',
  description:
    'Makes the image look stamped into metal: mid-grey where flat, light and dark along edges depending on ' +
    'which way they face the light. Works on each colour channel, so coloured edges stay tinted; alpha is kept.',
  keywords: ['relief', 'bevel', 'stamp', 'bump'],
  inputs: [{ name: 'image', type: 'image' }],
  outputs: [{ name: 'image', type: 'image' }],
  tile: { halo: () => 1 },
  params: {
    strength: { kind: 'number', label: 'Strength', default: 1, min: 0, max: 10, step: 0.1, softMax: 4 },
    angle: {
      kind: 'number',
      label: 'Light angle',
      description: 'Where the light comes from, counter-clockwise from the right.',
      default: 135,
      min: 0,
      max: 360,
      step: 1,
      unit: '°',
    },
  },
});
