import { defineOp } from '../types';
import { imageInput, numberParam } from '../image';
import { loadKernels, bandRows } from '../../wasm';
import { Passes, copyOut } from '../passes';
import { gaussianInWasm, gaussianUnits } from '../gaussian-blur/kernel';
import meta from './meta';

export default defineOp(meta, async (inputs, params, ctx) => {
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
  return { image: copyOut(arena, blurred, w, h, ctx.tile) };
});
