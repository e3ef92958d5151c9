// Median filter, each channel on its own, over a (2r+1)² square with edges extended.
//
// Perreault & Hébert, "Median filtering in constant time" (2007): every column keeps a histogram
// of its 2r+1 pixels, updated by one removal and one addition per row; the window's histogram
// moves right by adding one column histogram and removing another. Histograms have two levels,
// 16 coarse bins and 256 fine ones: the coarse window histogram is kept current, and only the
// 16-bin fine segment where the median falls is brought up to date, lazily. Both searches are
// branch-free: SIMD prefix sums, a compare and a count of trailing zeros.
//
// The image is split into channel planes, and each call handles one channel over one vertical
// stripe, so the stripe's column histograms stay in cache.

let W: i32 = 0;
let H: i32 = 0;
let R: i32 = 0;
let src: usize = 0;
let dst: usize = 0;
let planes: usize = 0; // 4 channel planes: W×H bytes each (histograms), padded rows (networks)
let colF: usize = 0; // fine column histograms: 256 × u16 per stripe column
let colC: usize = 0; // coarse column histograms: 16 × u16 per stripe column
let kerF: usize = 0; // the window's fine histogram: 256 × u16
let last: usize = 0; // i32 × 16: the x at which each fine segment of kerF was last brought up to date
let scratch: usize = 0; // u16 × 17: a zero, then the coarse prefix sums

/** Stripe width in output columns: column histograms then take about 140 kB. */
export const STRIPE: i32 = 256;

/** What the histogram and network paths both set up: the image, the radius and the channel planes. */
function setImage(w: i32, h: i32, s: usize, d: usize, r: i32, pl: usize): void {
  W = w;
  H = h;
  R = r;
  src = s;
  dst = d;
  planes = pl;
}

export function medianSetup(w: i32, h: i32, s: usize, d: usize, r: i32, pl: usize, hist: usize): void {
  setImage(w, h, s, d, r, pl);
  const cols = <usize>(STRIPE + 2 * r);
  colF = hist;
  colC = colF + cols * 512;
  kerF = colC + cols * 32;
  last = kerF + 512;
  scratch = last + 64;
}

/** Rows y0..y1-1 of the interleaved image into the four planes. */
export function medianDeinterleave(y0: i32, y1: i32): void {
  const w = W, n = <usize>w * <usize>H;
  for (let y = y0; y < y1; y++) splitRow(src + <usize>y * (<usize>w << 2), planes + <usize>y * <usize>w, n, w);
}

/**
 * One row of w interleaved pixels at s into four planes: channel c's bytes at o + c × plane. Sixteen
 * pixels at a time, eight byte shuffles split them into 16 bytes of each plane.
 */
function splitRow(s: usize, o: usize, plane: usize, w: i32): void {
  let x = 0;
  for (; x + 16 <= w; x += 16) {
    const q = s + (<usize>x << 2);
    const v0 = v128.load(q), v1 = v128.load(q, 16), v2 = v128.load(q, 32), v3 = v128.load(q, 48);
    const a = i8x16.shuffle(v0, v1, 0, 4, 8, 12, 16, 20, 24, 28, 1, 5, 9, 13, 17, 21, 25, 29);
    const b = i8x16.shuffle(v0, v1, 2, 6, 10, 14, 18, 22, 26, 30, 3, 7, 11, 15, 19, 23, 27, 31);
    const c = i8x16.shuffle(v2, v3, 0, 4, 8, 12, 16, 20, 24, 28, 1, 5, 9, 13, 17, 21, 25, 29);
    const e = i8x16.shuffle(v2, v3, 2, 6, 10, 14, 18, 22, 26, 30, 3, 7, 11, 15, 19, 23, 27, 31);
    const d = o + <usize>x;
    v128.store(d, i8x16.shuffle(a, c, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23));
    v128.store(d + plane, i8x16.shuffle(a, c, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31));
    v128.store(d + 2 * plane, i8x16.shuffle(b, e, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23));
    v128.store(d + 3 * plane, i8x16.shuffle(b, e, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31));
  }
  for (; x < w; x++) {
    const p = load<u32>(s + (<usize>x << 2));
    const d = o + <usize>x;
    store<u8>(d, p);
    store<u8>(d + plane, p >> 8);
    store<u8>(d + 2 * plane, p >> 16);
    store<u8>(d + 3 * plane, p >> 24);
  }
}

const ZERO: v128 = i32x4.splat(0);

/**
 * Inclusive prefix sums of eight u16 lanes: shifts within each 64-bit half, then the low half's
 * total (lane 3) spread over lanes 4–7 with a pshufd and a multiply by 0x10001. Whole-vector
 * lane shifts (shuffles with zero) cost V8 two pshufb and two constants each.
 */
