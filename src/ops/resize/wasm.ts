// The resize op's WebAssembly path (src/wasm/assembly/resize.ts): the weights come from
// axisWeights (resample.ts, shared with the JS path that blend and apply-mask use), laid out with
// the same number of taps for every output pixel so the kernel's inner loops have a fixed count.

import type { Image, KernelContext } from '../types';
import { createImage } from '../image';
import { loadKernels } from '../../wasm';
import { Passes } from '../passes';
import { axisWeights, type AxisWeights, type Filter } from './resample';

/** Above this the ring of horizontally resampled rows is too large (extreme vertical-only shrink): use the JS path. */
const RING_LIMIT = 256 * 2 ** 20;

interface FixedTaps {
  readonly start: Int32Array;
  readonly weights: Float32Array;
  readonly taps: number;
}

/**
 * The same weights with exactly `taps` (the most any output pixel has) per output pixel: a
 * window cut by the image edge is moved inside it and padded with zero weights, which add exactly
 * nothing.
 */
export function fixedTaps(a: AxisWeights, inSize: number): FixedTaps {
  const n = a.start.length;
  let taps = 1;
  for (let i = 0; i < n; i++) taps = Math.max(taps, a.count[i]!);
  const start = new Int32Array(n);
  const weights = new Float32Array(n * taps);
  for (let i = 0; i < n; i++) {
    const s = Math.min(a.start[i]!, inSize - taps);
    const off = a.start[i]! - s;
    start[i] = s;
    const c = a.count[i]!;
    for (let t = 0; t < c; t++) weights[i * taps + off + t] = a.weights[i * a.taps + t]!;
  }
  return { start, weights, taps };
}

/**
 * Resizes `src` with premultiplied alpha in WebAssembly, or returns undefined when the ring of
 * rows would be unreasonably large (the caller then uses the JS path). Not for nearest or same size.
 */
export async function resizeInWasm(src: Image, outW: number, outH: number, filter: Exclude<Filter, 'nearest'>, ctx: KernelContext): Promise<Image | undefined> {
  const { width: inW, height: inH } = src;
  const wx = fixedTaps(axisWeights(inW, outW, filter), inW);
  const wy = fixedTaps(axisWeights(inH, outH, filter), inH);
  const stride = ((outW + 3) & ~3) * 16;
  if (wy.taps * stride > RING_LIMIT) return undefined;
  // progress units are output rows; a band is about half a megapixel of work, counting the input
  // rows resampled horizontally for it
  const work = outW * wy.taps + (Math.max(inW, outW) * Math.min(inH, outH * wy.taps)) / outH;
  const rows = Math.max(1, Math.floor((1 << 20) / work));
  const passes = new Passes(ctx, outH);
  const k = await loadKernels();
  const arena = k.arena();
  const p = arena.copyIn(src.data);
  const premul = k.fn.isOpaque(p, inW * inH) ? 0 : 1;
  const xs = arena.alloc(outW * 4);
  const xw = arena.alloc(wx.weights.length * 4);
  const ys = arena.alloc(outH * 4);
  const yw = arena.alloc(wy.weights.length * 4);
  const ring = arena.alloc(wy.taps * stride);
  const conv = arena.alloc(inW * 16);
  const ptrs = arena.alloc(wy.taps * 4);
  const band = Math.min(rows, outH);
  const dst = arena.alloc(band * outW * 4);
  k.i32(xs, outW).set(wx.start);
  k.setF32(xw, wx.weights);
  k.i32(ys, outH).set(wy.start);
  k.setF32(yw, wy.weights);
  k.fn.resizeSetup(inW, inH, outW, p, dst, xs, xw, wx.taps, ys, yw, wy.taps, ring, conv, ptrs, premul);
  const out = createImage(outW, outH);
  passes.bands(outH, band, (a, b) => {
    k.fn.resizeRows(a, b);
    out.data.set(k.bytes(dst, (b - a) * outW * 4), a * outW * 4);
  });
  return out;
}
