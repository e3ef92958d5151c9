import { declareOp } from '../types';
import type { NumberParam } from '../../engine/op';
import { rowLocal } from '../tiles';

const percent = (label: string, value: number, description?: string): NumberParam => ({
  kind: 'number',
  label,
  description,
  default: value,
  min: -200,
  max: 200,
  step: 1,
  unit: '%',
});

export default declareOp({
  id: 'channel-mix',
  version: 1,
  title: 'Channel Mixer',
  category: 'adjust',
  description:
    'Builds each output channel from a percentage of the red, green and blue input channels, plus a constant ' +
    '(percent of full white). Monochrome uses the red row for all three channels, giving a grey image. Alpha is kept.',
  keywords: ['mixer', 'swap channels', 'black and white', 'matrix', 'monochrome'],
  inputs: [{ name: 'image', type: 'image' }],
  outputs: [{ name: 'image', type: 'image' }],
  tile: rowLocal,
  params: {
    rr: percent('Red from red', 100),
    rg: percent('Red from green', 0),
    rb: percent('Red from blue', 0),
    rc: percent('Red constant', 0, 'Added to red, as a percentage of full white.'),
    gr: percent('Green from red', 0),
    gg: percent('Green from green', 100),
    gb: percent('Green from blue', 0),
    gc: percent('Green constant', 0, 'Added to green, as a percentage of full white.'),
    br: percent('Blue from red', 0),
    bg: percent('Blue from green', 0),
    bb: percent('Blue from blue', 100),
    bc: percent('Blue constant', 0, 'Added to blue, as a percentage of full white.'),
    monochrome: {
      kind: 'boolean',
      label: 'Monochrome',
      description: 'Use the red row for all three channels, giving a grey image.',
      default: false,
    },
  },
});