@inline function prefix(v: v128, k: v128): v128 {
  v = i16x8.add(v, i64x2.shl(v, 16));
  v = i16x8.add(v, i64x2.shl(v, 32));
  const top = i64x2.shr_u(v, 48);
  return i16x8.add(v, i32x4.mul(i32x4.shuffle(top, top, 1, 1, 0, 0), k));
}

/** Index of the first of 16 bins (lo, hi) whose running count exceeds t; prefix sums left in sc. */
@inline function firstAbove(lo: v128, hi: v128, t: v128, k: v128, sc: usize): i32 {
  const pl = prefix(lo, k);
  const ph = i16x8.add(prefix(hi, k), i16x8.splat(i16x8.extract_lane_u(pl, 7)));
  v128.store(sc, pl, 2);
  v128.store(sc, ph, 18);
  const m = i16x8.bitmask(i16x8.gt_u(pl, t)) | (i16x8.bitmask(i16x8.gt_u(ph, t)) << 8);
  return ctz(m);
}

/** Offset of column c (clamped to the image) among the stripe's columns starting at c0. */
@inline function col(c: i32, c0: i32, w: i32): usize {
  return <usize>((c < 0 ? 0 : c >= w ? w - 1 : c) - c0);
}

/** Channel ch (0..3), output columns x0..x1-1 (x1 - x0 <= STRIPE), every row. */
export function medianStripe(ch: i32, x0: i32, x1: i32): void {
  // globals copied to locals: V8 reloads a global from the instance at every use
  const r = R, n = 2 * r + 1, w = W, h = H;
  const cf = colF, cc = colC, kf = kerF, lastX = last, sc = scratch;
  const plane = planes + <usize>ch * <usize>w * <usize>h;
  const out = dst + <usize>ch;
  const c0 = max(0, x0 - r), c1 = min(w - 1, x1 - 1 + r);
  const nc = c1 - c0 + 1;
  const target = (n * n) >> 1; // 0-based rank of the median
  const t = i16x8.splat(<i16>target);
  const k = i32x4.splat(0x10001);
  memory.fill(cf, 0, <usize>nc * 512);
  memory.fill(cc, 0, <usize>nc * 32);
  store<u16>(sc, 0);
  for (let dy = -r; dy <= r; dy++) {
    const row = plane + <usize>(dy < 0 ? 0 : dy >= h ? h - 1 : dy) * <usize>w;
    for (let c = 0; c < nc; c++) {
      const v = <usize>load<u8>(row + <usize>(c0 + c));
      const f = cf + (<usize>c << 9) + (v << 1);
      store<u16>(f, load<u16>(f) + 1);
      const q = cc + (<usize>c << 5) + ((v >> 4) << 1);
      store<u16>(q, load<u16>(q) + 1);
    }
  }
  for (let y = 0; y < h; y++) {
    if (y > 0) {
      const yo = y - 1 - r, yi = y + r;
      const ro = yo < 0 ? 0 : yo >= h ? h - 1 : yo;
      const ri = yi < 0 ? 0 : yi >= h ? h - 1 : yi;
      if (ro != ri) {
        const po = plane + <usize>ro * <usize>w + <usize>c0, pi = plane + <usize>ri * <usize>w + <usize>c0;
        for (let c = 0; c < nc; c++) {
          const vo = <usize>load<u8>(po + <usize>c), vi = <usize>load<u8>(pi + <usize>c);
          const fb = cf + (<usize>c << 9), cb = cc + (<usize>c << 5);
          store<u16>(fb + (vo << 1), load<u16>(fb + (vo << 1)) - 1);
          store<u16>(fb + (vi << 1), load<u16>(fb + (vi << 1)) + 1);
          store<u16>(cb + ((vo >> 4) << 1), load<u16>(cb + ((vo >> 4) << 1)) - 1);
          store<u16>(cb + ((vi >> 4) << 1), load<u16>(cb + ((vi >> 4) << 1)) + 1);
        }
      }
    }
    // the window's coarse histogram at x0
    let klo = ZERO, khi = ZERO;
    for (let dx = -r; dx <= r; dx++) {
      const cb = cc + (col(x0 + dx, c0, w) << 5);
      klo = i16x8.add(klo, v128.load(cb));
      khi = i16x8.add(khi, v128.load(cb, 16));
    }
    for (let b = 0; b < 16; b++) store<i32>(lastX + (<usize>b << 2), i32.MIN_VALUE);
    const d = out + <usize>y * (<usize>w << 2);
    for (let x = x0; x < x1; x++) {
      const b = firstAbove(klo, khi, t, k, sc);
      const below = <i32>load<u16>(sc + (<usize>b << 1)); // count in bins before b
      const seg = kf + (<usize>b << 5);
      const fo = cf + (<usize>b << 5); // the segment inside column 0's fine histogram
      const lx = load<i32>(lastX + (<usize>b << 2));
      let slo: v128, shi: v128;
      if (lx == i32.MIN_VALUE || (x - lx) * 2 > n) {
        slo = ZERO;
        shi = ZERO;
        for (let dx = -r; dx <= r; dx++) {
          const f = fo + (col(x + dx, c0, w) << 9);
          slo = i16x8.add(slo, v128.load(f));
          shi = i16x8.add(shi, v128.load(f, 16));
        }
      } else {
        slo = v128.load(seg);
        shi = v128.load(seg, 16);
        for (let xx = lx + 1; xx <= x; xx++) {
          const fa = fo + (col(xx + r, c0, w) << 9);
          const fs = fo + (col(xx - 1 - r, c0, w) << 9);
          slo = i16x8.sub(i16x8.add(slo, v128.load(fa)), v128.load(fs));
          shi = i16x8.sub(i16x8.add(shi, v128.load(fa, 16)), v128.load(fs, 16));
        }
      }
      v128.store(seg, slo);
      v128.store(seg, shi, 16);
      store<i32>(lastX + (<usize>b << 2), x);
      const i = firstAbove(slo, shi, i16x8.splat(<i16>(target - below)), k, sc);
      store<u8>(d + (<usize>x << 2), (b << 4) + i);
      // slide the coarse window one column right
      const ca = cc + (col(x + 1 + r, c0, w) << 5), cs = cc + (col(x - r, c0, w) << 5);
      klo = i16x8.sub(i16x8.add(klo, v128.load(ca)), v128.load(cs));
      khi = i16x8.sub(i16x8.add(khi, v128.load(ca, 16)), v128.load(cs, 16));
    }
  }
}

