// Small neighbourhood filters over a ring of converted rows, edges extended. Output row y is
// written only after every source row it needs was converted, so dst may equal src.

const ALPHA_LANE: v128 = i32x4(0, 0, 0, -1);

let W: i32 = 0;
let H: i32 = 0;
let src: usize = 0;
let dst: usize = 0;
let ring: usize = 0;
let stride: usize = 0; // bytes per ring row
let nextRow: i32 = 0;

// ---- custom convolution: straight colour, alpha kept ----

let size: i32 = 0; // odd: 3, 5 or 7
let R: i32 = 0;
let wts: usize = 0; // f32 × size², row-major, already divided by the divisor
let ptrs: usize = 0; // per output row: the ring row for each kernel row
let bias: v128 = f32x4.splat(0);

export function convolveSetup(w: i32, h: i32, s: usize, d: usize, n: i32, wt: usize, b: f32, rg: usize): void {
  W = w;
  H = h;
  src = s;
  dst = d;
  size = n;
  R = n >> 1;
  wts = wt;
  ptrs = wt + (<usize>(n * n) << 2);
  bias = f32x4.splat(b);
  ring = rg;
  stride = <usize>(w + 2 * R + 4) << 4;
  nextRow = 0;
}

@inline function slot(y: i32): usize {
  return ring + <usize>(y % size) * stride;
}

/** Source row y as f32x4 pixels with R extended pixels each side (and spares for 4-wide steps). */
function convertRow(y: i32): void {
  const n = W, r = R;
  const s = src + <usize>y * (<usize>n << 2);
  const row = slot(y);
  const body = row + (<usize>r << 4);
  for (let i = 0; i < n; i++) {
    v128.store(body + (<usize>i << 4), f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_u(v128.load8x8_u(s + (<usize>i << 2)))));
  }
  const first = v128.load(body), last = v128.load(body + (<usize>(n - 1) << 4));
  for (let i = 0; i < r; i++) v128.store(row + (<usize>i << 4), first);
  for (let i = 0; i < r + 3; i++) v128.store(body + (<usize>(n + i) << 4), last);
}

export function convolveRows(y0: i32, y1: i32): void {
  const n = W, r = R, k = size;
  const half = f32x4.splat(0.5);
  for (let y = y0; y < y1; y++) {
    const need = min(H - 1, y + r);
    while (nextRow <= need) convertRow(nextRow++);
    for (let j = 0; j < k; j++) store<usize>(ptrs + (<usize>j << 2), slot(min(H - 1, max(0, y + j - r))));
    const centre = slot(y) + (<usize>r << 4);
    const d = dst + <usize>y * (<usize>n << 2);
    // four pixels per step share each weight load (rows have three spare pixels for the tail)
    for (let x = 0; x < n; x += 4) {
      const o = <usize>x << 4;
      let acc0 = bias, acc1 = bias, acc2 = bias, acc3 = bias;
      let wp = wts;
      for (let j = 0; j < k; j++) {
        let p = load<usize>(ptrs + (<usize>j << 2)) + o;
        for (let i = 0; i < k; i++) {
          const wk = v128.load32_splat(wp);
          acc0 = f32x4.add(acc0, f32x4.mul(wk, v128.load(p)));
          acc1 = f32x4.add(acc1, f32x4.mul(wk, v128.load(p, 16)));
          acc2 = f32x4.add(acc2, f32x4.mul(wk, v128.load(p, 32)));
          acc3 = f32x4.add(acc3, f32x4.mul(wk, v128.load(p, 48)));
          wp += 4;
          p += 16;
        }
      }
      // alpha is the source pixel's, already in the ring
      const c = centre + o;
      acc0 = v128.bitselect(v128.load(c), acc0, ALPHA_LANE);
      acc1 = v128.bitselect(v128.load(c, 16), acc1, ALPHA_LANE);
      acc2 = v128.bitselect(v128.load(c, 32), acc2, ALPHA_LANE);
      acc3 = v128.bitselect(v128.load(c, 48), acc3, ALPHA_LANE);
      const q01 = i16x8.narrow_i32x4_s(i32x4.trunc_sat_f32x4_s(f32x4.add(acc0, half)), i32x4.trunc_sat_f32x4_s(f32x4.add(acc1, half)));
      const q23 = i16x8.narrow_i32x4_s(i32x4.trunc_sat_f32x4_s(f32x4.add(acc2, half)), i32x4.trunc_sat_f32x4_s(f32x4.add(acc3, half)));
      const bytes = i8x16.narrow_i16x8_u(q01, q23);
      const at = d + (<usize>x << 2);
      if (x + 4 <= n) {
        v128.store(at, bytes);
      } else {
        v128.store32_lane(at, bytes, 0);
        if (x + 1 < n) v128.store32_lane(at, bytes, 1, 4);
        if (x + 2 < n) v128.store32_lane(at, bytes, 2, 8);
      }
    }
  }
}

