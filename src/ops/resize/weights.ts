// The resize op's geometry, kept free of pixels and WebAssembly so the op's declaration (meta.ts,
// on the main thread) can use it: the output size, the filters' per-axis weights, and which input
// rows a band of output rows reads (the op's tile declaration, see TileDecl.resample).

import type { Params, ResampledRows } from '../../engine/op';
import { boolParam, numberParam, stringParam } from '../image';

export type Filter = 'nearest' | 'bilinear' | 'bicubic' | 'lanczos3';

/** Per-output-pixel taps along one axis: `count[i]` weights from `weights[i * taps]`, reading input from `start[i]`. */
export interface AxisWeights {
  readonly start: Int32Array;
  readonly count: Int32Array;
  readonly weights: Float32Array;
  /** Stride of `weights`: the most taps any output pixel has. */
  readonly taps: number;
  /** Output equals input along this axis (one tap of weight 1 at the same index). */
  readonly identity: boolean;
}

function triangle(x: number): number {
  x = Math.abs(x);
  return x < 1 ? 1 - x : 0;
}

/** Keys cubic with a = −0.5 (Catmull-Rom): interpolating, sharp, mild ringing; Pillow's BICUBIC. */
function catmullRom(x: number): number {
  const a = -0.5;
  x = Math.abs(x);
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
  return 0;
}

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = Math.PI * x;
  return Math.sin(px) / px;
}

function lanczos3(x: number): number {
  return x > -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0;
}

const KERNELS: Record<Exclude<Filter, 'nearest'>, { fn: (x: number) => number; support: number }> = {
  bilinear: { fn: triangle, support: 1 },
  bicubic: { fn: catmullRom, support: 2 },
  lanczos3: { fn: lanczos3, support: 3 },
};

/** Input index sampled by nearest neighbour for output index i (same centre convention as the filters). */
export function nearestIndex(i: number, inSize: number, outSize: number): number {
  return Math.min(inSize - 1, Math.floor(((i + 0.5) * inSize) / outSize));
}

export function axisWeights(inSize: number, outSize: number, filter: Filter): AxisWeights {
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  if (inSize === outSize || filter === 'nearest') {
    const weights = new Float32Array(outSize).fill(1);
    for (let i = 0; i < outSize; i++) {
      start[i] = inSize === outSize ? i : nearestIndex(i, inSize, outSize);
      count[i] = 1;
    }
    return { start, count, weights, taps: 1, identity: inSize === outSize };
  }
  const { fn, support: base } = KERNELS[filter];
  const scale = inSize / outSize;
  const filterScale = Math.max(1, scale);
  const support = base * filterScale;
  const inv = 1 / filterScale;
  const taps = Math.min(inSize, Math.ceil(support) * 2 + 1);
  const weights = new Float32Array(outSize * taps);
  for (let i = 0; i < outSize; i++) {
    const center = (i + 0.5) * scale;
    const lo = Math.max(0, Math.floor(center - support + 0.5));
    const hi = Math.min(inSize, Math.floor(center + support + 0.5));
    const n = Math.min(taps, hi - lo);
    const k = i * taps;
    let sum = 0;
    for (let t = 0; t < n; t++) {
      const w = fn((lo + t - center + 0.5) * inv);
      weights[k + t] = w;
      sum += w;
    }
    if (sum !== 0) {
      for (let t = 0; t < n; t++) weights[k + t] = weights[k + t]! / sum;
      start[i] = lo;
      count[i] = n;
    } else {
      // Cannot happen for these filters (the centre tap is always positive); kept so a degenerate
      // window falls back to the nearest pixel rather than producing black.
      weights[k] = 1;
      start[i] = nearestIndex(i, inSize, outSize);
      count[i] = 1;
    }
  }
  return { start, count, weights, taps, identity: false };
}