// ---- radius 1: sorted columns ----
//
// The median of a 3×3 window is med3(max of the column minima, median of the column medians,
// min of the column maxima) once each column of three is sorted. Bytewise min/max on 16 bytes
// handles four RGBA pixels, all channels, per instruction; rows are sorted once and shared by
// the three windows that overlap each column.

let small: usize = 0; // 3 padded source rows, then the sorted lo / mid / hi rows
let smallStride: usize = 0;
let smallNext: i32 = 0;

export function medianSmallSetup(w: i32, h: i32, s: usize, d: usize, scratch: usize): void {
  W = w;
  H = h;
  src = s;
  dst = d;
  small = scratch;
  smallStride = <usize>((w + 2 + 4) & ~3) << 2;
  smallNext = 0;
}

@inline function smallRow(y: i32): usize {
  return small + <usize>(y % 3) * smallStride;
}

/** Row y with one extended pixel each side, into its ring slot. */
function smallCopy(y: i32): void {
  const n = W;
  const s = src + <usize>y * (<usize>n << 2);
  const row = smallRow(y);
  memory.copy(row + 4, s, <usize>n << 2);
  store<u32>(row, load<u32>(s));
  store<u32>(row + 4 + (<usize>n << 2), load<u32>(s + (<usize>(n - 1) << 2)));
}

@inline function med3(a: v128, b: v128, c: v128): v128 {
  return i8x16.max_u(i8x16.min_u(a, b), i8x16.min_u(i8x16.max_u(a, b), c));
}

export function medianSmall(y0: i32, y1: i32): void {
  const n = W, h = H;
  const bytes = <usize>(n + 2) << 2;
  const lo = small + 3 * smallStride, mid = lo + smallStride, hi = mid + smallStride;
  for (let y = y0; y < y1; y++) {
    const need = min(h - 1, y + 1);
    while (smallNext <= need) smallCopy(smallNext++);
    const u = smallRow(max(0, y - 1)), m = smallRow(y), dn = smallRow(min(h - 1, y + 1));
    for (let o: usize = 0; o < bytes; o += 16) {
      const a = v128.load(u + o), b = v128.load(m + o), c = v128.load(dn + o);
      const l1 = i8x16.min_u(a, b), h1 = i8x16.max_u(a, b);
      v128.store(lo + o, i8x16.min_u(l1, c));
      const h2 = i8x16.max_u(l1, c);
      v128.store(mid + o, i8x16.min_u(h1, h2));
      v128.store(hi + o, i8x16.max_u(h1, h2));
    }
    // four pixels per step; the last step may spill up to three pixels into the next row, which
    // is written after this one (and the arena leaves slack after the last)
    const d = dst + <usize>y * (<usize>n << 2);
    for (let o: usize = 0; o < <usize>n << 2; o += 16) {
      const a = i8x16.max_u(i8x16.max_u(v128.load(lo + o), v128.load(lo + o, 4)), v128.load(lo + o, 8));
      const b = med3(v128.load(mid + o), v128.load(mid + o, 4), v128.load(mid + o, 8));
      const c = i8x16.min_u(i8x16.min_u(v128.load(hi + o), v128.load(hi + o, 4)), v128.load(hi + o, 8));
      v128.store(d + o, med3(a, b, c));
    }
  }
}

