// Separable resampling (resize): Pillow-style weights computed in JS (src/ops/resize/weights.ts),
// applied here on premultiplied f32x4 pixels, one pixel per vector; or, for an opaque image, in
// integers (resize16Setup): Q14 weights taken two taps at a time by i32x4.dot_i16x8_s, rows in i16.
//
// Every output pixel along an axis has the same number of taps (JS pads the shorter edge windows
// with zero weights and shifts their start inside the image), so the inner loops have a fixed
// trip count. Output rows are pulled: each needs `yTaps` horizontally resampled input rows, kept in
// a ring of exactly that many rows; input rows no window contains are never resampled.
//
// Output rows go to a band buffer (row y at dst + (y - y0) · rowBytes) that JS copies out after
// each band, so WebAssembly memory holds the input, the ring and one band, not the whole output.

import { HALF, loadPx, premultiply, storePx, unpremultiply } from './common';

const K255: v128 = f32x4.splat(255);

let inW: i32 = 0;
let inH: i32 = 0;
let outW: i32 = 0;
let src: usize = 0;
let dst: usize = 0;
let conv: usize = 0; // f32x4 × inW: the current input row, premultiplied
let ring: usize = 0; // yTaps rows of f32x4 × stride pixels
let stride: usize = 0; // bytes per ring row
let xStart: usize = 0; // i32 × outW
let xW: usize = 0; // f32 × outW × xTaps
let xTaps: i32 = 0;
let yStart: usize = 0; // i32 × outH
let yW: usize = 0; // f32 × outH × yTaps
let yTaps: i32 = 0;
let ptrs: usize = 0; // usize × yTaps: ring rows of the current output row
let premul: bool = false;
let nextRow: i32 = 0;
// the integer path (resize16Setup): opaque images, i16 rows in the ring and taps taken in pairs
let int16: bool = false;
let xPairs: i32 = 0; // tap pairs per output pixel: xW holds xPairs i32 per pixel, (w_t, w_t+1) as i16
let yPairs: i32 = 0;

/**
 * Call once per image. `ring` holds yTaps × ((ow + 3) & ~3) × 16 bytes, `cv` iw × 16 bytes,
 * `pt` yTaps × 4 bytes.
 */
export function resizeSetup(
  iw: i32, ih: i32, ow: i32, s: usize, d: usize,
  xs: usize, xw: usize, xt: i32, ys: usize, yw: usize, yt: i32,
  rg: usize, cv: usize, pt: usize, pm: bool,
): void {
  setup(iw, ih, ow, s, d, xs, xw, ys, yw, yt, rg, pt, 16);
  xTaps = xt;
  conv = cv;
  premul = pm;
  int16 = false;
}

/** What both paths' setups share; a ring row holds ((ow + 3) & ~3) pixels of `pixelBytes`. */
@inline function setup(
  iw: i32, ih: i32, ow: i32, s: usize, d: usize,
  xs: usize, xw: usize, ys: usize, yw: usize, yt: i32, rg: usize, pt: usize, pixelBytes: usize,
): void {
  inW = iw;
  inH = ih;
  outW = ow;
  src = s;
  dst = d;
  xStart = xs;
  xW = xw;
  yStart = ys;
  yW = yw;
  yTaps = yt;
  ring = rg;
  stride = <usize>((ow + 3) & ~3) * pixelBytes;
  ptrs = pt;
  nextRow = 0;
}

/**
 * The integer path, for an opaque image: weights in Q14 (each pixel's sum exactly 16 384), taken in
 * pairs by i32x4.dot_i16x8_s; horizontally resampled rows kept as i16 in Q6 (level × 64, rounded), so
 * the ring is half as wide and no row is converted to float. Within a fraction of a level of the
 * float path. `xw` holds `xp` i32 per output pixel (an odd tap count padded with a zero weight; the
 * window placed so that its pairs stay inside the row), `yw` `yp` per output row (padding reads the
 * window's last row). `ring` holds yt × ((ow + 3) & ~3) × 8 bytes; xs and xw have an entry for one
 * more output pixel when ow is odd (start 0, zero weights).
 */
export function resize16Setup(
  iw: i32, ih: i32, ow: i32, s: usize, d: usize,
  xs: usize, xw: usize, xp: i32, ys: usize, yw: usize, yt: i32, yp: i32,
  rg: usize, pt: usize,
): void {
  setup(iw, ih, ow, s, d, xs, xw, ys, yw, yt, rg, pt, 8);
  xPairs = xp;
  yPairs = yp;
  premul = false;
  int16 = true;
}

