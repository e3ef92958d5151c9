// Box blur with running sums, so the cost per pixel does not depend on the radius. Premultiplied
// colour, edges extended.
//
// Pass 1, per row: integer premultiplied values c·a (0..65025, exact) summed over the window in
// i32, stored as the window mean in u16 fixed point: mean/255 × 256 (0..65280).
// Pass 2, top to bottom: a running i32 sum per column over 2r+1 rows of those u16 values, divided
// back and un-premultiplied. Integer sums never drift, so the result matches the exact box mean
// up to the 1/512 rounding of the stored row means.

import { HALF, storeUnpremul } from './common';

let W: i32 = 0;
let H: i32 = 0;
let R: i32 = 0;
let src: usize = 0;
let dst: usize = 0;
let enc: usize = 0; // u16×4 per pixel
let pad: usize = 0; // i32x4 × (W + 2R + 1)
let sums: usize = 0; // i32x4 × W: the running column sums of pass 2
let premul: bool = false;
let rowScale: v128 = f32x4.splat(0);
let colScale: v128 = f32x4.splat(0);

export function boxSetup(w: i32, h: i32, s: usize, d: usize, e: usize, r: i32, pd: usize, sm: usize, pm: bool): void {
  W = w;
  H = h;
  R = r;
  src = s;
  dst = d;
  enc = e;
  pad = pd;
  sums = sm;
  premul = pm;
  const taps: i32 = 2 * r + 1;
  const n = <f32>taps;
  rowScale = f32x4.splat(<f32>256 / (<f32>255 * n));
  colScale = f32x4.splat(<f32>1 / (<f32>256 * n));
}

const ALPHA_LANE: v128 = i32x4(0, 0, 0, -1);
const K255: v128 = i32x4.splat(255);

/** Rows y0..y1-1: horizontal window means into `enc`. */
export function boxPass1(y0: i32, y1: i32): void {
  const n = W, r = R;
  const body = pad + (<usize>r << 4);
  const win = <usize>(2 * r + 1) << 4;
  const scale = rowScale;
  for (let y = y0; y < y1; y++) {
    const s = src + <usize>y * (<usize>n << 2);
    for (let i = 0; i < n; i++) {
      const v = i32x4.extend_low_i16x8_u(v128.load8x8_u(s + (<usize>i << 2)));
      // colour × alpha and alpha × 255: every lane on the same 0..65025 scale
      const a = v128.bitselect(K255, i32x4.shuffle(v, v, 3, 3, 3, 3), ALPHA_LANE);
      v128.store(body + (<usize>i << 4), i32x4.mul(v, a));
    }
    const first = v128.load(body), last = v128.load(body + (<usize>(n - 1) << 4));
    for (let i = 0; i < r; i++) {
      v128.store(pad + (<usize>i << 4), first);
      v128.store(body + (<usize>(n + i) << 4), last);
    }
    let sum = i32x4.splat(0);
    for (let p: usize = pad; p < pad + win; p += 16) sum = i32x4.add(sum, v128.load(p));
    const e = enc + <usize>y * (<usize>n << 3);
    let p = pad;
    for (let i = 0; i < n; i++) {
      const q = i32x4.trunc_sat_f32x4_s(f32x4.add(f32x4.mul(f32x4.convert_i32x4_s(sum), scale), HALF));
      v128.store64_lane(e + (<usize>i << 3), i16x8.narrow_i32x4_u(q, q), 0);
      sum = i32x4.sub(i32x4.add(sum, v128.load(p + win)), v128.load(p));
      p += 16;
    }
  }
}

@inline function encRow(y: i32): usize {
  return enc + <usize>(y < 0 ? 0 : y >= H ? H - 1 : y) * (<usize>W << 3);
}

/** Rows y0..y1-1, in order from 0: vertical window means, back to straight alpha bytes. */
export function boxPass2(y0: i32, y1: i32): void {
  if (premul) pass2With(y0, y1, true);
  else pass2With(y0, y1, false);
}

@inline function pass2With(y0: i32, y1: i32, pm: bool): void {
  const n = W, r = R;
  const rb = <usize>n << 4;
  const scale = colScale;
  if (y0 == 0) {
    memory.fill(sums, 0, rb);
    for (let k = -r; k <= r; k++) {
      const e = encRow(k);
      for (let i: usize = 0; i < rb; i += 16) v128.store(sums + i, i32x4.add(v128.load(sums + i), v128.load16x4_u(e + (i >> 1))));
    }
  }
  for (let y = y0; y < y1; y++) {
    const d = dst + <usize>y * (<usize>n << 2);
    const add = encRow(y + r + 1), sub = encRow(y - r);
    for (let i: usize = 0; i < rb; i += 16) {
      const s = v128.load(sums + i);
      storeUnpremul(d + (i >> 2), f32x4.mul(f32x4.convert_i32x4_s(s), scale), pm);
      v128.store(sums + i, i32x4.sub(i32x4.add(s, v128.load16x4_u(add + (i >> 1))), v128.load16x4_u(sub + (i >> 1))));
    }
  }
}
