import { declareOp } from '../types';

const side = (label: string) =>
  ({ kind: 'number', label, default: 512, min: 1, max: 65536, softMax: 4096, integer: true, unit: 'px' }) as const;

export default declareOp({
  id: 'gradient',
  version: 1,
  title: 'Gradient',
  category: 'source',
  description: 'A smooth blend from colour A to colour B, in a straight line or outwards from the centre.',
  keywords: ['ramp', 'linear', 'radial', 'generate', 'fade'],
  inputs: [],
  outputs: [{ name: 'image', type: 'image' }],
  params: {
    width: side('Width'),
    height: side('Height'),
    kind: {
      kind: 'select',
      label: 'Shape',
      default: 'linear',
      options: [
        { value: 'linear', label: 'Linear' },
        { value: 'radial', label: 'Radial' },
      ],
    },
    angle: {
      kind: 'number',
      label: 'Angle',
      description: 'Linear only: 0° runs left to right, 90° top to bottom.',
      default: 0,
      min: 0,
      max: 360,
      step: 1,
      unit: '°',
    },
    colorA: { kind: 'color', label: 'Colour A', description: 'At the start (linear) or the centre (radial).', default: '#000000' },
    colorB: { kind: 'color', label: 'Colour B', description: 'At the end (linear) or the corners (radial).', default: '#ffffff' },
  },
});
