import { declareOp } from '../types';
import { numberParam } from '../image';

const offset = (label: string, description: string) =>
  ({ kind: 'number', label, description, default: 0, min: -65536, max: 65536, softMin: -2048, softMax: 2048, integer: true, unit: 'px' }) as const;

export default declareOp({
  id: 'blend',
  version: 1,
  title: 'Blend',
  category: 'composite',
  description:
    'Lays the top image over the base like a Photoshop layer. The result has the base’s size; a top of another size sits at the top-left corner plus the offset, or is stretched to fit.',
  keywords: ['layer', 'composite', 'mix', 'multiply', 'screen', 'overlay', 'difference', 'add', 'lighten', 'darken', 'opacity'],
  inputs: [
    { name: 'base', type: 'image', label: 'Base' },
    { name: 'top', type: 'image', label: 'Top', optional: true },
  ],
  outputs: [{ name: 'image', type: 'image' }],
  // With a top of the base's size, output row y reads base row y and top row y − offset Y (the
  // offset is ignored when stretching), so a halo of |offset Y| rows covers it.
  tile: { halo: (p) => (p['stretch'] === true ? 0 : Math.abs(numberParam(p, 'y'))) },
  params: {
    mode: {
      kind: 'select',
      label: 'Mode',
      default: 'normal',
      options: [
        { value: 'normal', label: 'Normal' },
        { value: 'multiply', label: 'Multiply' },
        { value: 'screen', label: 'Screen' },
        { value: 'overlay', label: 'Overlay' },
        { value: 'difference', label: 'Difference' },
        { value: 'add', label: 'Add (linear dodge)' },
        { value: 'lighten', label: 'Lighten' },
        { value: 'darken', label: 'Darken' },
      ],
    },
    opacity: { kind: 'number', label: 'Opacity', default: 100, min: 0, max: 100, step: 1, unit: '%' },
    x: offset('Offset X', 'Moves the top image right (negative: left).'),
    y: offset('Offset Y', 'Moves the top image down (negative: up).'),
    stretch: {
      kind: 'boolean',
      label: 'Stretch top to base size',
      description: 'Resize the top image to exactly cover the base; the offset is then ignored.',
      default: false,
    },
  },
});