// ---- radius 2: a selection network ----
//
// The median of a 5×5 window by a fixed network of 99 compare-exchanges (Paeth's, as published by
// Devillard, "Fast median search", 1998; checked by the 0-1 principle over all 2^25 inputs of 0
// and 1 when it was written here, and against brute force in tests/unit/ops/median.test.ts). Bytewise min/max on 16 bytes runs it for four RGBA
// pixels, all four channels, at once; binaryen drops the halves of exchanges whose result is unused.
// Source rows go through a ring of five rows padded with two extended pixels each side.

let ring5: usize = 0;
let ring5Stride: usize = 0;
let ring5Next: i32 = 0;

export function median5Setup(w: i32, h: i32, s: usize, d: usize, scratch: usize): void {
  W = w;
  H = h;
  src = s;
  dst = d;
  ring5 = scratch;
  // two pixels of padding each side, plus room for the last step's loads 12 bytes past the padding
  ring5Stride = <usize>((w + 8 + 3) & ~3) << 2;
  ring5Next = 0;
}

/** Bytes of scratch median5Setup needs for a w-pixel-wide image. */
export function median5Scratch(w: i32): usize {
  return 5 * (<usize>((w + 8 + 3) & ~3) << 2) + 64;
}

@inline function ring5Row(y: i32): usize {
  return ring5 + <usize>(y % 5) * ring5Stride;
}

/** Row y with two extended pixels each side, into its ring slot. */
function ring5Copy(y: i32): void {
  const n = W;
  const s = src + <usize>y * (<usize>n << 2);
  const row = ring5Row(y);
  memory.copy(row + 8, s, <usize>n << 2);
  const first = load<u32>(s), last = load<u32>(s + (<usize>(n - 1) << 2));
  store<u32>(row, first);
  store<u32>(row, first, 4);
  store<u32>(row + 8 + (<usize>n << 2), last);
  store<u32>(row + 8 + (<usize>n << 2), last, 4);
}

/** Output rows y0..y1-1; bands must come in order from row 0 (the ring is filled as they go). */
export function median5(y0: i32, y1: i32): void {
  const n = W, h = H;
  for (let y = y0; y < y1; y++) {
    const need = min(h - 1, y + 2);
    while (ring5Next <= need) ring5Copy(ring5Next++);
    const r0 = ring5Row(max(0, y - 2)), r1 = ring5Row(max(0, y - 1)), r2 = ring5Row(y);
    const r3 = ring5Row(min(h - 1, y + 1)), r4 = ring5Row(min(h - 1, y + 2));
    // four pixels per step; the last step may spill up to three pixels into the next row, which
    // is written after this one (and the arena leaves slack after the last)
    const d = dst + <usize>y * (<usize>n << 2);
    for (let o: usize = 0; o < <usize>n << 2; o += 16) {
      v128.store(d + o, med25(r0 + o, r1 + o, r2 + o, r3 + o, r4 + o));
    }
  }
}