// ---- custom 3×3 convolution with small integer weights ----
// The exact sum in 16-bit lanes, two pixels per vector, straight from byte rows: the same bytes as
// the f32 path above whenever every weight and the bias are integers and no partial sum can leave
// the i16 range (the caller checks: |bias| + 255 · Σ|w| < 32768). The f32 path then adds exact
// integers and rounds k + 0.5 back to k, and both saturate to 0..255 the same way.
// No copy of the image in linear memory: the caller writes each source row where conv3Row says
// (a ring of padded rows that stays in cache) and copies each band of output rows out.

const ALPHA_BYTES: v128 = i32x4.splat(0xff000000);

let k0: v128 = i16x8.splat(0);
let k1: v128 = i16x8.splat(0);
let k2: v128 = i16x8.splat(0);
let k3: v128 = i16x8.splat(0);
let k4: v128 = i16x8.splat(0);
let k5: v128 = i16x8.splat(0);
let k6: v128 = i16x8.splat(0);
let k7: v128 = i16x8.splat(0);
let k8: v128 = i16x8.splat(0);
let kBias: v128 = i16x8.splat(0);
let cross: bool = false;
let plus: bool = false; // corners 0 and the four edge weights equal: centre · C + edge · (N + W + E + S)

/**
 * `wt`: nine i32 weights, row-major (corners all 0 select the five-tap loop); `rg`: `slots` rows of
 * conv3Stride(w) bytes, at least two more than the rows of one conv3Rows call; `first`: the first
 * source row the caller will write.
 */
export function conv3Setup(w: i32, h: i32, wt: usize, b: i32, rg: usize, slots: i32, first: i32): void {
  W = w;
  H = h;
  size = slots;
  ring = rg;
  stride = conv3Stride(w);
  nextRow = first;
  k0 = i16x8.splat(<i16>load<i32>(wt));
  k1 = i16x8.splat(<i16>load<i32>(wt, 4));
  k2 = i16x8.splat(<i16>load<i32>(wt, 8));
  k3 = i16x8.splat(<i16>load<i32>(wt, 12));
  k4 = i16x8.splat(<i16>load<i32>(wt, 16));
  k5 = i16x8.splat(<i16>load<i32>(wt, 20));
  k6 = i16x8.splat(<i16>load<i32>(wt, 24));
  k7 = i16x8.splat(<i16>load<i32>(wt, 28));
  k8 = i16x8.splat(<i16>load<i32>(wt, 32));
  kBias = i16x8.splat(<i16>b);
  cross = load<i32>(wt) == 0 && load<i32>(wt, 8) == 0 && load<i32>(wt, 24) == 0 && load<i32>(wt, 32) == 0;
  const e = load<i32>(wt, 4);
  plus = cross && load<i32>(wt, 12) == e && load<i32>(wt, 20) == e && load<i32>(wt, 28) == e;
}

