// Separable resampling shared by resize, blend (stretch) and apply-mask (mask scaling).
//
// Weights follow Pillow's ImagingResample / libvips reduce: output pixel i is centred at
// (i + 0.5) · in/out in input coordinates, and when shrinking the filter is widened by the scale
// factor so every input pixel contributes (area averaging instead of aliasing). Weights are computed
// once per output column and once per output row, then applied in two passes: horizontal on each
// input row, vertical across the horizontally resampled rows.
//
// Rows stream through a small buffer instead of a full intermediate image, so memory stays a few
// rows wide however large the image is:
//  - enlarging vertically ("pull"): each output row reads its window of horizontally resampled rows
//    from a ring that holds just one window;
//  - shrinking vertically ("push"): each input row is resampled once and added into the few output
//    rows whose windows contain it. (A ring of input rows would need ~6 × scale rows here.)

import type { Image, KernelContext } from '../types';
import { checkAbort, createImage } from '../image';
import { forEachBand } from '../pixels';

export { axisWeights, nearestIndex, type AxisWeights, type Filter } from './weights';
import { axisWeights, nearestIndex, type AxisWeights, type Filter } from './weights';

/** How a plane of `channels` interleaved floats per pixel gets in and out of the resampler. */
export interface PlaneIO {
  readonly channels: 1 | 4;
  /** Fill `dst` (input width × channels) with input row y. */
  readRow(y: number, dst: Float32Array): void;
  /** Consume output row y from `src` (output width × channels). */
  writeRow(y: number, src: Float64Array): void;
}

function horizontal(src: Float32Array, dst: Float32Array, wx: AxisWeights, c: 1 | 4): void {
  const { start, count, weights, taps } = wx;
  const outW = start.length;
  if (c === 4) {
    for (let x = 0, o = 0; x < outW; x++, o += 4) {
      let r = 0, g = 0, b = 0, a = 0;
      let s = start[x]! * 4;
      const k = x * taps;
      const n = count[x]!;
      for (let t = 0; t < n; t++, s += 4) {
        const w = weights[k + t]!;
        r += w * src[s]!;
        g += w * src[s + 1]!;
        b += w * src[s + 2]!;
        a += w * src[s + 3]!;
      }
      dst[o] = r;
      dst[o + 1] = g;
      dst[o + 2] = b;
      dst[o + 3] = a;
    }
  } else {
    for (let x = 0; x < outW; x++) {
      let v = 0;
      const s = start[x]!;
      const k = x * taps;
      const n = count[x]!;
      for (let t = 0; t < n; t++) v += weights[k + t]! * src[s + t]!;
      dst[x] = v;
    }
  }
}

function addScaled(acc: Float64Array, row: Float32Array, w: number): void {
  for (let i = 0; i < acc.length; i++) acc[i]! += w * row[i]!;
}

/** acc = Σ weights[k + t] · rows[(s + t) % ring], four rows per sweep to cut accumulator traffic. */
function weightedSum(acc: Float64Array, rows: readonly Float32Array[], s: number, n: number, weights: Float32Array, k: number): void {
  const ring = rows.length;
  acc.fill(0);
  let t = 0;
  for (; t + 4 <= n; t += 4) {
    const r0 = rows[(s + t) % ring]!, r1 = rows[(s + t + 1) % ring]!, r2 = rows[(s + t + 2) % ring]!, r3 = rows[(s + t + 3) % ring]!;
    const w0 = weights[k + t]!, w1 = weights[k + t + 1]!, w2 = weights[k + t + 2]!, w3 = weights[k + t + 3]!;
    for (let i = 0; i < acc.length; i++) acc[i]! += w0 * r0[i]! + w1 * r1[i]! + w2 * r2[i]! + w3 * r3[i]!;
  }
  for (; t < n; t++) addScaled(acc, rows[(s + t) % ring]!, weights[k + t]!);
}

/**
 * Resample an inW × inH plane to outW × outH. Checks `ctx.signal` and reports progress (mapped into
 * [from, to]) about every million pixels.
 */