@inline function med25(r0: usize, r1: usize, r2: usize, r3: usize, r4: usize): v128 {
  let p0 = v128.load(r0), p1 = v128.load(r0, 4), p2 = v128.load(r0, 8), p3 = v128.load(r0, 12), p4 = v128.load(r0, 16);
  let p5 = v128.load(r1), p6 = v128.load(r1, 4), p7 = v128.load(r1, 8), p8 = v128.load(r1, 12), p9 = v128.load(r1, 16);
  let p10 = v128.load(r2), p11 = v128.load(r2, 4), p12 = v128.load(r2, 8), p13 = v128.load(r2, 12), p14 = v128.load(r2, 16);
  let p15 = v128.load(r3), p16 = v128.load(r3, 4), p17 = v128.load(r3, 8), p18 = v128.load(r3, 12), p19 = v128.load(r3, 16);
  let p20 = v128.load(r4), p21 = v128.load(r4, 4), p22 = v128.load(r4, 8), p23 = v128.load(r4, 12), p24 = v128.load(r4, 16);
  let t: v128;
  t = i8x16.min_u(p0, p1); p1 = i8x16.max_u(p0, p1); p0 = t;
  t = i8x16.min_u(p3, p4); p4 = i8x16.max_u(p3, p4); p3 = t;
  t = i8x16.min_u(p2, p4); p4 = i8x16.max_u(p2, p4); p2 = t;
  t = i8x16.min_u(p2, p3); p3 = i8x16.max_u(p2, p3); p2 = t;
  t = i8x16.min_u(p6, p7); p7 = i8x16.max_u(p6, p7); p6 = t;
  t = i8x16.min_u(p5, p7); p7 = i8x16.max_u(p5, p7); p5 = t;
  t = i8x16.min_u(p5, p6); p6 = i8x16.max_u(p5, p6); p5 = t;
  t = i8x16.min_u(p9, p10); p10 = i8x16.max_u(p9, p10); p9 = t;
  t = i8x16.min_u(p8, p10); p10 = i8x16.max_u(p8, p10); p8 = t;
  t = i8x16.min_u(p8, p9); p9 = i8x16.max_u(p8, p9); p8 = t;
  t = i8x16.min_u(p12, p13); p13 = i8x16.max_u(p12, p13); p12 = t;
  t = i8x16.min_u(p11, p13); p13 = i8x16.max_u(p11, p13); p11 = t;
  t = i8x16.min_u(p11, p12); p12 = i8x16.max_u(p11, p12); p11 = t;
  t = i8x16.min_u(p15, p16); p16 = i8x16.max_u(p15, p16); p15 = t;
  t = i8x16.min_u(p14, p16); p16 = i8x16.max_u(p14, p16); p14 = t;
  t = i8x16.min_u(p14, p15); p15 = i8x16.max_u(p14, p15); p14 = t;
  t = i8x16.min_u(p18, p19); p19 = i8x16.max_u(p18, p19); p18 = t;
  t = i8x16.min_u(p17, p19); p19 = i8x16.max_u(p17, p19); p17 = t;
  t = i8x16.min_u(p17, p18); p18 = i8x16.max_u(p17, p18); p17 = t;
  t = i8x16.min_u(p21, p22); p22 = i8x16.max_u(p21, p22); p21 = t;
  t = i8x16.min_u(p20, p22); p22 = i8x16.max_u(p20, p22); p20 = t;
  t = i8x16.min_u(p20, p21); p21 = i8x16.max_u(p20, p21); p20 = t;
  t = i8x16.min_u(p23, p24); p24 = i8x16.max_u(p23, p24); p23 = t;
  t = i8x16.min_u(p2, p5); p5 = i8x16.max_u(p2, p5); p2 = t;
  t = i8x16.min_u(p3, p6); p6 = i8x16.max_u(p3, p6); p3 = t;
  t = i8x16.min_u(p0, p6); p6 = i8x16.max_u(p0, p6); p0 = t;
  t = i8x16.min_u(p0, p3); p3 = i8x16.max_u(p0, p3); p0 = t;
  t = i8x16.min_u(p4, p7); p7 = i8x16.max_u(p4, p7); p4 = t;
  t = i8x16.min_u(p1, p7); p7 = i8x16.max_u(p1, p7); p1 = t;
  t = i8x16.min_u(p1, p4); p4 = i8x16.max_u(p1, p4); p1 = t;
  t = i8x16.min_u(p11, p14); p14 = i8x16.max_u(p11, p14); p11 = t;
  t = i8x16.min_u(p8, p14); p14 = i8x16.max_u(p8, p14); p8 = t;
  t = i8x16.min_u(p8, p11); p11 = i8x16.max_u(p8, p11); p8 = t;
  t = i8x16.min_u(p12, p15); p15 = i8x16.max_u(p12, p15); p12 = t;
  t = i8x16.min_u(p9, p15); p15 = i8x16.max_u(p9, p15); p9 = t;
  t = i8x16.min_u(p9, p12); p12 = i8x16.max_u(p9, p12); p9 = t;
  t = i8x16.min_u(p13, p16); p16 = i8x16.max_u(p13, p16); p13 = t;
  t = i8x16.min_u(p10, p16); p16 = i8x16.max_u(p10, p16); p10 = t;
  t = i8x16.min_u(p10, p13); p13 = i8x16.max_u(p10, p13); p10 = t;
  t = i8x16.min_u(p20, p23); p23 = i8x16.max_u(p20, p23); p20 = t;
  t = i8x16.min_u(p17, p23); p23 = i8x16.max_u(p17, p23); p17 = t;
  t = i8x16.min_u(p17, p20); p20 = i8x16.max_u(p17, p20); p17 = t;
  t = i8x16.min_u(p21, p24); p24 = i8x16.max_u(p21, p24); p21 = t;
  t = i8x16.min_u(p18, p24); p24 = i8x16.max_u(p18, p24); p18 = t;
  t = i8x16.min_u(p18, p21); p21 = i8x16.max_u(p18, p21); p18 = t;
  t = i8x16.min_u(p19, p22); p22 = i8x16.max_u(p19, p22); p19 = t;
  t = i8x16.min_u(p8, p17); p17 = i8x16.max_u(p8, p17); p8 = t;
  t = i8x16.min_u(p9, p18); p18 = i8x16.max_u(p9, p18); p9 = t;
  t = i8x16.min_u(p0, p18); p18 = i8x16.max_u(p0, p18); p0 = t;
  t = i8x16.min_u(p0, p9); p9 = i8x16.max_u(p0, p9); p0 = t;
  t = i8x16.min_u(p10, p19); p19 = i8x16.max_u(p10, p19); p10 = t;
  t = i8x16.min_u(p1, p19); p19 = i8x16.max_u(p1, p19); p1 = t;
  t = i8x16.min_u(p1, p10); p10 = i8x16.max_u(p1, p10); p1 = t;
  t = i8x16.min_u(p11, p20); p20 = i8x16.max_u(p11, p20); p11 = t;
  t = i8x16.min_u(p2, p20); p20 = i8x16.max_u(p2, p20); p2 = t;
  t = i8x16.min_u(p2, p11); p11 = i8x16.max_u(p2, p11); p2 = t;
  t = i8x16.min_u(p12, p21); p21 = i8x16.max_u(p12, p21); p12 = t;
  t = i8x16.min_u(p3, p21); p21 = i8x16.max_u(p3, p21); p3 = t;
  t = i8x16.min_u(p3, p12); p12 = i8x16.max_u(p3, p12); p3 = t;
  t = i8x16.min_u(p13, p22); p22 = i8x16.max_u(p13, p22); p13 = t;
  t = i8x16.min_u(p4, p22); p22 = i8x16.max_u(p4, p22); p4 = t;
  t = i8x16.min_u(p4, p13); p13 = i8x16.max_u(p4, p13); p4 = t;
  t = i8x16.min_u(p14, p23); p23 = i8x16.max_u(p14, p23); p14 = t;
  t = i8x16.min_u(p5, p23); p23 = i8x16.max_u(p5, p23); p5 = t;
  t = i8x16.min_u(p5, p14); p14 = i8x16.max_u(p5, p14); p5 = t;
  t = i8x16.min_u(p15, p24); p24 = i8x16.max_u(p15, p24); p15 = t;
  t = i8x16.min_u(p6, p24); p24 = i8x16.max_u(p6, p24); p6 = t;
  t = i8x16.min_u(p6, p15); p15 = i8x16.max_u(p6, p15); p6 = t;
  t = i8x16.min_u(p7, p16); p16 = i8x16.max_u(p7, p16); p7 = t;
  t = i8x16.min_u(p7, p19); p19 = i8x16.max_u(p7, p19); p7 = t;
  t = i8x16.min_u(p13, p21); p21 = i8x16.max_u(p13, p21); p13 = t;
  t = i8x16.min_u(p15, p23); p23 = i8x16.max_u(p15, p23); p15 = t;
  t = i8x16.min_u(p7, p13); p13 = i8x16.max_u(p7, p13); p7 = t;
  t = i8x16.min_u(p7, p15); p15 = i8x16.max_u(p7, p15); p7 = t;
  t = i8x16.min_u(p1, p9); p9 = i8x16.max_u(p1, p9); p1 = t;
  t = i8x16.min_u(p3, p11); p11 = i8x16.max_u(p3, p11); p3 = t;
  t = i8x16.min_u(p5, p17); p17 = i8x16.max_u(p5, p17); p5 = t;
  t = i8x16.min_u(p11, p17); p17 = i8x16.max_u(p11, p17); p11 = t;
  t = i8x16.min_u(p9, p17); p17 = i8x16.max_u(p9, p17); p9 = t;
  t = i8x16.min_u(p4, p10); p10 = i8x16.max_u(p4, p10); p4 = t;
  t = i8x16.min_u(p6, p12); p12 = i8x16.max_u(p6, p12); p6 = t;
  t = i8x16.min_u(p7, p14); p14 = i8x16.max_u(p7, p14); p7 = t;
  t = i8x16.min_u(p4, p6); p6 = i8x16.max_u(p4, p6); p4 = t;
  t = i8x16.min_u(p4, p7); p7 = i8x16.max_u(p4, p7); p4 = t;
  t = i8x16.min_u(p12, p14); p14 = i8x16.max_u(p12, p14); p12 = t;
  t = i8x16.min_u(p10, p14); p14 = i8x16.max_u(p10, p14); p10 = t;
  t = i8x16.min_u(p6, p7); p7 = i8x16.max_u(p6, p7); p6 = t;
  t = i8x16.min_u(p10, p12); p12 = i8x16.max_u(p10, p12); p10 = t;
  t = i8x16.min_u(p6, p10); p10 = i8x16.max_u(p6, p10); p6 = t;
  t = i8x16.min_u(p6, p17); p17 = i8x16.max_u(p6, p17); p6 = t;
  t = i8x16.min_u(p12, p17); p17 = i8x16.max_u(p12, p17); p12 = t;
  t = i8x16.min_u(p7, p17); p17 = i8x16.max_u(p7, p17); p7 = t;
  t = i8x16.min_u(p7, p10); p10 = i8x16.max_u(p7, p10); p7 = t;
  t = i8x16.min_u(p12, p18); p18 = i8x16.max_u(p12, p18); p12 = t;
  t = i8x16.min_u(p7, p12); p12 = i8x16.max_u(p7, p12); p7 = t;
  t = i8x16.min_u(p10, p18); p18 = i8x16.max_u(p10, p18); p10 = t;
  t = i8x16.min_u(p12, p20); p20 = i8x16.max_u(p12, p20); p12 = t;
  t = i8x16.min_u(p10, p20); p20 = i8x16.max_u(p10, p20); p10 = t;
  t = i8x16.min_u(p10, p12); p12 = i8x16.max_u(p10, p12); p10 = t;
  return p12;
}