/** Bytes per ring row: one extended pixel each side and spare bytes for 8-byte reads. */
export function conv3Stride(w: i32): usize {
  return (<usize>(w + 2) << 2) + 32;
}

/** Where the caller writes source row y (w × 4 bytes). */
export function conv3Row(y: i32): usize {
  return slot(y) + 4;
}

/** Extends written row y by one pixel each side. */
function padRow(y: i32): void {
  const row = slot(y);
  store<u32>(row, load<u32>(row, 4));
  store<u32>(row + (<usize>(W + 1) << 2), load<u32>(row + (<usize>W << 2)));
}

/** Weight × two pixels (eight channels) at p, widened to i16. */
@inline function tap(acc: v128, k: v128, p: usize, off: usize): v128 {
  return i16x8.add(acc, i16x8.mul(k, v128.load8x8_u(p + off)));
}

/**
 * Output rows [y0, y1) into `out` (row y at out + (y − y0) · w · 4). Source rows y0 − 1 … y1 (within
 * the image) must have been written.
 */
export function conv3Rows(y0: i32, y1: i32, out: usize): void {
  const n = W;
  for (let y = y0; y < y1; y++) {
    const need = min(H - 1, y + 1);
    while (nextRow <= need) padRow(nextRow++);
    const up = slot(max(0, y - 1)), mid = slot(y), dn = slot(min(H - 1, y + 1));
    const d = out + <usize>(y - y0) * (<usize>n << 2);
    // eight output pixels per step, as four i16x8 quarters; padded pixel x + 1 is source pixel x
    let x = 0;
    if (plus) {
      const b = kBias, wc = k4, we = k1;
      for (; x + 8 <= n; x += 8) {
        const o = <usize>x << 2;
        v128.store(d + o, plus4(up + o, mid + o, dn + o, b, wc, we));
        v128.store(d + o, plus4(up + o + 16, mid + o + 16, dn + o + 16, b, wc, we), 16);
      }
      for (; x < n; x += 4) {
        const o = <usize>x << 2;
        storeTail(d + o, plus4(up + o, mid + o, dn + o, b, wc, we), n - x);
      }
    } else if (cross) {
      const b = kBias, w1 = k1, w3 = k3, w4 = k4, w5 = k5, w7 = k7;
      for (; x + 8 <= n; x += 8) {
        const o = <usize>x << 2;
        v128.store(d + o, cross4(up + o, mid + o, dn + o, b, w1, w3, w4, w5, w7));
        v128.store(d + o, cross4(up + o + 16, mid + o + 16, dn + o + 16, b, w1, w3, w4, w5, w7), 16);
      }
      for (; x < n; x += 4) {
        const o = <usize>x << 2;
        storeTail(d + o, cross4(up + o, mid + o, dn + o, b, w1, w3, w4, w5, w7), n - x);
      }
    } else {
      const b = kBias, w0 = k0, w1 = k1, w2 = k2, w3 = k3, w4 = k4, w5 = k5, w6 = k6, w7 = k7, w8 = k8;
      for (; x + 8 <= n; x += 8) {
        const o = <usize>x << 2;
        v128.store(d + o, full4(up + o, mid + o, dn + o, b, w0, w1, w2, w3, w4, w5, w6, w7, w8));
        v128.store(d + o, full4(up + o + 16, mid + o + 16, dn + o + 16, b, w0, w1, w2, w3, w4, w5, w6, w7, w8), 16);
      }
      for (; x < n; x += 4) {
        const o = <usize>x << 2;
        storeTail(d + o, full4(up + o, mid + o, dn + o, b, w0, w1, w2, w3, w4, w5, w6, w7, w8), n - x);
      }
    }
  }
}

