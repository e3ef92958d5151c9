// Hue / saturation / lightness, two pixels per f64x2 step, branch-free but for a rare case. Every
// value is the one the op's former JS loop computed, by the same double-precision operations in
// the same order (IEEE-754 results do not depend on the engine), with branches computed both ways
// and selected by mask, so the bytes are identical: see src/ops/hue-saturation and
// tests/unit/ops/hue-saturation.test.ts. Pixels are 32-bit (little-endian 0xAABBGGRR).
//
// What depends only on the largest and smallest channel (M, m) is computed once per call by
// hueSaturationSetup into a table of 32 896 entries (M ≥ m; for a small image, only the entries its
// pixels use, by hueSaturationEntries): lightness and saturation, both adjusted, the HSL → RGB ramp
// ends p and q, and the bytes p and q round to. Per pixel remain the hue (two divisions) and the
// three channels. The three channels sample the ramp a third of a turn apart, so at most one of them
// lands on a slope (the others are at q or p, whose bytes the table holds): one slope value is
// computed a pixel, not three. Only where rounding puts two channels on slopes at once (hues within
// an ulp of a sextant's edge) are all three computed.

// v128.bitselect(a, b, mask): a where the mask is set, else b
@inline function sel(mask: v128, a: v128, b: v128): v128 {
  return v128.bitselect(a, b, mask);
}

/**
 * Math.round(v * 255) stored into a Uint8ClampedArray: ⌊x⌋ + (x − ⌊x⌋ ≥ ½) (x − ⌊x⌋ is exact; x + ½
 * would round up just below ½), clamped to 0..255. The whole number sits in the low 32 bits of each
 * 64-bit lane.
 */
@inline function round8(v: v128): v128 {
  const x = f64x2.mul(v, f64x2.splat(255));
  const f = f64x2.floor(x);
  let r = f64x2.add(f, v128.and(f64x2.ge(f64x2.sub(x, f), f64x2.splat(0.5)), f64x2.splat(1)));
  // clamp (pmin/pmax are single instructions; no lane is NaN for finite parameters), then the
  // whole number sits in the low bits of r + 2⁵²
  r = f64x2.pmin(f64x2.pmax(r, f64x2.splat(0)), f64x2.splat(255));
  return f64x2.add(r, f64x2.splat(4503599627370496));
}

/** The same for one value (the table's p and q bytes). */
function round8s(v: f64): u32 {
  const x = v * 255;
  const f = Math.floor(x);
  let r = f + (x - f >= 0.5 ? 1 : 0);
  r = Math.min(Math.max(r, 0), 255);
  return <u32>r;
}

/**
 * The byte of the HSL ramp's slopes at t (wrapped into 0..1), for the ramp from p to p + qp and
 * qp6 = qp · 6: hueChannel(p, q, t) of the JS where t < 1/6 (rising) or 1/2 ≤ t < 2/3 (falling).
 */
@inline function slope(p: v128, qp: v128, qp6: v128, t: v128): v128 {
  const rise = f64x2.add(p, f64x2.mul(qp6, t));
  const fall = f64x2.add(p, f64x2.mul(f64x2.mul(qp, f64x2.sub(f64x2.splat(2.0 / 3.0), t)), f64x2.splat(6)));
  return round8(sel(f64x2.lt(t, f64x2.splat(1.0 / 6.0)), rise, fall));
}

// Table layout: 256 f64 levels i / 255, then 32-byte entries [p, q − p, chroma, bytes] at
// M·(M + 1)/2 + m, where bytes is round(p · 255) | round(q · 255) << 32.
const LEVELS: usize = 256 * 8;

/**
 * Fills the table at `tab` (LEVELS + 32 896 × 32 bytes) for `satScale` = 1 + saturation / 100 and
 * `light` = lightness / 100: its levels, and with `all` every (M, m) entry. Without `all`, for a
 * small image (the caller's threshold: half as many pixels as the table has entries),
 * hueSaturationEntries fills only the entries its pixels use (a whole table costs ~1 ms, most of a
 * small step's round trip).
 */
export function hueSaturationSetup(tab: usize, satScale: f64, light: f64, all: bool): void {
  for (let i = 0; i < 256; i++) store<f64>(tab + (<usize>i << 3), <f64>i / 255);
  if (!all) return;
  let e = tab + LEVELS;
  for (let M = 0; M < 256; M++) {
    for (let m = 0; m <= M; m++, e += 32) entry(e, M, m, satScale, light);
  }
}

