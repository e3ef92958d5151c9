import { defineOp, type KernelContext } from '../types';
import { createImage, fitsTile, imageInput, numberParam } from '../image';
import type { Image } from '../types';
import { loadKernels, bandRows, type Kernels } from '../../wasm';
import { Passes, copyOut } from '../passes';
import meta from './meta';

/**
 * Correlates the colour channels with a size×size kernel (already divided), adds `bias`, rounds
 * and clamps; alpha is kept; edges extend. Shared with emboss.
 */
export async function convolveImage(src: Image, size: number, weights: ArrayLike<number>, bias: number, ctx: KernelContext): Promise<Image> {
  const { width: w, height: h } = src;
  if (size === 3 && smallIntegers(weights, bias)) return convolve3(src, weights, bias, ctx, await loadKernels());
  const passes = new Passes(ctx, h);
  const k = await loadKernels();
  const arena = k.arena();
  const p = arena.copyIn(src.data);
  const wts = arena.alloc(size * size * 4 + size * 4);
  k.setF32(wts, weights);
  const ring = arena.alloc(size * (w + size + 3) * 16);
  k.fn.convolveSetup(w, h, p, p, size, wts, bias, ring);
  passes.bands(h, bandRows(w, size > 3 ? 1 << 18 : 1 << 19), (a, b) => k.fn.convolveRows(a, b));
  return copyOut(arena, p, w, h, ctx.tile);
}

/**
 * The 3×3 kernel with whole weights: the same bytes as the f32 path, which only ever adds exact
 * integers for them. Rows go straight from the source into a ring in WebAssembly memory and bands of
 * output rows straight into the result, so the image is never copied whole into linear memory. In a
 * band of a tiled step only the band's own rows are computed, into the step's output.
 */
function convolve3(src: Image, weights: ArrayLike<number>, bias: number, ctx: KernelContext, k: Kernels): Image {
  const { width: w, height: h } = src;
  const tile = fitsTile(ctx.tile, w, h) ? ctx.tile : undefined;
  const from = tile ? tile.from : 0;
  const to = tile ? tile.to : h;
  const out = tile ? tile.into : createImage(w, h);
  const passes = new Passes(ctx, to - from);
  const row = w * 4;
  // 64 K pixels per band: the ring and the band's output (256 KB each) stay in cache
  const band = Math.max(1, Math.min(to - from, Math.floor((1 << 16) / w)));
  const arena = k.arena();
  const wts = arena.alloc(9 * 4);
  const ringBytes = (band + 2) * k.fn.conv3Stride(w);
  const ring = arena.alloc(ringBytes);
  const buf = arena.alloc(band * row);
  k.i32(wts, 9).set(Array.from(weights, Math.fround));
  let next = Math.max(0, from - 1);
  k.fn.conv3Setup(w, h, wts, Math.fround(bias), ring, band + 2, next);
  const rows = k.bytes(ring, ringBytes);
  const done = k.bytes(buf, band * row);
  passes.bands(to - from, band, (a, b) => {
    const y0 = from + a;
    const y1 = from + b;
    for (const last = Math.min(h - 1, y1); next <= last; next++) {
      rows.set(src.data.subarray(next * row, next * row + row), k.fn.conv3Row(next) - ring);
    }
    k.fn.conv3Rows(y0, y1, buf);
    out.data.set(b - a === band ? done : done.subarray(0, (b - a) * row), a * row);
  });
  return out;
}

/**
 * Whether the 16-bit integer 3×3 kernel gives the f32 kernel's bytes: every weight and the bias are
 * whole numbers as f32 (the kernel reads them as f32), and no partial sum can leave ±32767.
 */
function smallIntegers(weights: ArrayLike<number>, bias: number): boolean {
  const b = Math.fround(bias);
  if (!Number.isInteger(b)) return false;
  let reach = Math.abs(b);
  for (let i = 0; i < weights.length; i++) {
    const v = Math.fround(weights[i]!);
    if (!Number.isInteger(v)) return false;
    reach += 255 * Math.abs(v);
  }
  return reach <= 32767;
}

export default defineOp(meta, async (inputs, params, ctx) => {
  const src = imageInput(inputs, 'image');
  const matrix = params['matrix'];
  if (!Array.isArray(matrix)) throw new TypeError('Parameter "matrix" must be a list of numbers');
  const size = Math.round(Math.sqrt(matrix.length));
  if (size * size !== matrix.length || size % 2 === 0) throw new RangeError('The kernel must be a square of odd size');
  const sum = matrix.reduce((a: number, b: number) => a + b, 0);
  const divisor = numberParam(params, 'divisor') || sum || 1;
  const weights = matrix.map((v: number) => v / divisor);
  return { image: await convolveImage(src, size, weights, numberParam(params, 'bias'), ctx) };
});
