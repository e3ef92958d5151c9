// Pixel conversions shared by the kernels. A pixel is four bytes (RGBA, straight alpha) in memory
// and one f32x4 in registers, so every channel of a pixel moves through the same SIMD lanes.

export const HALF: v128 = f32x4.splat(0.5);
const INV255: v128 = f32x4.splat(<f32>(1.0 / 255.0));
const ONE_ALPHA: v128 = f32x4(0, 0, 0, 1);
const K255: v128 = f32x4.splat(255);

/**
 * Four bytes at `p` as f32x4. Reads 8 bytes: callers keep 4 bytes of slack after buffers.
 * (Signed conversions throughout: x86 has no unsigned one, and V8 emulates it in 7 instructions.)
 */
@inline export function loadPx(p: usize): v128 {
  return f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_u(v128.load8x8_u(p)));
}

/** Multiplies colour by alpha/255 (alpha lane unchanged): blurs mix premultiplied colour. */
@inline export function premultiply(v: v128): v128 {
  const a = f32x4.mul(i32x4.shuffle(v, v, 3, 3, 3, 3), INV255);
  return f32x4.mul(v, f32x4.replace_lane(a, 3, 1.0));
}

@inline export function loadPremul(p: usize, premul: bool): v128 {
  const v = loadPx(p);
  return premul ? premultiply(v) : v;
}

/** Rounds to nearest and saturates to 0..255; writes 4 bytes. */
@inline export function storePx(p: usize, v: v128): void {
  const i = i32x4.trunc_sat_f32x4_s(f32x4.add(v, HALF));
  const s = i16x8.narrow_i32x4_s(i, i);
  v128.store32_lane(p, i8x16.narrow_i16x8_u(s, s), 0);
}

/**
 * Back to straight alpha: colour × 255 / alpha, with alpha rounded as stored. A pixel whose
 * alpha rounds to 0 becomes transparent black, so no colour is invented from almost nothing.
 */
@inline export function unpremultiply(v: v128): v128 {
  const a = i32x4.shuffle(v, v, 3, 3, 3, 3);
  const k = f32x4.div(K255, a);
  const c = f32x4.mul(v, v128.bitselect(ONE_ALPHA, k, ONE_ALPHA_MASK));
  return v128.and(c, f32x4.ge(a, HALF));
}
const ONE_ALPHA_MASK: v128 = i32x4(0, 0, 0, -1);

@inline export function storeUnpremul(p: usize, v: v128, premul: bool): void {
  storePx(p, premul ? unpremultiply(v) : v);
}

/** Clamps an index into 0..n-1: edges extend. */
@inline export function clampi(i: i32, n: i32): i32 {
  return i < 0 ? 0 : i >= n ? n - 1 : i;
}