/** Four output pixels, corners 0 and equal edges: the neighbours are summed before one multiply. */
@inline function plus4(u: usize, m: usize, d: usize, b: v128, wc: v128, we: v128): v128 {
  const m8 = v128.load8x8_u(m, 8); // right of the low pair, left of the high pair
  const nlo = i16x8.add(i16x8.add(v128.load8x8_u(u, 4), v128.load8x8_u(d, 4)), i16x8.add(v128.load8x8_u(m), m8));
  const nhi = i16x8.add(i16x8.add(v128.load8x8_u(u, 12), v128.load8x8_u(d, 12)), i16x8.add(m8, v128.load8x8_u(m, 16)));
  const lo = i16x8.add(i16x8.add(b, i16x8.mul(wc, v128.load8x8_u(m, 4))), i16x8.mul(we, nlo));
  const hi = i16x8.add(i16x8.add(b, i16x8.mul(wc, v128.load8x8_u(m, 12))), i16x8.mul(we, nhi));
  return finish(lo, hi, m);
}

/** Four output pixels from padded rows at u, m, d (five taps, corners 0). */
@inline function cross4(u: usize, m: usize, d: usize, b: v128, w1: v128, w3: v128, w4: v128, w5: v128, w7: v128): v128 {
  let lo = b, hi = b;
  lo = tap(lo, w1, u, 4);
  hi = tap(hi, w1, u, 12);
  lo = tap(lo, w3, m, 0);
  hi = tap(hi, w3, m, 8);
  lo = tap(lo, w4, m, 4);
  hi = tap(hi, w4, m, 12);
  lo = tap(lo, w5, m, 8);
  hi = tap(hi, w5, m, 16);
  lo = tap(lo, w7, d, 4);
  hi = tap(hi, w7, d, 12);
  return finish(lo, hi, m);
}

@inline function full4(
  u: usize, m: usize, d: usize, b: v128,
  w0: v128, w1: v128, w2: v128, w3: v128, w4: v128, w5: v128, w6: v128, w7: v128, w8: v128,
): v128 {
  let lo = b, hi = b;
  lo = tap(lo, w0, u, 0);
  hi = tap(hi, w0, u, 8);
  lo = tap(lo, w1, u, 4);
  hi = tap(hi, w1, u, 12);
  lo = tap(lo, w2, u, 8);
  hi = tap(hi, w2, u, 16);
  lo = tap(lo, w3, m, 0);
  hi = tap(hi, w3, m, 8);
  lo = tap(lo, w4, m, 4);
  hi = tap(hi, w4, m, 12);
  lo = tap(lo, w5, m, 8);
  hi = tap(hi, w5, m, 16);
  lo = tap(lo, w6, d, 0);
  hi = tap(hi, w6, d, 8);
  lo = tap(lo, w7, d, 4);
  hi = tap(hi, w7, d, 12);
  lo = tap(lo, w8, d, 8);
  hi = tap(hi, w8, d, 16);
  return finish(lo, hi, m);
}

/** Saturates to 0..255; alpha is the centre pixel's. */
@inline function finish(lo: v128, hi: v128, m: usize): v128 {
  return v128.bitselect(v128.load(m, 4), i8x16.narrow_i16x8_u(lo, hi), ALPHA_BYTES);
}

/** The first `left` (1..4) pixels of px. */
@inline function storeTail(at: usize, px: v128, left: i32): void {
  if (left >= 4) {
    v128.store(at, px);
  } else {
    v128.store32_lane(at, px, 0);
    if (left > 1) v128.store32_lane(at, px, 1, 4);
    if (left > 2) v128.store32_lane(at, px, 2, 8);
  }
}

// ---- Sobel edges on luma ----

let mode: i32 = 0; // 0 magnitude, 1 |d/dx|, 2 |d/dy|

export function sobelSetup(w: i32, h: i32, s: usize, d: usize, m: i32, rg: usize): void {
  W = w;
  H = h;
  src = s;
  dst = d;
  mode = m;
  ring = rg;
  size = 3;
  stride = <usize>(w + 8) << 2; // f32 luma with one extended pixel each side, room for 4-wide reads
  nextRow = 0;
}

