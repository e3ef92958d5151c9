// Gaussian blur, two ways, both on premultiplied colour with edges extended (clamp):
//
// - sigma < 1.5: an exact separable FIR with the sampled, normalised kernel. Rows are filtered
//   horizontally into a ring of 2R+1 float rows, and each output row is the vertical sum over the
//   ring, so no full-size intermediate is needed and the output may overwrite the input.
//
// - sigma >= 1.5: the Vliet–Young–Verbeek recursive filter (5 poles as two biquads and one
//   first-order section: a cascade of short sections keeps f32 stable up to sigma 100, where the
//   direct 5th-order form does not). Cost per pixel does not depend on sigma. The right/bottom
//   edge uses the Triggs–Sdika initialisation: the anticausal state is a matrix M (computed in
//   JS) times the causal state's deviation from the edge value, which is exact for an edge
//   extended to infinity. Within 1 level of the exact convolution for sigma 1.5–100.
//
//   Pass 1 (rows top→bottom): each row is filtered horizontally (causal, then anticausal) and fed
//   straight into the vertical causal filter, whose output is stored as u16 fixed point.
//   Pass 2 (rows bottom→top): the vertical anticausal filter turns that into the result.

import { loadPremul, storeUnpremul } from './common';

// Parameter block written by JS (f32), see recursive.ts: a1A a2A a1B a2B a1C, G², 128·G, G, then
// the steady states ssc[5] and ssa[5], then M[j*5+i]. The sections are not normalised (no input
// gain): the gain G of a whole pass is applied once at its end, which saves three multiplications
// per sample and costs no precision in floating point.
const NS: i32 = 5;
const SSC: i32 = 8;
const SSA: i32 = 13;
const MAT: i32 = 18;

let W: i32 = 0;
let H: i32 = 0;
let src: usize = 0;
let dst: usize = 0;
let enc: usize = 0; // u16×4 per pixel: vertical causal output, (v + 64) × 128
let row: usize = 0; // f32x4 × W: horizontal result of the first row of a pair
let row2: usize = 0; // … and of the second
let sA1: usize = 0; // vertical states, f32x4 × W each
let sA2: usize = 0;
let sB1: usize = 0;
let sB2: usize = 0;
let sC1: usize = 0;
let coef: usize = 0;
let premul: bool = false;

const ENC_OFF: v128 = f32x4.splat(64);
const DEC_MUL: v128 = f32x4.splat(<f32>(1.0 / 128.0));

@inline function c(i: i32): v128 {
  return v128.load32_splat(coef + (<usize>i << 2));
}

/** Call once per image, before iirPass1. `state` holds 7 rows of W×16 bytes. */
export function iirSetup(w: i32, h: i32, s: usize, d: usize, e: usize, state: usize, k: usize, pm: bool): void {
  W = w;
  H = h;
  src = s;
  dst = d;
  enc = e;
  const rb = <usize>w << 4;
  row = state;
  row2 = state + rb;
  sA1 = state + 2 * rb;
  sA2 = state + 3 * rb;
  sB1 = state + 4 * rb;
  sB2 = state + 5 * rb;
  sC1 = state + 6 * rb;
  coef = k;
  premul = pm;
}

/** One biquad step, y[n-1] last: it is the only product on the recurrence's critical path. */
@inline function bq(a1: v128, a2: v128, x: v128, y1: v128, y2: v128): v128 {
  return f32x4.sub(f32x4.sub(x, f32x4.mul(a2, y2)), f32x4.mul(a1, y1));
}

@inline function fo(a1: v128, x: v128, y1: v128): v128 {
  return f32x4.sub(x, f32x4.mul(a1, y1));
}

/** Stores the unnormalised causal output v (true value G·v) as (G·v + 64) × 128. */
@inline function encode(e: usize, v: v128, g128: v128): void {
  const q = i32x4.trunc_sat_f32x4_s(f32x4.add(f32x4.mul(v, g128), ENC_ADD));
  v128.store64_lane(e, i16x8.narrow_i32x4_u(q, q), 0);
}
const ENC_ADD: v128 = f32x4.splat(64 * 128 + 0.5);

@inline function decode(e: usize): v128 {
  return f32x4.sub(f32x4.mul(f32x4.convert_i32x4_s(v128.load16x4_u(e)), DEC_MUL), ENC_OFF);
}