/** The (M, m) entries of the `pixels` pixels at s, for hueSaturation on them (see hueSaturationSetup). */
export function hueSaturationEntries(s: usize, pixels: i32, tab: usize, satScale: f64, light: f64): void {
  const end = s + (<usize>pixels << 2);
  for (let p = s; p < end; p += 4) {
    const v = load<u32>(p);
    const r = v & 255, g = (v >> 8) & 255, b = (v >> 16) & 255;
    const M = max(r, max(g, b)), m = min(r, min(g, b));
    entry(tab + LEVELS + ((<usize>(M * (M + 1)) >> 1) + m << 5), M, m, satScale, light);
  }
}

/**
 * One 32-byte entry at e for the largest and smallest channel M ≥ m. A grey result (saturation 0
 * after scaling, or no chroma) is stored as p = q = lightness, which every piece of the ramp
 * returns unchanged (q − p = 0), and a grey's chroma as 1 so that its hue stays finite (it is not
 * used).
 */
@inline function entry(e: usize, M: u32, m: u32, satScale: f64, light: f64): void {
  const max = <f64>M / 255;
  const min = <f64>m / 255;
  let l = (max + min) / 2;
  const chroma = max - min;
  let sat: f64 = 0;
  if (chroma > 0) {
    sat = l > 0.5 ? chroma / (2 - max - min) : chroma / (max + min);
    sat *= satScale;
    if (sat > 1) sat = 1;
  }
  l = light < 0 ? l * (1 + light) : l + (1 - l) * light;
  let p = l, q = l;
  if (sat != 0) {
    q = l < 0.5 ? l * (1 + sat) : l + sat - l * sat;
    p = 2 * l - q;
  }
  store<f64>(e, p);
  store<f64>(e, q - p, 8);
  store<f64>(e, chroma > 0 ? chroma : 1, 16);
  store<u32>(e, round8s(p), 24);
  store<u32>(e, round8s(q), 28);
}

/**
 * Two pixels: the levels x, y whose difference is the hue's numerator, k the hue's sextant offset,
 * and the (M, m) entries at ea, eb. Returns R | G << 8 | B << 16 in the low 32 bits of each 64-bit
 * lane.
 */
@inline function two(x: v128, y: v128, k: v128, ea: usize, eb: usize, shift: v128): v128 {
  const a0 = v128.load(ea), b0 = v128.load(eb), a1 = v128.load(ea, 16), b1 = v128.load(eb, 16);
  const p = i64x2.shuffle(a0, b0, 0, 2), qp = i64x2.shuffle(a0, b0, 1, 3);
  const chroma = i64x2.shuffle(a1, b1, 0, 2), P = i64x2.shuffle(a1, b1, 1, 3);
  const Q = i64x2.shr_u(P, 32);
  const one = f64x2.splat(1);
  // h = (x − y) / chroma + k; h = h / 6 + shift; if (h >= 1) h -= 1
  let h = f64x2.add(f64x2.div(f64x2.sub(x, y), chroma), k);
  h = f64x2.add(f64x2.div(h, f64x2.splat(6)), shift);
  h = f64x2.sub(h, v128.and(f64x2.ge(h, one), one)); // h − 0 is h
  // The JS wraps each channel's t once into 0..1. h is in [0, 1) (shift is in [0, 1]), so only
  // red's t = h + 1/3 can pass 1 and only blue's t = h − 1/3 can fall below 0.
  const third = f64x2.splat(1.0 / 3.0);
  let tr = f64x2.add(h, third);
  tr = f64x2.sub(tr, v128.and(f64x2.gt(tr, one), one));
  let tb = f64x2.sub(h, third);
  tb = f64x2.add(tb, v128.and(f64x2.lt(tb, f64x2.splat(0)), one));
  // Pieces of the ramp: rising below 1/6, q below 1/2, falling below 2/3, then p.
  const sixth = f64x2.splat(1.0 / 6.0), half = f64x2.splat(0.5), twoThirds = f64x2.splat(2.0 / 3.0);
  const qr = f64x2.lt(tr, half), qg = f64x2.lt(h, half), qb = f64x2.lt(tb, half);
  const sr = v128.or(f64x2.lt(tr, sixth), v128.andnot(f64x2.lt(tr, twoThirds), qr));
  const sg = v128.or(f64x2.lt(h, sixth), v128.andnot(f64x2.lt(h, twoThirds), qg));
  const sb = v128.or(f64x2.lt(tb, sixth), v128.andnot(f64x2.lt(tb, twoThirds), qb));
  const qp6 = f64x2.mul(qp, f64x2.splat(6));
  let vr: v128, vg: v128, vb: v128;
  if (v128.any_true(v128.or(v128.and(sr, sg), v128.and(sb, v128.or(sr, sg))))) {
    vr = slope(p, qp, qp6, tr);
    vg = slope(p, qp, qp6, h);
    vb = slope(p, qp, qp6, tb);
  } else {
    vr = vg = vb = slope(p, qp, qp6, sel(sr, tr, sel(sg, h, tb)));
  }
  const r = sel(sr, vr, sel(qr, Q, P));
  const g = sel(sg, vg, sel(qg, Q, P));
  const b = sel(sb, vb, sel(qb, Q, P));
  // Each lane's low 32 bits hold its byte (the rest is ignored by the caller's shuffle).
  return v128.or(r, v128.or(i32x4.shl(g, 8), i32x4.shl(b, 16)));
}

