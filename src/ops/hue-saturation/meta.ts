import { declareOp } from '../types';
import { rowLocal } from '../tiles';

export default declareOp({
  id: 'hue-saturation',
  version: 1,
  title: 'Hue / Saturation',
  category: 'adjust',
  description:
    'Works in HSL: turns every hue round the colour wheel, scales saturation (−100 gives grey, +100 doubles it) ' +
    'and moves lightness towards black (−100) or white (+100). Alpha is kept.',
  keywords: ['hsl', 'colour', 'color', 'vibrance', 'desaturate', 'lightness', 'tint'],
  inputs: [{ name: 'image', type: 'image' }],
  outputs: [{ name: 'image', type: 'image' }],
  tile: rowLocal,
  params: {
    hue: {
      kind: 'number',
      label: 'Hue',
      description: 'Turns every colour round the colour wheel by this many degrees.',
      default: 0,
      min: -180,
      max: 180,
      step: 1,
      unit: '°',
    },
    saturation: {
      kind: 'number',
      label: 'Saturation',
      description: '−100 removes all colour; +100 doubles the saturation.',
      default: 0,
      min: -100,
      max: 100,
      step: 1,
    },
    lightness: {
      kind: 'number',
      label: 'Lightness',
      description: '−100 makes everything black, +100 makes everything white.',
      default: 0,
      min: -100,
      max: 100,
      step: 1,
    },
  },
});
