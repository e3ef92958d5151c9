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
