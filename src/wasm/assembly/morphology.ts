// Grey-level erosion (minimum) of every channel, edges extended. Dilation is the erosion of the
// complement: with flip set, bytes are inverted on the way in and on the way out.
//
// Square: van Herk / Gil-Werman, separable and O(1) per pixel whatever the radius. A window of
// k = 2r+1 samples covers the end of one block of k and the start of the next, so its minimum is
// min(suffix-min of the first block, prefix-min of the second). Rows first (src → tmp, one pixel
// per SIMD vector), then columns in stripes of 16 pixels (tmp → dst, 64 bytes per vector step).
//
// Disc: the disc is a stack of horizontal segments, half-width w(dy) for each row offset dy. Each
// source row gets a sparse table (minimum over 2^j pixels starting at each x, for every j), so a
// segment's minimum is two table reads; an output pixel costs 2r+1 of those, four pixels at a time.

const ONES: v128 = i32x4.splat(-1);

let W: i32 = 0;
let H: i32 = 0;
let R: i32 = 0;
let src: usize = 0;
let dst: usize = 0;
let flip: v128 = i32x4.splat(0);
let tmp: usize = 0; // W×H×4: the row pass result
let g: usize = 0; // prefix minima (rows: one padded row of u32; columns: (H+2r) rows × 64 bytes)
let hh: usize = 0; // suffix minima, same size

export function morphSetup(w: i32, h: i32, s: usize, d: usize, r: i32, f: bool, scratch: usize): void {
  W = w;
  H = h;
  R = r;
  src = s;
  dst = d;
  flip = f ? ONES : i32x4.splat(0);
  tmp = scratch;
  const plane = (<usize>w * <usize>h) << 2;
  const line = max(<usize>(w + 2 * r) << 2, <usize>(h + 2 * r) << 6);
  g = tmp + plane + 64;
  hh = g + line + 64;
}

/** Rows y0..y1-1: horizontal erosion, src → tmp (flipped for dilation). */
export function morphRows(y0: i32, y1: i32): void {
  const n = W, r = R, k = 2 * r + 1, len = n + 2 * r, f = flip;
  const e = hh; // the extended row; the suffix minima then overwrite it in place
  for (let y = y0; y < y1; y++) {
    const s = src + <usize>y * (<usize>n << 2);
    const first = v128.xor(v128.load32_splat(s), f);
    const lastPx = v128.xor(v128.load32_splat(s + (<usize>(n - 1) << 2)), f);
    for (let i = 0; i < r; i++) {
      v128.store32_lane(e + (<usize>i << 2), first, 0);
      v128.store32_lane(e + (<usize>(r + n + i) << 2), lastPx, 0);
    }
    for (let i = 0; i < n; i++) v128.store32_lane(e + (<usize>(r + i) << 2), v128.xor(v128.load32_splat(s + (<usize>i << 2)), f), 0);
    // prefix minima within blocks of k
    let acc = ONES;
    let c = 0;
    for (let i = 0; i < len; i++) {
      const v = v128.load32_splat(e + (<usize>i << 2));
      acc = c == 0 ? v : i8x16.min_u(acc, v);
      if (++c == k) c = 0;
      v128.store32_lane(g + (<usize>i << 2), acc, 0);
    }
    // suffix minima within the same blocks, in place over the extended row
    c = (len - 1) % k;
    for (let i = len - 1; i >= 0; i--) {
      const v = v128.load32_splat(e + (<usize>i << 2));
      acc = i == len - 1 || c == k - 1 ? v : i8x16.min_u(acc, v);
      if (--c < 0) c = k - 1;
      v128.store32_lane(e + (<usize>i << 2), acc, 0);
    }
    const t = tmp + <usize>y * (<usize>n << 2);
    for (let x = 0; x < n; x++) {
      // window [x, x + 2r] in extended coordinates
      const m = i8x16.min_u(v128.load32_splat(e + (<usize>x << 2)), v128.load32_splat(g + (<usize>(x + 2 * r) << 2)));
      v128.store32_lane(t + (<usize>x << 2), m, 0);
    }
  }
}

