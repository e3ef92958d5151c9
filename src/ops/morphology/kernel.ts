import { defineOp } from '../types';
import { imageInput, numberParam, stringParam } from '../image';
import { loadKernels, bandRows, type Arena, type Kernels } from '../../wasm';
import { Passes, copyOut } from '../passes';
import meta from './meta';

type Shape = 'square' | 'disc';

/** Segment half-widths of a disc of radius r + ½ for each row offset 0..r. */
export function discWidths(r: number): Int32Array {
  return Int32Array.from({ length: r + 1 }, (_, dy) => Math.floor(Math.sqrt(r * r + r - dy * dy)));
}

/**
 * Erodes (or dilates) the w×h RGBA image at `from` into `to`, once per entry of `steps`
 * (true = dilate), ping-ponging between the two buffers; returns where the result is.
 */
function morph(k: Kernels, arena: Arena, w: number, h: number, from: number, to: number, r: number, steps: boolean[], shape: Shape, passes: Passes): number {
  if (shape === 'square') {
    const line = Math.max((w + 2 * r) * 4, (h + 2 * r) * 64);
    const scratch = arena.alloc(w * h * 4 + 2 * line + 256);
    for (const dilate of steps) {
      k.fn.morphSetup(w, h, from, to, r, dilate ? 1 : 0, scratch);
      passes.bands(h, bandRows(w), (a, b) => k.fn.morphRows(a, b));
      // columns in stripes of 16 pixels; the column pass is worth as much progress as the row pass
      const stripes = Math.ceil(w / 16);
      passes.bands(stripes, Math.max(1, Math.floor((1 << 19) / (16 * h))), (a, b) => k.fn.morphColumns(a, b), false, h / stripes);
      [from, to] = [to, from];
    }
    return from;
  }
  const levels = Math.floor(Math.log2(2 * r + 1)) + 1;
  const lineBytes = ((w + 4 * r + 12) & ~3) * 4; // discLineBytes in morphology.ts
  const widths = arena.alloc((r + 1) * 4);
  const ring = arena.alloc((2 * r + 1) * levels * lineBytes);
  new Int32Array(k.fn.memory.buffer, widths, r + 1).set(discWidths(r));
  for (const dilate of steps) {
    k.fn.discSetup(w, h, from, to, r, dilate ? 1 : 0, widths, ring);
    // a row costs 2r+1 table reads per pixel: fewer rows per band keep cancellation prompt
    passes.bands(h, bandRows(w, (1 << 21) / (2 * r + 1)), (a, b) => k.fn.discRows(a, b), false, 2);
    [from, to] = [to, from];
  }
  return from;
}

export default defineOp(meta, async (inputs, params, ctx) => {
  const src = imageInput(inputs, 'image');
  const op = stringParam(params, 'operation');
  const r = numberParam(params, 'radius');
  const shape: Shape = stringParam(params, 'shape') === 'disc' ? 'disc' : 'square';
  const { width: w, height: h } = src;
  const steps = op === 'open' ? [false, true] : op === 'close' ? [true, false] : [op === 'dilate'];
  const passes = new Passes(ctx, 2 * h * steps.length);
  const k = await loadKernels();
  const arena = k.arena();
  const a = arena.copyIn(src.data);
  const b = arena.alloc(w * h * 4);
  return { image: copyOut(arena, morph(k, arena, w, h, a, b, r, steps, shape, passes), w, h, ctx.tile) };
});
