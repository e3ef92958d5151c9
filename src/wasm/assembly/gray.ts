// Grayscale, four pixels per step, on 32-bit pixels (little-endian 0xAABBGGRR). src may equal dst.

const BYTE: v128 = i32x4.splat(255);
const GREY: v128 = i32x4.splat(0x010101);
const ALPHA: v128 = i32x4.splat(0xff000000);

/** The low byte of each lane on R, G and B; alpha from `v`. */
@inline function spread(y: v128, v: v128): v128 {
  return v128.or(i32x4.mul(y, GREY), v128.and(v, ALPHA));
}

@inline function weighted(v: v128, wa: v128, wb: v128, wc: v128, wo: v128): v128 {
  const r = v128.and(v, BYTE);
  const g = v128.and(i32x4.shr_u(v, 8), BYTE);
  const b = v128.and(i32x4.shr_u(v, 16), BYTE);
  const sum = i32x4.add(i32x4.add(i32x4.mul(r, wa), i32x4.mul(g, wb)), i32x4.add(i32x4.mul(b, wc), wo));
  return spread(i32x4.shr_u(sum, 23), v);
}

/**
 * Weighted grey (A·R + B·G + C·B + off) >> 23, exact in 32-bit integers: the caller picks the
 * weights so that this equals its formula for every colour (see src/ops/grayscale).
 */
export function grayWeighted(s: usize, d: usize, pixels: i32, a: i32, b: i32, c: i32, off: i32): void {
  const wa = i32x4.splat(a), wb = i32x4.splat(b), wc = i32x4.splat(c), wo = i32x4.splat(off);
  const end = <usize>pixels << 2;
  let i: usize = 0;
  // two vectors per step: measured twice as fast as one in V8
  for (; i + 32 <= end; i += 32) {
    v128.store(d + i, weighted(v128.load(s + i), wa, wb, wc, wo));
    v128.store(d + i, weighted(v128.load(s + i, 16), wa, wb, wc, wo), 16);
  }
  for (; i + 16 <= end; i += 16) v128.store(d + i, weighted(v128.load(s + i), wa, wb, wc, wo));
  for (; i < end; i += 4) {
    const p = load<u32>(s + i);
    const y = (<u32>a * (p & 255) + <u32>b * ((p >> 8) & 255) + <u32>c * ((p >> 16) & 255) + <u32>off) >> 23;
    store<u32>(d + i, y * 0x010101 | (p & 0xff000000));
  }
}

@inline function lightness(v: v128): v128 {
  // byte 0 of each lane: max and min of R, G, B; avgr_u rounds (a + b + 1) >> 1
  const v8 = i32x4.shr_u(v, 8), v16 = i32x4.shr_u(v, 16);
  const hi = i8x16.max_u(v, i8x16.max_u(v8, v16));
  const lo = i8x16.min_u(v, i8x16.min_u(v8, v16));
  return spread(v128.and(i8x16.avgr_u(hi, lo), BYTE), v);
}

/** Lightness: (max + min + 1) >> 1 of R, G and B. */
export function grayLightness(s: usize, d: usize, pixels: i32): void {
  const end = <usize>pixels << 2;
  let i: usize = 0;
  for (; i + 32 <= end; i += 32) {
    v128.store(d + i, lightness(v128.load(s + i)));
    v128.store(d + i, lightness(v128.load(s + i, 16)), 16);
  }
  for (; i + 16 <= end; i += 16) v128.store(d + i, lightness(v128.load(s + i)));
  for (; i < end; i += 4) {
    const p = load<u32>(s + i);
    const r = p & 255, g = (p >> 8) & 255, b = (p >> 16) & 255;
    const y = (max(r, max(g, b)) + min(r, min(g, b)) + 1) >> 1;
    store<u32>(d + i, y * 0x010101 | (p & 0xff000000));
  }
}
