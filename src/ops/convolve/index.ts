import { defineOp, type KernelContext } from '../types';
import { imageInput, numberParam } from '../image';
import type { Image } from '../types';
import { loadKernels, bandRows, Passes } from '../../wasm';

/**
 * Correlates the colour channels with a size×size kernel (already divided), adds `bias`, rounds
 * and clamps; alpha is kept; edges extend. Shared with emboss.
 */
export async function convolveImage(src: Image, size: number, weights: ArrayLike<number>, bias: number, ctx: KernelContext): Promise<Image> {
  const { width: w, height: h } = src;
  const passes = new Passes(ctx, h);
  const k = await loadKernels();
  const arena = k.arena();
  const p = arena.copyIn(src.data);
  const wts = arena.alloc(size * size * 4 + size * 4);
  k.setF32(wts, weights);
  const ring = arena.alloc(size * (w + size + 3) * 16);
  k.fn.convolveSetup(w, h, p, p, size, wts, bias, ring);
  passes.bands(h, bandRows(w, size > 3 ? 1 << 18 : 1 << 19), (a, b) => k.fn.convolveRows(a, b));
  return arena.copyOut(p, w, h);
}

export default defineOp(
  {
    id: 'convolve',
    version: 1,
    title: 'Custom convolution',
    category: 'filter',
    description:
      'Applies your own 3×3, 5×5 or 7×7 kernel to the colour channels: each output is the sum of the neighbours ' +
      'times the matching matrix entries (the top-left entry weighs the top-left neighbour), divided by the ' +
      'divisor, plus the bias. Alpha is kept; edges extend.',
    keywords: ['kernel', 'matrix', 'custom', 'filter', 'sharpen', 'convolution'],
    inputs: [{ name: 'image', type: 'image' }],
    outputs: [{ name: 'image', type: 'image' }],
    params: {
      matrix: {
        kind: 'matrix',
        label: 'Kernel',
        default: [0, -1, 0, -1, 5, -1, 0, -1, 0],
        sizes: [3, 5, 7],
        min: -1000,
        max: 1000,
      },
      divisor: {
        kind: 'number',
        label: 'Divisor',
        description: '0 divides by the sum of the entries (or by 1 when they sum to 0).',
        default: 0,
        min: -10000,
        max: 10000,
        softMin: 0,
        softMax: 100,
      },
      bias: { kind: 'number', label: 'Bias', default: 0, min: -255, max: 255, step: 1 },
    },
  },
  async (inputs, params, ctx) => {
    const src = imageInput(inputs, 'image');
    const matrix = params['matrix'];
    if (!Array.isArray(matrix)) throw new TypeError('Parameter "matrix" must be a list of numbers');
    const size = Math.round(Math.sqrt(matrix.length));
    if (size * size !== matrix.length || size % 2 === 0) throw new RangeError('The kernel must be a square of odd size');
    const sum = matrix.reduce((a: number, b: number) => a + b, 0);
    const divisor = numberParam(params, 'divisor') || sum || 1;
    const weights = matrix.map((v: number) => v / divisor);
    return { image: await convolveImage(src, size, weights, numberParam(params, 'bias'), ctx) };
  },
);