// two pixels' bytes (8, loaded into the low half) to i16 lanes r0 r1 g0 g1 b0 b1 a0 a1
const PAIR_BYTES: v128 = i8x16(0, -128, 4, -128, 1, -128, 5, -128, 2, -128, 6, -128, 3, -128, 7, -128);
const ROUND_Q6: v128 = i32x4.splat(1 << 7);
const ROUND_OUT: v128 = i32x4.splat(1 << 19);

/** Horizontal pass of input row y into ring row `out` (i16 × 4 per pixel, Q6), two output pixels at a time. */
function h16Row(y: i32, out: usize): void {
  const s = src + <usize>y * (<usize>inW << 2);
  const P = xPairs;
  const wStep = <usize>P << 2;
  let wp = xW;
  for (let x = 0; x < outW; x += 2) {
    let p0 = s + (<usize>load<i32>(xStart + (<usize>x << 2)) << 2);
    let p1 = s + (<usize>load<i32>(xStart + (<usize>x << 2), 4) << 2);
    let w0 = wp, w1 = wp + wStep;
    let a0 = i32x4.splat(0), a1 = i32x4.splat(0);
    for (let t = 0; t < P; t++) {
      a0 = i32x4.add(a0, i32x4.dot_i16x8_s(i8x16.swizzle(v128.load64_zero(p0), PAIR_BYTES), v128.load32_splat(w0)));
      a1 = i32x4.add(a1, i32x4.dot_i16x8_s(i8x16.swizzle(v128.load64_zero(p1), PAIR_BYTES), v128.load32_splat(w1)));
      p0 += 8; p1 += 8; w0 += 4; w1 += 4;
    }
    a0 = i32x4.shr_s(i32x4.add(a0, ROUND_Q6), 8);
    a1 = i32x4.shr_s(i32x4.add(a1, ROUND_Q6), 8);
    v128.store(out + (<usize>x << 3), i16x8.narrow_i32x4_s(a0, a1));
    wp += wStep << 1;
  }
}

/** One output row from the ring's i16 rows, taps in pairs (pointers in `ptrs`), four pixels at a time. */
function v16Row(wy: usize, s: i32, d: usize): void {
  const n = outW, T = yTaps, P = yPairs;
  for (let t = 0; t < P << 1; t++) store<usize>(ptrs + (<usize>t << 2), slot(s + min(t, T - 1)));
  for (let x = 0; x < n; x += 4) {
    const o = <usize>x << 3;
    let a0 = i32x4.splat(0), a1 = i32x4.splat(0), a2 = i32x4.splat(0), a3 = i32x4.splat(0);
    for (let t = 0; t < P; t++) {
      const r0 = load<usize>(ptrs + (<usize>t << 3)) + o;
      const r1 = load<usize>(ptrs + (<usize>t << 3), 4) + o;
      const w = v128.load32_splat(wy + (<usize>t << 2));
      const A = v128.load(r0), B = v128.load(r1), C = v128.load(r0, 16), D = v128.load(r1, 16);
      a0 = i32x4.add(a0, i32x4.dot_i16x8_s(i16x8.shuffle(A, B, 0, 8, 1, 9, 2, 10, 3, 11), w));
      a1 = i32x4.add(a1, i32x4.dot_i16x8_s(i16x8.shuffle(A, B, 4, 12, 5, 13, 6, 14, 7, 15), w));
      a2 = i32x4.add(a2, i32x4.dot_i16x8_s(i16x8.shuffle(C, D, 0, 8, 1, 9, 2, 10, 3, 11), w));
      a3 = i32x4.add(a3, i32x4.dot_i16x8_s(i16x8.shuffle(C, D, 4, 12, 5, 13, 6, 14, 7, 15), w));
    }
    a0 = i32x4.shr_s(i32x4.add(a0, ROUND_OUT), 20);
    a1 = i32x4.shr_s(i32x4.add(a1, ROUND_OUT), 20);
    a2 = i32x4.shr_s(i32x4.add(a2, ROUND_OUT), 20);
    a3 = i32x4.shr_s(i32x4.add(a3, ROUND_OUT), 20);
    const px = i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(a0, a1), i16x8.narrow_i32x4_s(a2, a3));
    const q = d + (<usize>x << 2);
    const m = n - x;
    if (m >= 4) v128.store(q, px);
    else {
      v128.store32_lane(q, px, 0);
      if (m > 1) v128.store32_lane(q, px, 1, 4);
      if (m > 2) v128.store32_lane(q, px, 2, 8);
    }
  }
}

@inline function slot(y: i32): usize {
  return ring + <usize>(y % yTaps) * stride;
}