/**
 * Columns: stripes of 16 pixels starting at 16·s0 .. 16·s1 (the last stripe is moved left to end
 * at the image edge, recomputing a few columns, so no write goes past a row); tmp → dst.
 */
export function morphColumns(s0: i32, s1: i32): void {
  const n = W, h = H, r = R, k = 2 * r + 1, len = h + 2 * r, f = flip;
  const rowBytes = <usize>n << 2;
  for (let s = s0; s < s1; s++) {
    const x = n >= 16 ? min(s * 16, n - 16) : 0;
    const base = tmp + (<usize>x << 2);
    const first = base, lastRow = base + <usize>(h - 1) * rowBytes;
    let a0 = ONES, a1 = ONES, a2 = ONES, a3 = ONES;
    let c = 0;
    for (let i = 0; i < len; i++) {
      const j = i - r;
      const p = j < 0 ? first : j >= h ? lastRow : base + <usize>j * rowBytes;
      const q = g + (<usize>i << 6);
      const restart = c == 0;
      if (++c == k) c = 0;
      if (restart) {
        a0 = v128.load(p);
        a1 = v128.load(p, 16);
        a2 = v128.load(p, 32);
        a3 = v128.load(p, 48);
      } else {
        a0 = i8x16.min_u(a0, v128.load(p));
        a1 = i8x16.min_u(a1, v128.load(p, 16));
        a2 = i8x16.min_u(a2, v128.load(p, 32));
        a3 = i8x16.min_u(a3, v128.load(p, 48));
      }
      v128.store(q, a0);
      v128.store(q, a1, 16);
      v128.store(q, a2, 32);
      v128.store(q, a3, 48);
    }
    c = (len - 1) % k;
    for (let i = len - 1; i >= 0; i--) {
      const j = i - r;
      const p = j < 0 ? first : j >= h ? lastRow : base + <usize>j * rowBytes;
      const q = hh + (<usize>i << 6);
      const restart = i == len - 1 || c == k - 1;
      if (--c < 0) c = k - 1;
      if (restart) {
        a0 = v128.load(p);
        a1 = v128.load(p, 16);
        a2 = v128.load(p, 32);
        a3 = v128.load(p, 48);
      } else {
        a0 = i8x16.min_u(a0, v128.load(p));
        a1 = i8x16.min_u(a1, v128.load(p, 16));
        a2 = i8x16.min_u(a2, v128.load(p, 32));
        a3 = i8x16.min_u(a3, v128.load(p, 48));
      }
      v128.store(q, a0);
      v128.store(q, a1, 16);
      v128.store(q, a2, 32);
      v128.store(q, a3, 48);
    }
    // tmp is already flipped; flip back on the way out
    const d = dst + (<usize>x << 2);
    for (let y = 0; y < h; y++) {
      const a = hh + (<usize>y << 6), b = g + (<usize>(y + 2 * r) << 6);
      const o = d + <usize>y * rowBytes;
      v128.store(o, v128.xor(i8x16.min_u(v128.load(a), v128.load(b)), f));
      v128.store(o, v128.xor(i8x16.min_u(v128.load(a, 16), v128.load(b, 16)), f), 16);
      v128.store(o, v128.xor(i8x16.min_u(v128.load(a, 32), v128.load(b, 32)), f), 32);
      v128.store(o, v128.xor(i8x16.min_u(v128.load(a, 48), v128.load(b, 48)), f), 48);
    }
  }
}

// ---- disc ----

let widths: usize = 0; // i32 × (r+1): segment half-width for each |dy|
let ring: usize = 0; // 2r+1 slots, each `levels` lines of lineBytes
let levels: i32 = 0;
let lineBytes: usize = 0;
let nextRow: i32 = 0;

