import { declareOp } from '../types';
import { numberParam } from '../image';
import { gaussianHalo, gaussianTileTolerance } from '../gaussian-blur/meta';

export default declareOp({
  id: 'unsharp-mask',
  version: 1,
  title: 'Unsharp mask',
  category: 'filter',
  description:
    'Sharpens by adding back the difference between the image and a gaussian blur of it: colour + amount × ' +
    '(colour − blurred), on each colour channel whose difference is at least the threshold (so flat areas and ' +
    'fine noise can be left alone). The blur is the Gaussian blur operation’s; alpha is kept.',
  keywords: ['sharpen', 'usm', 'detail', 'crisp'],
  inputs: [{ name: 'image', type: 'image' }],
  outputs: [{ name: 'image', type: 'image' }],
  // The blur's halo; the combine is pointwise. Where a banded recursive blur (σ ≥ 1.5) is one
  // level off, colour + amount × (colour − blurred) moves by the amount, or by up to amount ×
  // threshold where the difference sits at the threshold (sharpened on one side, not the other).
  tile: {
    halo: (p) => gaussianHalo(numberParam(p, 'radius')),
    tolerance: (p) =>
      gaussianTileTolerance(numberParam(p, 'radius')) === 0
        ? 0
        : Math.ceil((numberParam(p, 'amount') / 100) * Math.max(1, numberParam(p, 'threshold'))),
  },
  params: {
    amount: { kind: 'number', label: 'Amount', default: 100, min: 0, max: 500, step: 1, unit: '%' },
    radius: {
      kind: 'number',
      label: 'Radius (σ)',
      description: 'Standard deviation of the blur, in pixels: the size of the details that are sharpened.',
      default: 2,
      min: 0.1,
      max: 100,
      step: 0.1,
      softMax: 20,
      unit: 'px',
    },
    threshold: {
      kind: 'number',
      label: 'Threshold',
      description: 'Smallest difference from the blurred image, in levels, that is sharpened.',
      default: 0,
      min: 0,
      max: 255,
      step: 1,
      integer: true,
    },
  },
});