export function resample(
  inW: number,
  inH: number,
  outW: number,
  outH: number,
  filter: Filter,
  io: PlaneIO,
  ctx: KernelContext,
  from = 0,
  to = 1,
): void {
  const c = io.channels;
  const wx = axisWeights(inW, outW, filter);
  const wy = axisWeights(inH, outH, filter);
  const inRow = new Float32Array(inW * c);
  const outRowLen = outW * c;
  // Work units: input rows through the horizontal pass plus output rows through the vertical one.
  const total = inH * Math.max(inW, outW) + outH * outW;
  let done = 0;
  let sinceCheck = 0;
  const tick = (pixels: number): void => {
    done += pixels;
    sinceCheck += pixels;
    if (sinceCheck >= 1 << 20) {
      sinceCheck = 0;
      checkAbort(ctx.signal);
      ctx.progress(from + ((to - from) * Math.min(done, total)) / total);
    }
  };
  const hrowInto = (y: number, dst: Float32Array): void => {
    if (wx.identity) {
      io.readRow(y, dst);
    } else {
      io.readRow(y, inRow);
      horizontal(inRow, dst, wx, c);
    }
    tick(Math.max(inW, outW));
  };

  checkAbort(ctx.signal);
  if (outH >= inH) {
    // Pull: a ring holding one vertical window of horizontally resampled rows.
    let ringRows = 1;
    for (let y = 0; y < outH; y++) ringRows = Math.max(ringRows, wy.count[y]!);
    const ring = new Float32Array(ringRows * outRowLen);
    const slots = Array.from({ length: ringRows }, (_, i) => ring.subarray(i * outRowLen, (i + 1) * outRowLen));
    const acc = new Float64Array(outRowLen);
    let next = 0; // first input row not yet in the ring
    for (let y = 0; y < outH; y++) {
      const s = wy.start[y]!;
      const n = wy.count[y]!;
      for (; next < s + n; next++) if (next >= s) hrowInto(next, slots[next % ringRows]!);
      weightedSum(acc, slots, s, n, wy.weights, y * wy.taps);
      io.writeRow(y, acc);
      tick(outW);
    }
  } else {
    // Push: each input row is added into the output rows whose windows contain it.
    let open = 1;
    for (let y = 0, first = 0; y < outH; y++) {
      while (wy.start[first]! + wy.count[first]! <= wy.start[y]!) first++;
      open = Math.max(open, y - first + 1);
    }
    const accs = new Float64Array(open * outRowLen);
    const slots = Array.from({ length: open }, (_, i) => accs.subarray(i * outRowLen, (i + 1) * outRowLen));
    const hrow = new Float32Array(outRowLen);
    let first = 0; // oldest output row not yet written
    let next = 0; // next output row to open
    for (let r = 0; r < inH && first < outH; r++) {
      while (next < outH && wy.start[next]! <= r) slots[next++ % open]!.fill(0);
      if (first === next) continue; // no window contains this row (nearest skips rows)
      hrowInto(r, hrow);
      for (let y = first; y < next; y++) {
        addScaled(slots[y % open]!, hrow, wy.weights[y * wy.taps + (r - wy.start[y]!)]!);
      }
      while (first < next && wy.start[first]! + wy.count[first]! - 1 <= r) {
        io.writeRow(first, slots[first % open]!);
        tick(outW);
        first++;
      }
    }
  }
  ctx.progress(to);
}

/**
 * Resize with premultiplied alpha (so fully transparent pixels, whatever colour they hold, add
 * nothing to their neighbours). Same size → an exact copy.
 */
export function resizeImage(src: Image, outW: number, outH: number, filter: Filter, ctx: KernelContext, from = 0, to = 1): Image {
  const out = createImage(outW, outH);
  const { width: inW, height: inH } = src;
  if (inW === outW && inH === outH) {
    forEachBand(outW, outH, ctx, (y0, y1) => out.data.set(src.data.subarray(y0 * inW * 4, y1 * inW * 4), y0 * inW * 4), from, to);
    return out;
  }
  if (filter === 'nearest') {
    nearest(src, out, ctx, from, to);
    return out;
  }
  const s = src.data;
  const d = out.data;
  resample(
    inW,
    inH,
    outW,
    outH,
    filter,
    {
      channels: 4,
      readRow(y, dst) {
        for (let i = y * inW * 4, j = 0, end = i + inW * 4; i < end; i += 4, j += 4) {
          const a = s[i + 3]!;
          const f = a / 255;
          dst[j] = s[i]! * f;
          dst[j + 1] = s[i + 1]! * f;
          dst[j + 2] = s[i + 2]! * f;
          dst[j + 3] = a;
        }
      },
      writeRow(y, row) {
        for (let i = 0, o = y * outW * 4; i < row.length; i += 4, o += 4) {
          const a = row[i + 3]!;
          // Ringing can push alpha slightly below zero; anything that rounds to 0 is transparent black.
          if (a < 0.5) {
            d[o] = d[o + 1] = d[o + 2] = d[o + 3] = 0;
            continue;
          }
          const k = 255 / a;
          d[o] = row[i]! * k;
          d[o + 1] = row[i + 1]! * k;
          d[o + 2] = row[i + 2]! * k;
          d[o + 3] = a; // Uint8ClampedArray rounds and clamps
        }
      },
    },
    ctx,
    from,
    to,
  );
  return out;
}

/** Nearest neighbour copies whole pixels, so it is exact and needs no premultiplication. */
function nearest(src: Image, out: Image, ctx: KernelContext, from: number, to: number): void {
  const { width: inW, height: inH } = src;
  const { width: outW, height: outH } = out;
  const xs = new Int32Array(outW);
  for (let x = 0; x < outW; x++) xs[x] = nearestIndex(x, inW, outW);
  const s = src.data;
  const d = out.data;
  forEachBand(
    outW,
    outH,
    ctx,
    (y0, y1) => {
      for (let y = y0; y < y1; y++) {
        const row = nearestIndex(y, inH, outH) * inW;
        for (let x = 0, o = y * outW * 4; x < outW; x++, o += 4) {
          const i = (row + xs[x]!) * 4;
          d[o] = s[i]!;
          d[o + 1] = s[i + 1]!;
          d[o + 2] = s[i + 2]!;
          d[o + 3] = s[i + 3]!;
        }
      }
    },
    from,
    to,
  );
}
