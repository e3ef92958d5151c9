import { declareOp } from '../types';
import { numberParam } from '../image';
import { FIR_LIMIT } from './recursive';

/**
 * Rows of context a band needs (see TileDecl in engine/op.ts). Below σ 1.5 the FIR's radius,
 * ceil(4σ), and bands are exact. The recursive filter's response never ends: it decays like its
 * slowest pole, about e^(−1.05 d/σ), far slower than the gaussian it stands for (at 4σ a step just
 * outside the halo still moves the result by 0.05 level). At 8σ what is cut off weighs at most
 * 0.005 level for any edge (measured for σ 1.5–100), below the 1/128 level step of the filter's
 * own u16 intermediate; tiled results are then within 1 level of untiled ones (that intermediate
 * rounds differently where a band restarts the filter). 4σ would also stay within 1 level, with
 * more values off by one near band edges.
 */
export function gaussianHalo(sigma: number): number {
  return Math.ceil((sigma < FIR_LIMIT ? 4 : 8) * sigma);
}

/** Largest difference, in levels, between a banded and a whole-image blur: 0 for the FIR, 1 for the recursive filter. */
export function gaussianTileTolerance(sigma: number): number {
  return sigma < FIR_LIMIT ? 0 : 1;
}

export default declareOp({
  id: 'gaussian-blur',
  version: 1,
  title: 'Gaussian blur',
  category: 'filter',
  description:
    'Smooths the image with a gaussian of the given standard deviation; edges extend. Below σ 1.5 it is an exact ' +
    'convolution with the sampled kernel; from σ 1.5 it is a 5-pole recursive filter (Vliet–Young–Verbeek) whose ' +
    'cost does not grow with σ and which stays within 1 level of the exact convolution. Colour is blurred ' +
    'premultiplied by alpha, so transparent pixels do not bleed their hidden colour.',
  keywords: ['blur', 'smooth', 'soften', 'gauss'],
  inputs: [{ name: 'image', type: 'image' }],
  outputs: [{ name: 'image', type: 'image' }],
  tile: {
    halo: (p) => gaussianHalo(numberParam(p, 'sigma')),
    tolerance: (p) => gaussianTileTolerance(numberParam(p, 'sigma')),
  },
  params: {
    sigma: {
      kind: 'number',
      label: 'Radius (σ)',
      description: 'Standard deviation of the gaussian, in pixels.',
      default: 2,
      min: 0.1,
      max: 100,
      step: 0.1,
      softMax: 30,
      unit: 'px',
    },
  },
});
