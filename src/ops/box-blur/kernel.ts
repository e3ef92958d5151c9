import { defineOp } from '../types';
import { imageInput, numberParam } from '../image';
import { loadKernels, bandRows } from '../../wasm';
import { Passes, copyOut } from '../passes';
import meta from './meta';

export default defineOp(meta, async (inputs, params, ctx) => {
  const src = imageInput(inputs, 'image');
  const r = numberParam(params, 'radius');
  const { width: w, height: h } = src;
  const passes = new Passes(ctx, 2 * h);
  const k = await loadKernels();
  const arena = k.arena();
  const p = arena.copyIn(src.data);
  const premul = k.fn.isOpaque(p, w * h) ? 0 : 1;
  const enc = arena.alloc(w * h * 8);
  const pad = arena.alloc((w + 2 * r + 1) * 16);
  const sums = arena.alloc(w * 16);
  k.fn.boxSetup(w, h, p, p, enc, r, pad, sums, premul);
  const rows = bandRows(w);
  passes.bands(h, rows, (a, b) => k.fn.boxPass1(a, b));
  passes.bands(h, rows, (a, b) => k.fn.boxPass2(a, b));
  return { image: copyOut(arena, p, w, h, ctx.tile) };
});
