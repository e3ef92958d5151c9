import { declareOp } from '../types';
import { rowLocal } from '../tiles';

const level = (label: string, description: string, value: number) =>
  ({ kind: 'number', label, description, default: value, min: 0, max: 255, step: 1, integer: true }) as const;

export default declareOp({
  id: 'levels',
  version: 1,
  title: 'Levels',
  category: 'adjust',
  description:
    'Stretches the tones between an input black and white point to an output range, with a gamma for the mid-tones. ' +
    'Can work on all colour channels or just one. Alpha is kept.',
  keywords: ['black point', 'white point', 'tones', 'curves', 'stretch'],
  inputs: [{ name: 'image', type: 'image' }],
  outputs: [{ name: 'image', type: 'image' }],
  tile: rowLocal,
  params: {
    channel: {
      kind: 'select',
      label: 'Channel',
      default: 'rgb',
      options: [
        { value: 'rgb', label: 'RGB' },
        { value: 'r', label: 'Red' },
        { value: 'g', label: 'Green' },
        { value: 'b', label: 'Blue' },
      ],
    },
    inBlack: level('Input black', 'Levels at or below this become the output black.', 0),
    inWhite: level('Input white', 'Levels at or above this become the output white.', 255),
    gamma: {
      kind: 'number',
      label: 'Gamma',
      description: 'Above 1 brightens the mid-tones, below 1 darkens them.',
      default: 1,
      min: 0.1,
      max: 10,
      softMin: 0.1,
      softMax: 3,
      step: 0.01,
    },
    outBlack: level('Output black', 'The darkest level written.', 0),
    outWhite: level('Output white', 'The brightest level written; below output black inverts.', 255),
  },
});
