import { defineOp } from '../types';
import { imageInput, stringParam } from '../image';
import { loadKernels, bandRows } from '../../wasm';
import { Passes, copyOut } from '../passes';
import meta from './meta';

const MODES = { both: 0, x: 1, y: 2 } as const;

export default defineOp(meta, async (inputs, params, ctx) => {
  const src = imageInput(inputs, 'image');
  const mode = MODES[stringParam(params, 'direction') as keyof typeof MODES] ?? 0;
  const { width: w, height: h } = src;
  const passes = new Passes(ctx, h);
  const k = await loadKernels();
  const arena = k.arena();
  const p = arena.copyIn(src.data);
  const ring = arena.alloc(3 * (w + 8) * 4);
  k.fn.sobelSetup(w, h, p, p, mode, ring);
  passes.bands(h, bandRows(w), (a, b) => k.fn.sobelRows(a, b));
  return { image: copyOut(arena, p, w, h, ctx.tile) };
});