// ---- radius 3 to 6: sorting networks on sorted rows ----
//
// The windows' median by fixed networks of bytewise min/max (median-networks.ts, generated by
// scripts/median-networks.mjs): each row of a channel plane is sorted across, 16 positions at a
// time (the k values x − r..x + r of each, in k vectors), and a tile of TILE output rows takes the
// medians of its windows from those sorted rows, merging the rows its windows share once. A column
// of 16 channel bytes walks down the image keeping its sorted rows in a ring of TILE + 2r slots, so
// each row is sorted once. A tile also shares merges with the tile above it (rows both tiles'
// windows hold): the first tile of a column runs whole and hands those on (its carry, 28–130
// vectors), and each tile below runs from the carry of the one above, 10–21 % fewer min/max.
// Planes are padded: r bytes each side, repeated edge bytes, and whole blocks of 16 columns; the
// medians go to planes of their own and are interleaved at the end (16 single-byte stores a vector
// cost more than the shuffles). Memory: about three times the image (the input, its planes, the
// medians' planes) against twice for the histograms. At 12 MP in Chromium, one thread: radius 3
// ~140 ms, 5 ~260 ms (~200 ms with the carry), 6 ~380 ms against ~930–1000 ms for the histograms at
// any radius. Radius 7 measured 1.4× faster than the histograms for 40 kB more code, and is left to
// them.

