// The resize op's WebAssembly path (src/wasm/assembly/resize.ts): the weights come from
// axisWeights (weights.ts, shared with the JS path that blend and apply-mask use), laid out with
// the same number of taps for every output pixel so the kernel's inner loops have a fixed count.

import type { Image, KernelContext } from '../types';
import { createImage } from '../image';
import { loadKernels, type Kernels } from '../../wasm';
import { Passes } from '../passes';
import { axisWeights, fixedTaps, pairTaps, ringFits, type Filter } from './weights';

/**
 * Resizes `src` with premultiplied alpha in WebAssembly, or returns undefined when the ring of
 * rows would be unreasonably large (the caller then uses the JS path). Not for nearest or same size.
 * In a band of a tiled step (`ctx.tile.rows`, see resizeBands) `src` holds the input rows from
 * `in0` on, of an input `inHeight` rows tall: it makes output rows [y0, y1) into the band's target.
 */
export async function resizeInWasm(src: Image, outW: number, outH: number, filter: Exclude<Filter, 'nearest'>, ctx: KernelContext): Promise<Image | undefined> {
  const band = ctx.tile?.rows;
  const { width: inW } = src;
  const inH = band ? band.inHeight : src.height;
  const [y0, y1] = band ? [band.y0, band.y1] : [0, outH];
  const wx = fixedTaps(axisWeights(inW, outW, filter), inW);
  const wy = fixedTaps(axisWeights(inH, outH, filter), inH);
  if (!ringFits(wy.taps, outW)) return undefined;
  // the window starts relative to the rows in WebAssembly memory (a band's input starts at in0)
  if (band) for (let y = y0; y < y1; y++) wy.start[y] = wy.start[y]! - band.in0;
  const stride = ((outW + 3) & ~3) * 16;
  // progress units are output rows; a band is about half a megapixel of work, counting the input
  // rows resampled horizontally for it
  const work = outW * wy.taps + (Math.max(inW, outW) * Math.min(inH, outH * wy.taps)) / outH;
  const rows = Math.max(1, Math.floor((1 << 20) / work));
  const passes = new Passes(ctx, y1 - y0);
  const k = await loadKernels();
  const arena = k.arena();
  const p = arena.copyIn(src.data);
  const premul = k.fn.isOpaque(p, inW * src.height) ? 0 : 1;
  const chunk = Math.min(rows, y1 - y0);
  // an opaque image takes the integer path where its taps fit in pairs
  const hx = premul ? undefined : pairTaps(wx, inW, true, outW + (outW & 1));
  const hy = hx && pairTaps(wy, inH, false);
  if (hx && hy) {
    const xs = arena.alloc(hx.start.length * 4);
    const xw = arena.alloc(hx.pairs.length * 4);
    const ys = arena.alloc(outH * 4);
    const yw = arena.alloc(hy.pairs.length * 4);
    const ring = arena.alloc(wy.taps * (stride >> 1));
    const ptrs = arena.alloc(hy.taps * 4);
    const dst = arena.alloc(chunk * outW * 4);
    k.i32(xs, hx.start.length).set(hx.start);
    k.i32(xw, hx.pairs.length).set(hx.pairs);
    k.i32(ys, outH).set(wy.start);
    k.i32(yw, hy.pairs.length).set(hy.pairs);
    k.fn.resize16Setup(inW, src.height, outW, p, dst, xs, xw, hx.count, ys, yw, wy.taps, hy.count, ring, ptrs);
    return runRows(k, dst, outW, outH, y0, y1, chunk, passes, band ? ctx.tile!.into : undefined);
  }
  const xs = arena.alloc(outW * 4);
  const xw = arena.alloc(wx.weights.length * 4);
  const ys = arena.alloc(outH * 4);
  const yw = arena.alloc(wy.weights.length * 4);
  const ring = arena.alloc(wy.taps * stride);
  const conv = arena.alloc(inW * 16);
  const ptrs = arena.alloc(wy.taps * 4);
  const dst = arena.alloc(chunk * outW * 4);
  k.i32(xs, outW).set(wx.start);
  k.setF32(xw, wx.weights);
  k.i32(ys, outH).set(wy.start);
  k.setF32(yw, wy.weights);
  k.fn.resizeSetup(inW, src.height, outW, p, dst, xs, xw, wx.taps, ys, yw, wy.taps, ring, conv, ptrs, premul);
  return runRows(k, dst, outW, outH, y0, y1, chunk, passes, band ? ctx.tile!.into : undefined);
}

/** Output rows [y0, y1) in chunks through `dst` in WebAssembly memory, into `into` (a band's target) or a new image. */
function runRows(k: Kernels, dst: number, outW: number, outH: number, y0: number, y1: number, chunk: number, passes: Passes, into?: Image): Image {
  const out = into ?? createImage(outW, outH);
  passes.bands(y1 - y0, chunk, (a, b) => {
    k.fn.resizeRows(y0 + a, y0 + b);
    out.data.set(k.bytes(dst, (b - a) * outW * 4), a * outW * 4);
  });
  return out;
}