/** Anticausal start state i from the causal deviations d (Triggs–Sdika), for edge value x. */
@inline function tsRow(i: i32, x: v128, d0: v128, d1: v128, d2: v128, d3: v128, d4: v128): v128 {
  const b = MAT + i;
  let r = f32x4.mul(c(SSA + i), x);
  r = f32x4.add(r, f32x4.mul(c(b), d0));
  r = f32x4.add(r, f32x4.mul(c(b + NS), d1));
  r = f32x4.add(r, f32x4.mul(c(b + 2 * NS), d2));
  r = f32x4.add(r, f32x4.mul(c(b + 3 * NS), d3));
  return f32x4.add(r, f32x4.mul(c(b + 4 * NS), d4));
}

/**
 * Horizontal recursive filter of two source rows into `row` and `row2` (f32x4 per pixel). Two
 * rows at once because one row is a chain of dependent steps: interleaving a second, independent
 * chain fills the latency. `s1` may equal `s0` (odd last row).
 */
function hRows(s0: usize, s1: usize): void {
  // two copies of the loop, with and without premultiplication, rather than a test per pixel
  if (premul) hRowsWith(s0, s1, true);
  else hRowsWith(s0, s1, false);
}

@inline function hRowsWith(s0: usize, s1: usize, pm: bool): void {
  const a1A = c(0), a2A = c(1), a1B = c(2), a2B = c(3), a1C = c(4), g2 = c(5);
  const n = W;
  let x = loadPremul(s0, pm), z = loadPremul(s1, pm);
  let A1 = f32x4.mul(x, c(SSC)), B1 = f32x4.mul(x, c(SSC + 2)), C1 = f32x4.mul(x, c(SSC + 4));
  let P1 = f32x4.mul(z, c(SSC)), Q1 = f32x4.mul(z, c(SSC + 2)), R1 = f32x4.mul(z, c(SSC + 4));
  let A2 = A1, B2 = B1, P2 = P1, Q2 = Q1;
  let p = row, q = row2;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    x = loadPremul(s0 + o, pm);
    z = loadPremul(s1 + o, pm);
    const ya = bq(a1A, a2A, x, A1, A2);
    const pa = bq(a1A, a2A, z, P1, P2);
    A2 = A1; A1 = ya;
    P2 = P1; P1 = pa;
    const yb = bq(a1B, a2B, ya, B1, B2);
    const pb = bq(a1B, a2B, pa, Q1, Q2);
    B2 = B1; B1 = yb;
    Q2 = Q1; Q1 = pb;
    C1 = fo(a1C, yb, C1);
    R1 = fo(a1C, pb, R1);
    v128.store(p, C1);
    v128.store(q, R1);
    p += 16;
    q += 16;
  }
  // Triggs–Sdika: anticausal start state from the causal end state, edge value extended.
  let d0 = dev(A1, x, 0), d1 = dev(A2, x, 1), d2 = dev(B1, x, 2), d3 = dev(B2, x, 3), d4 = dev(C1, x, 4);
  A1 = tsRow(0, x, d0, d1, d2, d3, d4);
  A2 = tsRow(1, x, d0, d1, d2, d3, d4);
  B1 = tsRow(2, x, d0, d1, d2, d3, d4);
  B2 = tsRow(3, x, d0, d1, d2, d3, d4);
  C1 = tsRow(4, x, d0, d1, d2, d3, d4);
  d0 = dev(P1, z, 0); d1 = dev(P2, z, 1); d2 = dev(Q1, z, 2); d3 = dev(Q2, z, 3); d4 = dev(R1, z, 4);
  P1 = tsRow(0, z, d0, d1, d2, d3, d4);
  P2 = tsRow(1, z, d0, d1, d2, d3, d4);
  Q1 = tsRow(2, z, d0, d1, d2, d3, d4);
  Q2 = tsRow(3, z, d0, d1, d2, d3, d4);
  R1 = tsRow(4, z, d0, d1, d2, d3, d4);
  for (let i = n - 1; i >= 0; i--) {
    p -= 16;
    q -= 16;
    const ya = bq(a1A, a2A, v128.load(p), A1, A2);
    const pa = bq(a1A, a2A, v128.load(q), P1, P2);
    A2 = A1; A1 = ya;
    P2 = P1; P1 = pa;
    const yb = bq(a1B, a2B, ya, B1, B2);
    const pb = bq(a1B, a2B, pa, Q1, Q2);
    B2 = B1; B1 = yb;
    Q2 = Q1; Q1 = pb;
    C1 = fo(a1C, yb, C1);
    R1 = fo(a1C, pb, R1);
    v128.store(p, f32x4.mul(C1, g2));
    v128.store(q, f32x4.mul(R1, g2));
  }
}

