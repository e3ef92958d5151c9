import { defineOp } from '../types';
import { imageInput, numberParam } from '../image';
import { loadKernels, bandRows, Passes, type Arena, type Kernels } from '../../wasm';
import { FIR_LIMIT, firWeights, recursiveCoefficients } from './recursive';

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

/** Progress units gaussianInWasm reports for an image of height h. */
export function gaussianUnits(sigma: number, h: number): number {
  return sigma < FIR_LIMIT ? h : 2 * h;
}

/**
 * Blurs the w×h RGBA image at `src` into `dst` (which may be `src`) inside wasm memory, on
 * premultiplied colour unless the image is opaque. Allocates its scratch from `arena`.
 */
export function gaussianInWasm(k: Kernels, arena: Arena, w: number, h: number, src: number, dst: number, sigma: number, passes: Passes): void {
  const premul = k.fn.isOpaque(src, w * h) ? 0 : 1;
  const rows = bandRows(w);
  if (sigma < FIR_LIMIT) {
    const weights = firWeights(sigma);
    const r = weights.length - 1;
    // ring rows are an even number of pixels and the padded row has one spare pixel: the kernel
    // computes two pixels per step
    const ring = arena.alloc((2 * r + 1) * ((w + 1) & ~1) * 16);
    const pad = arena.alloc((w + 2 * r + 2) * 16);
    const wts = arena.alloc(256);
    k.setF32(wts, weights);
    k.fn.firSetup(w, h, src, dst, r, ring, pad, wts, premul);
    passes.bands(h, rows, (a, b) => k.fn.firRows(a, b));
    return;
  }
  const enc = arena.alloc(w * h * 8);
  const state = arena.alloc(7 * w * 16);
  const coefficients = recursiveCoefficients(sigma);
  const coef = arena.alloc(coefficients.length * 4);
  k.setF32(coef, coefficients);
  k.fn.iirSetup(w, h, src, dst, enc, state, coef, premul);
  passes.bands(h, rows, (a, b) => k.fn.iirPass1(a, b));
  passes.bands(h, rows, (a, b) => k.fn.iirPass2(a, b), true);
}

export default defineOp(
  {
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
  },
  async (inputs, params, ctx) => {
    const src = imageInput(inputs, 'image');
    const sigma = numberParam(params, 'sigma');
    const { width: w, height: h } = src;
    const passes = new Passes(ctx, gaussianUnits(sigma, h));
    const k = await loadKernels();
    const arena = k.arena();
    const p = arena.copyIn(src.data);
    gaussianInWasm(k, arena, w, h, p, p, sigma, passes);
    return { image: arena.copyOut(p, w, h, ctx.tile) };
  },
);
