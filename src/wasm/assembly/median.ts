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
let planes: usize = 0; // 4 planes of W×H bytes
let colF: usize = 0; // fine column histograms: 256 × u16 per stripe column
let colC: usize = 0; // coarse column histograms: 16 × u16 per stripe column
let kerF: usize = 0; // the window's fine histogram: 256 × u16
let last: usize = 0; // i32 × 16: the x at which each fine segment of kerF was last brought up to date
let scratch: usize = 0; // u16 × 17: a zero, then the coarse prefix sums

/** Stripe width in output columns: column histograms then take about 140 kB. */
export const STRIPE: i32 = 256;

export function medianSetup(w: i32, h: i32, s: usize, d: usize, r: i32, pl: usize, hist: usize): void {
  W = w;
  H = h;
  R = r;
  src = s;
  dst = d;
  planes = pl;
  const cols = <usize>(STRIPE + 2 * r);
  colF = hist;
  colC = colF + cols * 512;
  kerF = colC + cols * 32;
  last = kerF + 512;
  scratch = last + 64;
}

/** Rows y0..y1-1 of the interleaved image into the four planes. */
export function medianDeinterleave(y0: i32, y1: i32): void {
  const n = <usize>W * <usize>H;
  for (let i = <usize>y0 * <usize>W; i < <usize>y1 * <usize>W; i++) {
    const p = load<u32>(src + (i << 2));
    store<u8>(planes + i, p);
    store<u8>(planes + n + i, p >> 8);
    store<u8>(planes + 2 * n + i, p >> 16);
    store<u8>(planes + 3 * n + i, p >> 24);
  }
}

const ZERO: v128 = i32x4.splat(0);

/** Inclusive prefix sums of eight u16 lanes. */
@inline function prefix(v: v128): v128 {
  v = i16x8.add(v, i8x16.shuffle(ZERO, v, 0, 1, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29));
  v = i16x8.add(v, i8x16.shuffle(ZERO, v, 0, 1, 2, 3, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27));
  return i16x8.add(v, i8x16.shuffle(ZERO, v, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23));
}

/** Index of the first of 16 bins (lo, hi) whose running count exceeds t; prefix sums left in scratch. */
@inline function firstAbove(lo: v128, hi: v128, t: v128): i32 {
  const pl = prefix(lo);
  const ph = i16x8.add(prefix(hi), i16x8.splat(i16x8.extract_lane_u(pl, 7)));
  v128.store(scratch, pl, 2);
  v128.store(scratch, ph, 18);
  const m = i16x8.bitmask(i16x8.gt_u(pl, t)) | (i16x8.bitmask(i16x8.gt_u(ph, t)) << 8);
  return ctz(m);
}

@inline function colIndex(c: i32, c0: i32): usize {
  return <usize>((c < 0 ? 0 : c >= W ? W - 1 : c) - c0);
}

/** Channel ch (0..3), output columns x0..x1-1 (x1 - x0 <= STRIPE), every row. */
export function medianStripe(ch: i32, x0: i32, x1: i32): void {
  const r = R, n = 2 * r + 1, w = W, h = H;
  const plane = planes + <usize>ch * <usize>w * <usize>h;
  const c0 = max(0, x0 - r), c1 = min(w - 1, x1 - 1 + r);
  const nc = c1 - c0 + 1;
  const target = (n * n) >> 1; // 0-based rank of the median
  const t = i16x8.splat(<i16>target);
  memory.fill(colF, 0, <usize>nc * 512);
  memory.fill(colC, 0, <usize>nc * 32);
  store<u16>(scratch, 0);
  for (let dy = -r; dy <= r; dy++) {
    const row = plane + <usize>(dy < 0 ? 0 : dy >= h ? h - 1 : dy) * <usize>w;
    for (let c = 0; c < nc; c++) {
      const v = <usize>load<u8>(row + <usize>(c0 + c));
      const f = colF + (<usize>c << 9) + (v << 1);
      store<u16>(f, load<u16>(f) + 1);
      const k = colC + (<usize>c << 5) + ((v >> 4) << 1);
      store<u16>(k, load<u16>(k) + 1);
    }
  }
  for (let y = 0; y < h; y++) {
    if (y > 0) {
      const out = y - 1 - r, inn = y + r;
      const ro = out < 0 ? 0 : out >= h ? h - 1 : out;
      const ri = inn < 0 ? 0 : inn >= h ? h - 1 : inn;
      if (ro != ri) {
        const po = plane + <usize>ro * <usize>w + <usize>c0, pi = plane + <usize>ri * <usize>w + <usize>c0;
        for (let c = 0; c < nc; c++) {
          const vo = <usize>load<u8>(po + <usize>c), vi = <usize>load<u8>(pi + <usize>c);
          const fb = colF + (<usize>c << 9), cb = colC + (<usize>c << 5);
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
      const cb = colC + (colIndex(x0 + dx, c0) << 5);
      klo = i16x8.add(klo, v128.load(cb));
      khi = i16x8.add(khi, v128.load(cb, 16));
    }
    for (let b = 0; b < 16; b++) store<i32>(last + (<usize>b << 2), i32.MIN_VALUE);
    const d = dst + <usize>y * (<usize>w << 2) + <usize>ch;
    for (let x = x0; x < x1; x++) {
      const b = firstAbove(klo, khi, t);
      const below = <i32>load<u16>(scratch + (<usize>b << 1)); // count in bins before b
      const seg = kerF + (<usize>b << 5);
      const fo = <usize>b << 5; // the segment's offset inside a column's fine histogram
      const lx = load<i32>(last + (<usize>b << 2));
      let slo: v128, shi: v128;
      if (lx == i32.MIN_VALUE || (x - lx) * 2 > n) {
        slo = ZERO;
        shi = ZERO;
        for (let dx = -r; dx <= r; dx++) {
          const f = colF + (colIndex(x + dx, c0) << 9) + fo;
          slo = i16x8.add(slo, v128.load(f));
          shi = i16x8.add(shi, v128.load(f, 16));
        }
      } else {
        slo = v128.load(seg);
        shi = v128.load(seg, 16);
        for (let xx = lx + 1; xx <= x; xx++) {
          const fa = colF + (colIndex(xx + r, c0) << 9) + fo;
          const fs = colF + (colIndex(xx - 1 - r, c0) << 9) + fo;
          slo = i16x8.sub(i16x8.add(slo, v128.load(fa)), v128.load(fs));
          shi = i16x8.sub(i16x8.add(shi, v128.load(fa, 16)), v128.load(fs, 16));
        }
      }
      v128.store(seg, slo);
      v128.store(seg, shi, 16);
      store<i32>(last + (<usize>b << 2), x);
      const i = firstAbove(slo, shi, i16x8.splat(<i16>(target - below)));
      store<u8>(d + (<usize>x << 2), (b << 4) + i);
      // slide the coarse window one column right
      const ca = colC + (colIndex(x + 1 + r, c0) << 5), cs = colC + (colIndex(x - r, c0) << 5);
      klo = i16x8.sub(i16x8.add(klo, v128.load(ca)), v128.load(cs));
      khi = i16x8.sub(i16x8.add(khi, v128.load(ca, 16)), v128.load(cs, 16));
    }
  }
}