/** Deviation of causal state j from its steady state for the edge value x. */
@inline function dev(s: v128, x: v128, j: i32): v128 {
  return f32x4.sub(s, f32x4.mul(x, c(SSC + j)));
}

/** Vertical states = the steady state of a constant extension of `from` above the image. */
function fillStates(from: usize): void {
  const rb = <usize>W << 4;
  const kA = c(SSC), kB = c(SSC + 2), kC = c(SSC + 4);
  for (let i: usize = 0; i < rb; i += 16) {
    const x = v128.load(from + i);
    const a = f32x4.mul(x, kA), b = f32x4.mul(x, kB);
    v128.store(sA1 + i, a);
    v128.store(sA2 + i, a);
    v128.store(sB1 + i, b);
    v128.store(sB2 + i, b);
    v128.store(sC1 + i, f32x4.mul(x, kC));
  }
}

/**
 * Rows y0..y1-1, top to bottom: horizontal filter, then the vertical causal filter, two rows per
 * step so each vertical state is loaded and stored once per two rows.
 */
export function iirPass1(y0: i32, y1: i32): void {
  const a1A = c(0), a2A = c(1), a1B = c(2), a2B = c(3), a1C = c(4), g128 = c(6);
  const n = W;
  const rb = <usize>n << 4;
  const sb = <usize>n << 2;
  let y = y0;
  for (; y < y1; y += 2) {
    const two = y + 1 < y1;
    const s0 = src + <usize>y * sb;
    hRows(s0, two ? s0 + sb : s0);
    if (y == 0) fillStates(row);
    const e0 = enc + <usize>y * (<usize>n << 3);
    if (two) {
      const e1 = e0 + (<usize>n << 3);
      for (let i: usize = 0; i < rb; i += 16) {
        const A1 = v128.load(sA1 + i), A2 = v128.load(sA2 + i);
        const ya = bq(a1A, a2A, v128.load(row + i), A1, A2);
        const za = bq(a1A, a2A, v128.load(row2 + i), ya, A1);
        v128.store(sA1 + i, za);
        v128.store(sA2 + i, ya);
        const B1 = v128.load(sB1 + i), B2 = v128.load(sB2 + i);
        const yb = bq(a1B, a2B, ya, B1, B2);
        const zb = bq(a1B, a2B, za, yb, B1);
        v128.store(sB1 + i, zb);
        v128.store(sB2 + i, yb);
        const yc = fo(a1C, yb, v128.load(sC1 + i));
        const zc = fo(a1C, zb, yc);
        v128.store(sC1 + i, zc);
        encode(e0 + (i >> 1), yc, g128);
        encode(e1 + (i >> 1), zc, g128);
      }
    } else {
      for (let i: usize = 0; i < rb; i += 16) {
        const A1 = v128.load(sA1 + i);
        const ya = bq(a1A, a2A, v128.load(row + i), A1, v128.load(sA2 + i));
        v128.store(sA1 + i, ya);
        v128.store(sA2 + i, A1);
        const B1 = v128.load(sB1 + i);
        const yb = bq(a1B, a2B, ya, B1, v128.load(sB2 + i));
        v128.store(sB1 + i, yb);
        v128.store(sB2 + i, B1);
        const yc = fo(a1C, yb, v128.load(sC1 + i));
        v128.store(sC1 + i, yc);
        encode(e0 + (i >> 1), yc, g128);
      }
    }
  }
  if (y1 == H) {
    // The last row's horizontal result is the value extended below the image.
    // The vertical anticausal filter reads true values (G × causal output), so its states are G× too.
    const last = (H - y0) % 2 == 0 ? row2 : row;
    const g = c(7);
    for (let i: usize = 0; i < rb; i += 16) {
      const x = v128.load(last + i);
      const d0 = dev(v128.load(sA1 + i), x, 0), d1 = dev(v128.load(sA2 + i), x, 1);
      const d2 = dev(v128.load(sB1 + i), x, 2), d3 = dev(v128.load(sB2 + i), x, 3);
      const d4 = dev(v128.load(sC1 + i), x, 4);
      v128.store(sA1 + i, f32x4.mul(g, tsRow(0, x, d0, d1, d2, d3, d4)));
      v128.store(sA2 + i, f32x4.mul(g, tsRow(1, x, d0, d1, d2, d3, d4)));
      v128.store(sB1 + i, f32x4.mul(g, tsRow(2, x, d0, d1, d2, d3, d4)));
      v128.store(sB2 + i, f32x4.mul(g, tsRow(3, x, d0, d1, d2, d3, d4)));
      v128.store(sC1 + i, f32x4.mul(g, tsRow(4, x, d0, d1, d2, d3, d4)));
    }
  }
}

