import { declareOp } from '../types';
import { rowLocal } from '../tiles';

export default declareOp({
  id: 'temperature-tint',
  version: 1,
  title: 'Temperature / Tint',
  category: 'adjust',
  description:
    'Warms or cools the image and shifts it towards green or magenta, like a white-balance control. ' +
    'Temperature scales red up and blue down (or the reverse) by up to one stop each; tint scales green by up to one stop. ' +
    'Gains apply in linear light and are balanced so neutral greys keep their brightness. Alpha is kept.',
  keywords: ['white balance', 'warm', 'cool', 'colour cast', 'color'],
  inputs: [{ name: 'image', type: 'image' }],
  outputs: [{ name: 'image', type: 'image' }],
  tile: rowLocal,
  params: {
    temperature: {
      kind: 'number',
      label: 'Temperature',
      description: 'Above 0 warms (more yellow/orange), below 0 cools (more blue).',
      default: 0,
      min: -100,
      max: 100,
      step: 1,
    },
    tint: {
      kind: 'number',
      label: 'Tint',
      description: 'Above 0 shifts towards magenta, below 0 towards green.',
      default: 0,
      min: -100,
      max: 100,
      step: 1,
    },
  },
});
