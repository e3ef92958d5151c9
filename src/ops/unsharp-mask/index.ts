import { defineOp } from '../types';
import { imageInput, numberParam } from '../image';
import { loadKernels, bandRows, Passes } from '../../wasm';
import { gaussianHalo, gaussianInWasm, gaussianTileTolerance, gaussianUnits } from '../gaussian-blur';

export default defineOp(
  {
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
  },
  async (inputs, params, ctx) => {
    const src = imageInput(inputs, 'image');
    const amount = numberParam(params, 'amount') / 100;
    const sigma = numberParam(params, 'radius');
    const threshold = numberParam(params, 'threshold');
    const { width: w, height: h } = src;
    const passes = new Passes(ctx, gaussianUnits(sigma, h) + h);
    const k = await loadKernels();
    const arena = k.arena();
    const p = arena.copyIn(src.data);
    const blurred = arena.alloc(w * h * 4);
    gaussianInWasm(k, arena, w, h, p, blurred, sigma, passes);
    passes.bands(h, bandRows(w), (a, b) => {
      const o = a * w * 4;
      k.fn.unsharpCombine(p + o, blurred + o, blurred + o, (b - a) * w, amount, threshold);
    });
    return { image: arena.copyOut(blurred, w, h, ctx.tile) };
  },
);