export function discSetup(w: i32, h: i32, s: usize, d: usize, r: i32, f: bool, wd: usize, rg: usize): void {
  W = w;
  H = h;
  R = r;
  src = s;
  dst = d;
  flip = f ? ONES : i32x4.splat(0);
  widths = wd;
  ring = rg;
  levels = 32 - clz(2 * r + 1);
  lineBytes = discLineBytes(w, r);
  nextRow = 0;
}

/** Bytes per table line: the extended row plus room for the widest offset read, 4-pixel aligned. */
export function discLineBytes(w: i32, r: i32): usize {
  return <usize>((w + 4 * r + 12) & ~3) << 2;
}

@inline function discSlot(y: i32): usize {
  return ring + <usize>(y % (2 * R + 1)) * <usize>levels * lineBytes;
}

/** Source row y: extended and flipped, then its sparse table (line j: minimum of 2^j pixels from x). */
function discBuild(y: i32): void {
  const n = W, r = R, len = n + 2 * r, f = flip;
  const s = src + <usize>y * (<usize>n << 2);
  const l0 = discSlot(y);
  const first = v128.xor(v128.load32_splat(s), f);
  const lastPx = v128.xor(v128.load32_splat(s + (<usize>(n - 1) << 2)), f);
  for (let i = 0; i < r; i++) {
    v128.store32_lane(l0 + (<usize>i << 2), first, 0);
    v128.store32_lane(l0 + (<usize>(r + n + i) << 2), lastPx, 0);
  }
  const body = l0 + (<usize>r << 2);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(body + (<usize>i << 2), v128.xor(v128.load(s + (<usize>i << 2)), f));
  for (; i < n; i++) v128.store32_lane(body + (<usize>i << 2), v128.xor(v128.load32_splat(s + (<usize>i << 2)), f), 0);
  for (let j = 1; j < levels; j++) {
    const prev = l0 + <usize>(j - 1) * lineBytes, cur = prev + lineBytes;
    const off = <usize>1 << (j + 1); // 2^(j-1) pixels, in bytes
    const end = <usize>(len - (1 << j) + 1) << 2;
    for (let b: usize = 0; b < end; b += 16) v128.store(cur + b, i8x16.min_u(v128.load(prev + b), v128.load(prev + b + off)));
  }
}

/** Output rows y0..y1-1, in order from 0 (src → dst; dst must not be src). */
export function discRows(y0: i32, y1: i32): void {
  const n = W, r = R, h = H, f = flip;
  const bytes = <usize>n << 2;
  for (let y = y0; y < y1; y++) {
    const need = min(h - 1, y + r);
    while (nextRow <= need) discBuild(nextRow++);
    const d = dst + <usize>y * bytes;
    for (let dy = -r; dy <= r; dy++) {
      const w = load<i32>(widths + (<usize>abs(dy) << 2));
      const j = 31 - clz(2 * w + 1);
      const line = discSlot(min(h - 1, max(0, y + dy))) + <usize>j * lineBytes;
      // output x covers [x + r - w, x + r + w] in extended coordinates: two overlapping 2^j runs
      const a = line + (<usize>(r - w) << 2);
      const b = line + (<usize>(r + w - (1 << j) + 1) << 2);
      // four pixels per step; the last step may write up to three pixels into the next row,
      // which is computed after this one (and the arena leaves slack after the last)
      if (dy == -r) {
        for (let o: usize = 0; o < bytes; o += 16) v128.store(d + o, i8x16.min_u(v128.load(a + o), v128.load(b + o)));
      } else if (dy < r) {
        for (let o: usize = 0; o < bytes; o += 16) v128.store(d + o, i8x16.min_u(v128.load(d + o), i8x16.min_u(v128.load(a + o), v128.load(b + o))));
      }
      if (dy == r) {
        for (let o: usize = 0; o < bytes; o += 16) {
          const m = r == 0 ? i8x16.min_u(v128.load(a + o), v128.load(b + o)) : i8x16.min_u(v128.load(d + o), i8x16.min_u(v128.load(a + o), v128.load(b + o)));
          v128.store(d + o, v128.xor(m, f));
        }
      }
    }
  }
}