/**
 * Hue / saturation / lightness on `pixels` pixels from s to d (which may be equal), alpha kept,
 * with the table `tab` from hueSaturationSetup and `shift` the hue turn as a fraction in 0..1.
 * Works four pixels at a time: the last group may read and write up to 3 pixels past the end,
 * which the Arena's 64 bytes of slack after every allocation hold.
 */
export function hueSaturation(s: usize, d: usize, pixels: i32, tab: usize, shift: f64): void {
  const sh = f64x2.splat(shift);
  const byte = i32x4.splat(255), alpha = i32x4.splat(0xff000000);
  const base = i32x4.splat(<i32>tab), entries = i32x4.splat(<i32>(tab + LEVELS));
  const end = <usize>pixels << 2;
  for (let i: usize = 0; i < end; i += 16) {
    const v = v128.load(s + i);
    const R = v128.and(v, byte), G = v128.and(i32x4.shr_u(v, 8), byte), B = v128.and(i32x4.shr_u(v, 16), byte);
    const M = i32x4.max_u(R, i32x4.max_u(G, B)), m = i32x4.min_u(R, i32x4.min_u(G, B));
    // max === r: (g − b, g < b ? 6 : 0); max === g: (b − r, 2); else (r − g, 4)
    const isR = i32x4.eq(R, M), isG = i32x4.eq(G, M);
    const X = i32x4.add(base, i32x4.shl(sel(isR, G, sel(isG, B, R)), 3));
    const Y = i32x4.add(base, i32x4.shl(sel(isR, B, sel(isG, R, G)), 3));
    const K = sel(isR, v128.and(i32x4.lt_u(G, B), i32x4.splat(6)), sel(isG, i32x4.splat(2), i32x4.splat(4)));
    const E = i32x4.add(entries, i32x4.shl(i32x4.add(i32x4.shr_u(i32x4.mul(M, i32x4.add(M, i32x4.splat(1))), 1), m), 5));
    const lo = two(
      v128.load64_lane(<usize>i32x4.extract_lane(X, 1), v128.load64_zero(<usize>i32x4.extract_lane(X, 0)), 1),
      v128.load64_lane(<usize>i32x4.extract_lane(Y, 1), v128.load64_zero(<usize>i32x4.extract_lane(Y, 0)), 1),
      f64x2.convert_low_i32x4_s(K),
      <usize>i32x4.extract_lane(E, 0), <usize>i32x4.extract_lane(E, 1), sh,
    );
    const hi = two(
      v128.load64_lane(<usize>i32x4.extract_lane(X, 3), v128.load64_zero(<usize>i32x4.extract_lane(X, 2)), 1),
      v128.load64_lane(<usize>i32x4.extract_lane(Y, 3), v128.load64_zero(<usize>i32x4.extract_lane(Y, 2)), 1),
      f64x2.convert_low_i32x4_s(i32x4.shuffle(K, K, 2, 3, 2, 3)),
      <usize>i32x4.extract_lane(E, 2), <usize>i32x4.extract_lane(E, 3), sh,
    );
    v128.store(d + i, v128.or(i32x4.shuffle(lo, hi, 0, 2, 4, 6), v128.and(v, alpha)));
  }
}