import {
  MEDIAN_TILE as TILE,
  MEDIAN_CARRY_BYTES as CARRY,
  medianSortRow7, medianTileFirst7, medianTileNext7,
  medianSortRow9, medianTileFirst9, medianTileNext9,
  medianSortRow11, medianTileFirst11, medianTileNext11,
  medianSortRow13, medianTileFirst13, medianTileNext13,
} from './median-networks';
export { medianNetHas } from './median-networks';
let netStride: usize = 0; // bytes per padded plane row
let netRing: usize = 0; // (TILE + 2r) slots of k vectors
let netTable: usize = 0; // TILE + 2r row addresses for a tile
let netOut: usize = 0; // TILE vectors of medians
let netCarry: usize = 0; // what a tile hands on to the tile below it
let netPlanes: usize = 0; // the medians: 4 planes of h × netOutStride bytes
let netOutStride: usize = 0;

/** Bytes per padded plane row for a w-wide image and radius r. */
export function medianNetStride(w: i32, r: i32): usize {
  return <usize>(((w + 15) & ~15) + 2 * r + 16);
}

/** Bytes of scratch medianNetSetup needs after the planes, for radius r. */
export function medianNetScratch(r: i32): usize {
  const k = 2 * r + 1, slots = TILE + 2 * r;
  return <usize>(slots * k * 16 + slots * 4 + TILE * 16 + CARRY + 64);
}

/** Bytes of the planes of medians for a w × h image. */
export function medianNetOutBytes(w: i32, h: i32): usize {
  return 4 * <usize>((w + 15) & ~15) * <usize>h + 64;
}

/**
 * `pl`: 4 padded planes of h × medianNetStride(w, r) bytes; `outPl`: medianNetOutBytes(w, h);
 * `scratch`: medianNetScratch(r) bytes.
 */
export function medianNetSetup(w: i32, h: i32, s: usize, d: usize, r: i32, pl: usize, outPl: usize, scratch: usize): void {
  setImage(w, h, s, d, r, pl);
  netStride = medianNetStride(w, r);
  netPlanes = outPl;
  netOutStride = <usize>((w + 15) & ~15);
  const k = 2 * r + 1, slots = TILE + 2 * r;
  netRing = (scratch + 15) & ~15;
  netTable = netRing + <usize>(slots * k * 16);
  netOut = netTable + <usize>(slots * 4);
  netOut = (netOut + 15) & ~15;
  netCarry = netOut + <usize>(TILE * 16);
}

/** Rows y0..y1-1 of the interleaved image into the four padded planes. */
export function medianNetDeinterleave(y0: i32, y1: i32): void {
  const w = W, r = <usize>R, stride = netStride, plane = stride * <usize>H;
  for (let y = y0; y < y1; y++) {
    const row = planes + <usize>y * stride + r;
    splitRow(src + <usize>y * (<usize>w << 2), row, plane, w);
    // edges repeated: r bytes before, and after up to the padded width
    for (let c: usize = 0; c < 4; c++) {
      const base = row + c * plane;
      const first = load<u8>(base), last = load<u8>(base + <usize>(w - 1));
      for (let i: usize = 1; i <= r; i++) store<u8>(base - i, first);
      for (let x = <usize>w; x < stride - r; x++) store<u8>(base + x, last);
    }
  }
}

