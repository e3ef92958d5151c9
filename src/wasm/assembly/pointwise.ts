// Per-pixel passes that complete other kernels.

/** 1 if every alpha byte is 255: the kernels then skip premultiplying, which is the identity. */
export function isOpaque(s: usize, pixels: i32): bool {
  const end = s + (<usize>pixels << 2);
  const alpha = i32x4.splat(0xff000000);
  let p = s;
  let acc = alpha;
  for (; p + 16 <= end; p += 16) acc = v128.and(acc, v128.load(p));
  for (; p < end; p += 4) if (load<u8>(p + 3) != 255) return false;
  return i32x4.all_true(i32x4.eq(v128.and(acc, alpha), alpha));
}

/**
 * Unsharp mask: colour + amount × (colour − blurred) on channels where |colour − blurred| ≥
 * threshold; alpha is the source's. Works on straight colour.
 */
export function unsharpCombine(s: usize, b: usize, d: usize, pixels: i32, amount: f32, threshold: f32): void {
  const k = f32x4.splat(amount);
  const t = f32x4.splat(threshold);
  const half = f32x4.splat(0.5);
  const keepAlpha = i32x4(0, 0, 0, -1);
  const end = <usize>pixels << 2;
  for (let i: usize = 0; i < end; i += 4) {
    const x = f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_u(v128.load8x8_u(s + i)));
    const y = f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_u(v128.load8x8_u(b + i)));
    const diff = f32x4.sub(x, y);
    const use = v128.andnot(f32x4.ge(f32x4.abs(diff), t), keepAlpha);
    const r = f32x4.add(x, v128.and(f32x4.mul(k, diff), use));
    const q = i32x4.trunc_sat_f32x4_s(f32x4.add(r, half));
    const w = i16x8.narrow_i32x4_s(q, q);
    v128.store32_lane(d + i, i8x16.narrow_i16x8_u(w, w), 0);
  }
}

/** Invert: every colour byte v becomes 255 − v (an XOR with 0x00ffffff per pixel), alpha kept. src may equal dst. */
export function invertColours(s: usize, d: usize, pixels: i32): void {
  const m = i32x4.splat(0x00ffffff);
  const end = <usize>pixels << 2;
  let i: usize = 0;
  for (; i + 32 <= end; i += 32) {
    v128.store(d + i, v128.xor(v128.load(s + i), m));
    v128.store(d + i, v128.xor(v128.load(s + i, 16), m), 16);
  }
  for (; i + 16 <= end; i += 16) v128.store(d + i, v128.xor(v128.load(s + i), m));
  for (; i < end; i += 4) store<u32>(d + i, load<u32>(s + i) ^ 0x00ffffff);
}