/** Input row y to premultiplied f32x4 in `conv`. */
function convertRow(y: i32): void {
  const n = inW;
  const s = src + <usize>y * (<usize>n << 2);
  if (premul) {
    for (let i = 0; i < n; i++) v128.store(conv + (<usize>i << 4), premultiply(loadPx(s + (<usize>i << 2))));
  } else {
    for (let i = 0; i < n; i++) v128.store(conv + (<usize>i << 4), loadPx(s + (<usize>i << 2)));
  }
}

/** Horizontal pass of input row y into ring row `out`. */
function hRow(y: i32, out: usize): void {
  convertRow(y);
  const n = outW, T = xTaps;
  const wStep = <usize>T << 2;
  let x = 0;
  let wp = xW;
  // two output pixels per step: independent accumulation chains fill each other's latency
  for (; x + 2 <= n; x += 2) {
    let p0 = conv + (<usize>load<i32>(xStart + (<usize>x << 2)) << 4);
    let p1 = conv + (<usize>load<i32>(xStart + (<usize>x << 2), 4) << 4);
    let w0 = wp, w1 = wp + wStep;
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0);
    let b0 = f32x4.splat(0), b1 = f32x4.splat(0);
    let t = 0;
    for (; t + 2 <= T; t += 2) {
      a0 = f32x4.add(a0, f32x4.mul(v128.load32_splat(w0), v128.load(p0)));
      a1 = f32x4.add(a1, f32x4.mul(v128.load32_splat(w1), v128.load(p1)));
      b0 = f32x4.add(b0, f32x4.mul(v128.load32_splat(w0, 4), v128.load(p0, 16)));
      b1 = f32x4.add(b1, f32x4.mul(v128.load32_splat(w1, 4), v128.load(p1, 16)));
      w0 += 8; w1 += 8; p0 += 32; p1 += 32;
    }
    if (t < T) {
      a0 = f32x4.add(a0, f32x4.mul(v128.load32_splat(w0), v128.load(p0)));
      a1 = f32x4.add(a1, f32x4.mul(v128.load32_splat(w1), v128.load(p1)));
    }
    v128.store(out + (<usize>x << 4), f32x4.add(a0, b0));
    v128.store(out + (<usize>x << 4), f32x4.add(a1, b1), 16);
    wp += wStep << 1;
  }
  if (x < n) {
    let p0 = conv + (<usize>load<i32>(xStart + (<usize>x << 2)) << 4);
    let w0 = wp;
    let a0 = f32x4.splat(0);
    for (let t = 0; t < T; t++) {
      a0 = f32x4.add(a0, f32x4.mul(v128.load32_splat(w0), v128.load(p0)));
      w0 += 4; p0 += 16;
    }
    v128.store(out + (<usize>x << 4), a0);
  }
}

/** Output rows [y0, y1), row y written at dst + (y - y0) × outW × 4. */
export function resizeRows(y0: i32, y1: i32): void {
  const n = outW, T = yTaps;
  for (let y = y0; y < y1; y++) {
    const s = load<i32>(yStart + (<usize>y << 2));
    if (nextRow < s) nextRow = s;
    while (nextRow < s + T) {
      if (int16) h16Row(nextRow, slot(nextRow));
      else hRow(nextRow, slot(nextRow));
      nextRow++;
    }
    const d = dst + <usize>(y - y0) * (<usize>n << 2);
    if (int16) {
      v16Row(yW + (<usize>(y * yPairs) << 2), s, d);
      continue;
    }
    const wy = yW + (<usize>(y * T) << 2);
    if (T <= 4) vRowShort(wy, s, T, d);
    else vRowLong(wy, s, T, d);
  }
}

/** One output row from up to 4 taps, pointers and weights held in locals (zero weights pad). */
function vRowShort(wy: usize, s: i32, T: i32, d: usize): void {
  const n = outW;
  const r0 = slot(s);
  const r1 = T > 1 ? slot(s + 1) : r0;
  const r2 = T > 2 ? slot(s + 2) : r0;
  const r3 = T > 3 ? slot(s + 3) : r0;
  const w0 = v128.load32_splat(wy);
  const w1 = T > 1 ? v128.load32_splat(wy, 4) : f32x4.splat(0);
  const w2 = T > 2 ? v128.load32_splat(wy, 8) : f32x4.splat(0);
  const w3 = T > 3 ? v128.load32_splat(wy, 12) : f32x4.splat(0);
  for (let x = 0; x < n; x += 4) {
    const o = <usize>x << 4;
    const a0 = tap4(r0 + o, r1 + o, r2 + o, r3 + o, w0, w1, w2, w3, 0);
    const a1 = tap4(r0 + o, r1 + o, r2 + o, r3 + o, w0, w1, w2, w3, 16);
    const a2 = tap4(r0 + o, r1 + o, r2 + o, r3 + o, w0, w1, w2, w3, 32);
    const a3 = tap4(r0 + o, r1 + o, r2 + o, r3 + o, w0, w1, w2, w3, 48);
    storeQuad(d + (<usize>x << 2), n - x, a0, a1, a2, a3);
  }
}