@inline function netSort(k: i32, s: usize, d: usize): void {
  if (k == 7) medianSortRow7(s, d);
  else if (k == 9) medianSortRow9(s, d);
  else if (k == 11) medianSortRow11(s, d);
  else medianSortRow13(s, d);
}

/** A column's first tile whole, then each tile below from the carry of the one above. */
@inline function netTile(k: i32, first: bool): void {
  if (first) {
    if (k == 7) medianTileFirst7(netTable, netOut, netCarry);
    else if (k == 9) medianTileFirst9(netTable, netOut, netCarry);
    else if (k == 11) medianTileFirst11(netTable, netOut, netCarry);
    else medianTileFirst13(netTable, netOut, netCarry);
  } else {
    if (k == 7) medianTileNext7(netTable, netOut, netCarry);
    else if (k == 9) medianTileNext9(netTable, netOut, netCarry);
    else if (k == 11) medianTileNext11(netTable, netOut, netCarry);
    else medianTileNext13(netTable, netOut, netCarry);
  }
}

/** Channel ch (0..3), blocks b0..b1-1 of 16 columns, every row. */
export function medianNet(ch: i32, b0: i32, b1: i32): void {
  const h = H, r = R, k = 2 * r + 1, slots = TILE + 2 * r, stride = netStride;
  const plane = planes + <usize>ch * stride * <usize>h;
  const ring = netRing, table = netTable, out = netOut, slotBytes = <usize>(k * 16);
  const ostride = netOutStride, outPlane = netPlanes + <usize>ch * ostride * <usize>h;
  for (let b = b0; b < b1; b++) {
    const x0 = b << 4;
    const col = plane + <usize>x0; // byte x0 − r of each padded row
    let sorted = 0; // rows sorted so far
    for (let y0 = 0; y0 < h; y0 += TILE) {
      const need = min(h - 1, y0 + TILE - 1 + r);
      for (; sorted <= need; sorted++) netSort(k, col + <usize>sorted * stride, ring + <usize>(sorted % slots) * slotBytes);
      for (let j = 0; j < slots; j++) {
        const y = min(h - 1, max(0, y0 - r + j));
        store<u32>(table + (<usize>j << 2), <u32>(ring + <usize>(y % slots) * slotBytes));
      }
      netTile(k, y0 == 0);
      const rows = min(TILE, h - y0);
      const o = outPlane + <usize>y0 * ostride + <usize>x0;
      for (let t = 0; t < rows; t++) v128.store(o + <usize>t * ostride, v128.load(out + (<usize>t << 4)));
    }
  }
}

/**
 * Rows y0..y1-1 of the medians back into the interleaved image: 16 pixels at a time, eight byte
 * shuffles. With `channels` 3 the alpha bytes come from the input (an opaque image's, all 255).
 */
export function medianNetInterleave(y0: i32, y1: i32, channels: i32): void {
  const w = W, os = netOutStride, op = os * <usize>H;
  const alpha = channels == 4 ? netPlanes + 3 * op : planes + 3 * netStride * <usize>H + <usize>R;
  const as = channels == 4 ? os : netStride;
  for (let y = y0; y < y1; y++) {
    const d = dst + <usize>y * (<usize>w << 2);
    const p = netPlanes + <usize>y * os, a = alpha + <usize>y * as;
    let x = 0;
    for (; x + 16 <= w; x += 16) {
      const R = v128.load(p + <usize>x), G = v128.load(p + op + <usize>x), B = v128.load(p + 2 * op + <usize>x), A = v128.load(a + <usize>x);
      const rg0 = i8x16.shuffle(R, G, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
      const ba0 = i8x16.shuffle(B, A, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
      const rg1 = i8x16.shuffle(R, G, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
      const ba1 = i8x16.shuffle(B, A, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
      const q = d + (<usize>x << 2);
      v128.store(q, i8x16.shuffle(rg0, ba0, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23));
      v128.store(q, i8x16.shuffle(rg0, ba0, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31), 16);
      v128.store(q, i8x16.shuffle(rg1, ba1, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23), 32);
      v128.store(q, i8x16.shuffle(rg1, ba1, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31), 48);
    }
    for (; x < w; x++) {
      const i = <usize>x;
      store<u32>(d + (i << 2), <u32>load<u8>(p + i) | (<u32>load<u8>(p + op + i) << 8) | (<u32>load<u8>(p + 2 * op + i) << 16) | (<u32>load<u8>(a + i) << 24));
    }
  }
}