/** Rows y1-1 down to y0: the vertical anticausal filter, then back to straight alpha bytes. */
export function iirPass2(y0: i32, y1: i32): void {
  if (premul) pass2With(y0, y1, true);
  else pass2With(y0, y1, false);
}

@inline function pass2With(y0: i32, y1: i32, pm: bool): void {
  const a1A = c(0), a2A = c(1), a1B = c(2), a2B = c(3), a1C = c(4), g = c(7);
  const n = W;
  const rb = <usize>n << 4;
  const eb = <usize>n << 3;
  const sb = <usize>n << 2;
  for (let y = y1 - 1; y >= y0; y -= 2) {
    const e0 = enc + <usize>y * eb;
    const d0 = dst + <usize>y * sb;
    if (y - 1 >= y0) {
      const e1 = e0 - eb;
      const d1 = d0 - sb;
      for (let i: usize = 0; i < rb; i += 16) {
        const A1 = v128.load(sA1 + i), A2 = v128.load(sA2 + i);
        const ya = bq(a1A, a2A, decode(e0 + (i >> 1)), A1, A2);
        const za = bq(a1A, a2A, decode(e1 + (i >> 1)), ya, A1);
        v128.store(sA1 + i, za);
        v128.store(sA2 + i, ya);
        const B1 = v128.load(sB1 + i), B2 = v128.load(sB2 + i);
        const yb = bq(a1B, a2B, ya, B1, B2);
        const zb = bq(a1B, a2B, za, yb, B1);
        v128.store(sB1 + i, zb);
        v128.store(sB2 + i, yb);
        const yc = fo(a1C, yb, v128.load(sC1 + i));
        const zc = fo(a1C, zb, yc);
        v128.store(sC1 + i, zc);
        storeUnpremul(d0 + (i >> 2), f32x4.mul(yc, g), pm);
        storeUnpremul(d1 + (i >> 2), f32x4.mul(zc, g), pm);
      }
    } else {
      for (let i: usize = 0; i < rb; i += 16) {
        const A1 = v128.load(sA1 + i);
        const ya = bq(a1A, a2A, decode(e0 + (i >> 1)), A1, v128.load(sA2 + i));
        v128.store(sA1 + i, ya);
        v128.store(sA2 + i, A1);
        const B1 = v128.load(sB1 + i);
        const yb = bq(a1B, a2B, ya, B1, v128.load(sB2 + i));
        v128.store(sB1 + i, yb);
        v128.store(sB2 + i, B1);
        const yc = fo(a1C, yb, v128.load(sC1 + i));
        v128.store(sC1 + i, yc);
        storeUnpremul(d0 + (i >> 2), f32x4.mul(yc, g), pm);
      }
    }
  }
}

// ---- exact FIR for small sigma ----

let fR: i32 = 0; // kernel radius
let ring: usize = 0; // 2R+1 rows of f32x4 × W: horizontally filtered source rows
let pad: usize = 0; // f32x4 × (W + 2R): one premultiplied source row with extended edges
let wts: usize = 0; // f32 × (R+1): w[0] centre, w[k] both sides; then the row pointer table
let ptrs: usize = 0; // per output row: for k = 1..R, the ring rows at y−k and y+k (clamped)
let nextRow: i32 = 0; // next source row to filter into the ring

