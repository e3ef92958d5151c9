import { defineOp } from '../types';
import { imageInput, numberParam } from '../image';
import { loadKernels, bandRows, type Arena, type Kernels } from '../../wasm';
import { Passes, copyOut } from '../passes';
import { FIR_LIMIT, firWeights, recursiveCoefficients } from './recursive';
import meta from './meta';

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

export default defineOp(meta, async (inputs, params, ctx) => {
  const src = imageInput(inputs, 'image');
  const sigma = numberParam(params, 'sigma');
  const { width: w, height: h } = src;
  const passes = new Passes(ctx, gaussianUnits(sigma, h));
  const k = await loadKernels();
  const arena = k.arena();
  const p = arena.copyIn(src.data);
  gaussianInWasm(k, arena, w, h, p, p, sigma, passes);
  return { image: copyOut(arena, p, w, h, ctx.tile) };
});