export interface FixedTaps {
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

/** Above this the ring of horizontally resampled rows is too large (extreme vertical-only shrink): the JS path runs instead. */
const RING_LIMIT = 256 * 2 ** 20;

/** Whether the WebAssembly path's ring of `taps` horizontally resampled rows of `outW` pixels fits. */
export function ringFits(taps: number, outW: number): boolean {
  return taps * ((outW + 3) & ~3) * 16 <= RING_LIMIT;
}

/** The output size for an input of `width`×`height` (resolved parameters). */
export function targetSize(width: number, height: number, params: Params): [number, number] {
  const fit = (v: number) => Math.max(1, Math.round(v));
  if (stringParam(params, 'mode') === 'scale') {
    const s = numberParam(params, 'scale') / 100;
    return [fit(width * s), fit(height * s)];
  }
  const w = numberParam(params, 'width');
  const h = numberParam(params, 'height');
  if (!boolParam(params, 'keepAspect')) return [w, h];
  // Fit inside the box, like ImageMagick's `-resize WxH`: the tighter side decides.
  const s = Math.min(w / width, h / height);
  return [fit(width * s), fit(height * s)];
}

/**
 * The resize op's bands (TileDecl.resample): output rows [y0, y1) read the input rows of their
 * vertical windows. Only where the WebAssembly path runs (a filter other than nearest, a size
 * change, a ring that fits); elsewhere the step runs whole.
 */
export function resizeBands(params: Params, width: number, height: number): ResampledRows | undefined {
  const [w, h] = targetSize(width, height, params);
  const filter = stringParam(params, 'filter') as Filter;
  if (filter === 'nearest' || (w === width && h === height)) return undefined;
  const wy = fixedTaps(axisWeights(height, h, filter), height);
  if (!ringFits(wy.taps, w)) return undefined;
  return {
    width: w,
    height: h,
    rows(y0, y1) {
      let in0 = height;
      let in1 = 0;
      for (let y = y0; y < y1; y++) {
        in0 = Math.min(in0, wy.start[y]!);
        in1 = Math.max(in1, wy.start[y]! + wy.taps);
      }
      return [in0, in1];
    },
  };
}

/**
 * The integer path's weights (src/wasm/assembly/resize.ts, resize16Setup) from the float path's: per output pixel, its
 * taps in pairs as i32 words (w_t | w_t+1 << 16, Q14, each pixel's sum exactly 16 384 so a flat
 * image stays flat), an odd count padded with a zero weight; `inside`: the window placed so that
 * every pair reads inside the input (the horizontal pass reads pixels; the vertical one points its
 * padding at a row it has); `count` entries padded to `length` (zero weights, start 0). Undefined
 * when the padded window is wider than the input.
 */
export function pairTaps(f: FixedTaps, inSize: number, inside: boolean, length = f.start.length): { start: Int32Array; pairs: Int32Array; count: number; taps: number } | undefined {
  const taps = f.taps + (f.taps & 1);
  if (inside && taps > inSize) return undefined;
  const count = taps >> 1;
  const n = f.start.length;
  const start = new Int32Array(length);
  const pairs = new Int32Array(length * count);
  const q = new Int32Array(taps);
  for (let i = 0; i < n; i++) {
    const s = inside ? Math.min(f.start[i]!, inSize - taps) : f.start[i]!;
    const off = f.start[i]! - s;
    start[i] = s;
    q.fill(0);
    // the rounding's remainder goes to the largest weight (the first of equals)
    let sum = 0;
    let big = off;
    let bigW = 0;
    for (let t = 0; t < f.taps; t++) {
      const w = f.weights[i * f.taps + t]!;
      q[off + t] = Math.round(w * 16384);
      sum += q[off + t]!;
      if (Math.abs(w) > bigW) {
        big = off + t;
        bigW = Math.abs(w);
      }
    }
    q[big] = q[big]! + 16384 - sum;
    for (let t = 0; t < count; t++) pairs[i * count + t] = (q[2 * t]! & 0xffff) | (q[2 * t + 1]! << 16);
  }
  return { start, pairs, count, taps };
}
