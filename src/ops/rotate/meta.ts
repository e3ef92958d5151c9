import { declareOp } from '../types';

export default declareOp({
  id: 'rotate',
  version: 1,
  title: 'Rotate',
  category: 'geometry',
  description: 'Turns the image clockwise by any angle. Quarter turns are exact; other angles are smoothed.',
  keywords: ['turn', 'angle', 'straighten', 'orientation'],
  inputs: [{ name: 'image', type: 'image' }],
  outputs: [{ name: 'image', type: 'image' }],
  params: {
    angle: {
      kind: 'number',
      label: 'Angle',
      description: 'Clockwise; negative turns counter-clockwise.',
      default: 90,
      min: -360,
      max: 360,
      step: 0.1,
      unit: '°',
    },
    expand: {
      kind: 'boolean',
      label: 'Expand canvas',
      description: 'Grow the canvas so no corner is cut off; otherwise keep the original size.',
      default: true,
    },
    background: {
      kind: 'color',
      label: 'Background',
      description: 'Fills the area the rotated image does not cover.',
      default: '#00000000',
    },
  },
});
