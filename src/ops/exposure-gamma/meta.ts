import { declareOp } from '../types';
import { rowLocal } from '../tiles';

export default declareOp({
  id: 'exposure-gamma',
  version: 1,
  title: 'Exposure / Gamma',
  category: 'adjust',
  description:
    'Changes exposure in photographic stops (+1 doubles the light), adds an offset, then applies a gamma curve. ' +
    'Works in linear light: colours are converted from sRGB, adjusted, and converted back. Alpha is kept.',
  keywords: ['stops', 'ev', 'brightness', 'linear'],
  inputs: [{ name: 'image', type: 'image' }],
  outputs: [{ name: 'image', type: 'image' }],
  tile: rowLocal,
  params: {
    exposure: {
      kind: 'number',
      label: 'Exposure',
      description: 'In stops: +1 doubles the light, −1 halves it.',
      default: 0,
      min: -5,
      max: 5,
      softMin: -3,
      softMax: 3,
      step: 0.01,
      unit: 'EV',
    },
    offset: {
      kind: 'number',
      label: 'Offset',
      description: 'Added to the linear light after exposure; below 0 deepens shadows, above 0 lifts them.',
      default: 0,
      min: -0.5,
      max: 0.5,
      softMin: -0.1,
      softMax: 0.1,
      step: 0.001,
    },
    gamma: {
      kind: 'number',
      label: 'Gamma',
      description: 'Above 1 brightens the mid-tones, below 1 darkens them; black and white stay put.',
      default: 1,
      min: 0.1,
      max: 5,
      softMin: 0.2,
      softMax: 3,
      step: 0.01,
    },
  },
});