export function firSetup(w: i32, h: i32, s: usize, d: usize, r: i32, rg: usize, pd: usize, wt: usize, pm: bool): void {
  W = w;
  H = h;
  src = s;
  dst = d;
  fR = r;
  ring = rg;
  pad = pd;
  wts = wt;
  ptrs = wt + 64;
  premul = pm;
  nextRow = 0;
  ringStride = <usize>((w + 1) & ~1) << 4;
}

@inline function wt(k: i32): v128 {
  return v128.load32_splat(wts + (<usize>k << 2));
}

@inline function ringRow(y: i32): usize {
  return ring + <usize>(y % (2 * fR + 1)) * ringStride;
}
let ringStride: usize = 0; // bytes per ring row: W rounded up to even, so pairs never spill over

function firH(y: i32): void {
  const n = W, r = fR, pm = premul;
  const s = src + <usize>y * (<usize>n << 2);
  const body = pad + (<usize>r << 4);
  for (let i = 0; i < n; i++) v128.store(body + (<usize>i << 4), loadPremul(s + (<usize>i << 2), pm));
  const first = v128.load(body), last = v128.load(body + (<usize>(n - 1) << 4));
  for (let i = 0; i <= r; i++) {
    v128.store(pad + (<usize>i << 4), first);
    v128.store(body + (<usize>(n + i) << 4), last);
  }
  const out = ringRow(y);
  const w0 = wt(0);
  // two outputs per step share each weight load
  for (let i = 0; i < n; i += 2) {
    const p = body + (<usize>i << 4);
    let acc0 = f32x4.mul(w0, v128.load(p));
    let acc1 = f32x4.mul(w0, v128.load(p, 16));
    for (let k = 1; k <= r; k++) {
      const o = <usize>k << 4;
      const wk = wt(k);
      acc0 = f32x4.add(acc0, f32x4.mul(wk, f32x4.add(v128.load(p - o), v128.load(p + o))));
      acc1 = f32x4.add(acc1, f32x4.mul(wk, f32x4.add(v128.load(p - o, 16), v128.load(p + o, 16))));
    }
    v128.store(out + (<usize>i << 4), acc0);
    v128.store(out + (<usize>i << 4), acc1, 16);
  }
}

/** Output rows y0..y1-1 (call in order). Writing row y never disturbs a source row still to be read. */
export function firRows(y0: i32, y1: i32): void {
  const n = W, r = fR, pm = premul;
  const even = <usize>(n & ~1) << 4;
  for (let y = y0; y < y1; y++) {
    const need = min(H - 1, y + r);
    while (nextRow <= need) firH(nextRow++);
    const c0 = ringRow(y);
    for (let k = 1; k <= r; k++) {
      store<usize>(ptrs + (<usize>k << 3), ringRow(max(0, y - k)));
      store<usize>(ptrs + (<usize>k << 3) + 4, ringRow(min(H - 1, y + k)));
    }
    const d = dst + <usize>y * (<usize>n << 2);
    const w0 = wt(0);
    let i: usize = 0;
    for (; i < even; i += 32) {
      let acc0 = f32x4.mul(w0, v128.load(c0 + i));
      let acc1 = f32x4.mul(w0, v128.load(c0 + i, 16));
      for (let k = 1; k <= r; k++) {
        const up = load<usize>(ptrs + (<usize>k << 3)) + i, dn = load<usize>(ptrs + (<usize>k << 3), 4) + i;
        const wk = wt(k);
        acc0 = f32x4.add(acc0, f32x4.mul(wk, f32x4.add(v128.load(up), v128.load(dn))));
        acc1 = f32x4.add(acc1, f32x4.mul(wk, f32x4.add(v128.load(up, 16), v128.load(dn, 16))));
      }
      storeUnpremul(d + (i >> 2), acc0, pm);
      storeUnpremul(d + (i >> 2) + 4, acc1, pm);
    }
    if (n & 1) {
      let acc = f32x4.mul(w0, v128.load(c0 + i));
      for (let k = 1; k <= r; k++) {
        const up = load<usize>(ptrs + (<usize>k << 3)) + i, dn = load<usize>(ptrs + (<usize>k << 3), 4) + i;
        acc = f32x4.add(acc, f32x4.mul(wt(k), f32x4.add(v128.load(up), v128.load(dn))));
      }
      storeUnpremul(d + (i >> 2), acc, pm);
    }
  }
}