@inline function tap4(p0: usize, p1: usize, p2: usize, p3: usize, w0: v128, w1: v128, w2: v128, w3: v128, off: usize): v128 {
  return f32x4.add(
    f32x4.add(f32x4.mul(w0, v128.load(p0 + off)), f32x4.mul(w1, v128.load(p1 + off))),
    f32x4.add(f32x4.mul(w2, v128.load(p2 + off)), f32x4.mul(w3, v128.load(p3 + off))),
  );
}

/** One output row from T taps (ring row pointers in `ptrs`). */
function vRowLong(wy: usize, s: i32, T: i32, d: usize): void {
  const n = outW;
  for (let t = 0; t < T; t++) store<usize>(ptrs + (<usize>t << 2), slot(s + t));
  // four pixels per step share each weight load (ring rows have spare pixels for the tail)
  for (let x = 0; x < n; x += 4) {
    const o = <usize>x << 4;
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    for (let t = 0; t < T; t++) {
      const p = load<usize>(ptrs + (<usize>t << 2)) + o;
      const w = v128.load32_splat(wy + (<usize>t << 2));
      a0 = f32x4.add(a0, f32x4.mul(w, v128.load(p)));
      a1 = f32x4.add(a1, f32x4.mul(w, v128.load(p, 16)));
      a2 = f32x4.add(a2, f32x4.mul(w, v128.load(p, 32)));
      a3 = f32x4.add(a3, f32x4.mul(w, v128.load(p, 48)));
    }
    storeQuad(d + (<usize>x << 2), n - x, a0, a1, a2, a3);
  }
}

/** Stores min(m, 4) output pixels at q, unpremultiplied if needed, rounded and saturated. */
@inline function storeQuad(q: usize, m: i32, a0: v128, a1: v128, a2: v128, a3: v128): void {
  if (m >= 4) {
    if (premul) {
      // unpremultiply four pixels with one division: their alphas gathered in one vector;
      // colour × 255 / alpha, and alpha that rounds to 0 gives transparent black (its own lane
      // is kept and rounds to 0 when stored). Shuffles are chosen to be single SSE instructions
      // (shufps, pshufd, pblendw).
      const A = i32x4.shuffle(i32x4.shuffle(a0, a1, 3, 3, 7, 7), i32x4.shuffle(a2, a3, 3, 3, 7, 7), 0, 2, 4, 6);
      const K = v128.and(f32x4.div(K255, A), f32x4.ge(A, HALF));
      a0 = i32x4.shuffle(f32x4.mul(a0, i32x4.shuffle(K, K, 0, 0, 0, 0)), a0, 0, 1, 2, 7);
      a1 = i32x4.shuffle(f32x4.mul(a1, i32x4.shuffle(K, K, 1, 1, 1, 1)), a1, 0, 1, 2, 7);
      a2 = i32x4.shuffle(f32x4.mul(a2, i32x4.shuffle(K, K, 2, 2, 2, 2)), a2, 0, 1, 2, 7);
      a3 = i32x4.shuffle(f32x4.mul(a3, i32x4.shuffle(K, K, 3, 3, 3, 3)), a3, 0, 1, 2, 7);
    }
    v128.store(q, i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(round(a0), round(a1)), i16x8.narrow_i32x4_s(round(a2), round(a3))));
  } else {
    // the tail: spare ring pixels hold garbage, so only real pixels are stored
    storeOne(q, a0);
    if (m > 1) storeOne(q + 4, a1);
    if (m > 2) storeOne(q + 8, a2);
  }
}

/**
 * Rounds to the nearest integer, ties to even (as Uint8ClampedArray does), for |v| < 2²²: adding
 * 1.5 × 2²³ leaves the integer in the low mantissa bits. Cheaper than trunc_sat, which V8
 * emulates on x64 in several instructions; the narrowing stores saturate.
 */
@inline function round(v: v128): v128 {
  return i32x4.sub(f32x4.add(v, MAGIC), MAGIC);
}
const MAGIC: v128 = f32x4.splat(12582912.0);

@inline function storeOne(q: usize, v: v128): void {
  storePx(q, premul ? unpremultiply(v) : v);
}