/** Rec. 709 luma of row y (straight colour) into its ring slot, at offset 1, edges extended. */
function lumaRow(y: i32): void {
  const n = W;
  const s = src + <usize>y * (<usize>n << 2);
  const row = slot(y);
  const kr = f32x4.splat(0.2126), kg = f32x4.splat(0.7152), kb = f32x4.splat(0.0722);
  const byte = i32x4.splat(255);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(s + (<usize>i << 2));
    const r = f32x4.convert_i32x4_s(v128.and(v, byte));
    const g = f32x4.convert_i32x4_s(v128.and(i32x4.shr_u(v, 8), byte));
    const b = f32x4.convert_i32x4_s(v128.and(i32x4.shr_u(v, 16), byte));
    v128.store(row + 4 + (<usize>i << 2), f32x4.add(f32x4.add(f32x4.mul(kr, r), f32x4.mul(kg, g)), f32x4.mul(kb, b)));
  }
  for (; i < n; i++) {
    const p = s + (<usize>i << 2);
    store<f32>(row + 4 + (<usize>i << 2), <f32>0.2126 * <f32>load<u8>(p) + <f32>0.7152 * <f32>load<u8>(p, 1) + <f32>0.0722 * <f32>load<u8>(p, 2));
  }
  store<f32>(row, load<f32>(row + 4));
  store<f32>(row + 4 + (<usize>n << 2), load<f32>(row + (<usize>n << 2)));
}

export function sobelRows(y0: i32, y1: i32): void {
  const n = W, m = mode;
  const two = f32x4.splat(2), quarter = f32x4.splat(0.25), half = f32x4.splat(0.5);
  const gray = i32x4.splat(0x010101), alpha = i32x4.splat(0xff000000);
  for (let y = y0; y < y1; y++) {
    const need = min(H - 1, y + 1);
    while (nextRow <= need) lumaRow(nextRow++);
    const up = slot(max(0, y - 1)), mid = slot(y), dn = slot(min(H - 1, y + 1));
    const s = src + <usize>y * (<usize>n << 2);
    const d = dst + <usize>y * (<usize>n << 2);
    for (let x = 0; x < n; x += 4) {
      // four neighbouring pixels per step; luma of pixel x+j sits at float index x+j+1
      const o = <usize>x << 2;
      const ul = v128.load(up + o), uc = v128.load(up + o, 4), ur = v128.load(up + o, 8);
      const ml = v128.load(mid + o), mr = v128.load(mid + o, 8);
      const dl = v128.load(dn + o), dc = v128.load(dn + o, 4), dr = v128.load(dn + o, 8);
      const gx = f32x4.sub(f32x4.add(f32x4.add(ur, dr), f32x4.mul(two, mr)), f32x4.add(f32x4.add(ul, dl), f32x4.mul(two, ml)));
      const gy = f32x4.sub(f32x4.add(f32x4.add(dl, dr), f32x4.mul(two, dc)), f32x4.add(f32x4.add(ul, ur), f32x4.mul(two, uc)));
      let g: v128;
      if (m == 1) g = f32x4.abs(gx);
      else if (m == 2) g = f32x4.abs(gy);
      else g = f32x4.sqrt(f32x4.add(f32x4.mul(gx, gx), f32x4.mul(gy, gy)));
      // a full black-to-white step scores 4 × 255 on one axis: scale to 0..255
      const q = i32x4.min_s(i32x4.trunc_sat_f32x4_s(f32x4.add(f32x4.mul(g, quarter), half)), i32x4.splat(255));
      const px = v128.or(i32x4.mul(q, gray), v128.and(v128.load(s + o), alpha));
      if (x + 4 <= n) {
        v128.store(d + o, px);
      } else {
        v128.store32_lane(d + o, px, 0);
        if (x + 1 < n) v128.store32_lane(d + o, px, 1, 4);
        if (x + 2 < n) v128.store32_lane(d + o, px, 2, 8);
      }
    }
  }
}
