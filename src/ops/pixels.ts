// Small pure helpers shared by kernels: colour parameters, Rec. 709 luma, 32-bit pixel views and the
// band loop that paces abort checks and progress reports.

import type { Image, KernelContext } from './types';
import { checkAbort, MAX_PIXELS, outputImage } from './image';
import { loadKernels, type Arena, type Kernels } from '../wasm';
import type { ColourMemo } from './colour-memo';

/** Straight-alpha RGBA bytes. */
export type Rgba = readonly [r: number, g: number, b: number, a: number];

const HEX_COLOR = /^#([0-9a-f]{6})([0-9a-f]{2})?$/i;

/** `#rrggbb` or `#rrggbbaa` → bytes; a missing alpha means opaque. */
export function parseColor(hex: string): Rgba {
  const m = HEX_COLOR.exec(hex);
  if (!m) throw new RangeError(`"${hex}" is not a colour like #ff8800 or #ff880080`);
  const rgb = parseInt(m[1]!, 16);
  const a = m[2] === undefined ? 255 : parseInt(m[2], 16);
  return [(rgb >>> 16) & 255, (rgb >>> 8) & 255, rgb & 255, a];
}

/**
 * Rec. 709 luma of 8-bit values (0.2126 R + 0.7152 G + 0.0722 B), rounded half up to 0..255. Integer
 * maths makes the rounding exact (16-bit fixed-point weights misround about 7000 colours), so every
 * op that reports or uses luma agrees on the same level.
 */
export function luma8(r: number, g: number, b: number): number {
  return ((2126 * r + 7152 * g + 722 * b + 5000) / 10000) | 0;
}

/** One 32-bit lane per pixel (little-endian: 0xAABBGGRR), as used for exact pixel moves. */
export function pixels32(img: Image): Uint32Array {
  const d = img.data;
  // A view needs 4-byte alignment; an oddly placed input is copied once rather than failing.
  if ((d.byteOffset & 3) === 0) return new Uint32Array(d.buffer, d.byteOffset, d.length >> 2);
  return new Uint32Array(d.slice().buffer);
}

/** A colour packed the way `pixels32` lays out a pixel. */
export function packRgba(c: Rgba): number {
  return ((c[3] << 24) | (c[2] << 16) | (c[1] << 8) | c[0]) >>> 0;
}

/**
 * Refuses an output over the pixel limit before anything is allocated, saying what would have been
 * too big and what to change (`createImage` would only say "scale it down").
 */
export function checkOutputSize(width: number, height: number, what: string, hint: string): void {
  if (width * height > MAX_PIXELS) {
    const mp = Math.round((width * height) / 1e6);
    throw new RangeError(`${what} would be ${width}×${height} (${mp} MP), over the ${(MAX_PIXELS / 1e6).toFixed(0)} MP limit; ${hint}`);
  }
}

/** Rows per band so that a band holds about a million pixels. */
export function bandRows(width: number): number {
  return Math.max(1, Math.floor((1 << 20) / Math.max(1, width)));
}

/**
 * Runs `fn` over rows [y0, y1) in bands of about a million pixels, checking for abort before each
 * band and reporting progress after it. `from`/`to` map the loop onto a slice of the op's progress
 * when a kernel has several phases.
 */
export function forEachBand(
  width: number,
  height: number,
  ctx: KernelContext,
  fn: (y0: number, y1: number) => void,
  from = 0,
  to = 1,
): void {
  const step = bandRows(width);
  for (let y0 = 0; y0 < height; y0 += step) {
    checkAbort(ctx.signal);
    const y1 = Math.min(height, y0 + step);
    fn(y0, y1);
    ctx.progress(from + ((to - from) * y1) / height);
  }
}

/**
 * Per-channel curves in plain JS: a new image whose R, G and B go through their 256-entry tables and
 * whose alpha is copied. The kernels use applyChannelLutsWasm (the same bytes, faster); this loop
 * stays as the reference the tests hold that one to.
 */
export function applyChannelLuts(src: Image, lr: Uint8Array, lg: Uint8Array, lb: Uint8Array, ctx: KernelContext): Image {
  const out = outputImage(ctx, src.width, src.height);
  const s = pixels32(src);
  const d = pixels32(out);
  // Red and green are looked up together in one 64 K-entry table: a pixel then costs two table
  // reads instead of three, which measured 1.6× faster than per-byte lookups on 12 MP in V8.
  const rg = new Uint16Array(65536);
  for (let g = 0; g < 256; g++) {
    const gv = lg[g]! << 8;
    for (let r = 0; r < 256; r++) rg[(g << 8) | r] = gv | lr[r]!;
  }
  forEachBand(src.width, src.height, ctx, (y0, y1) => {
    const end = y1 * src.width;
    for (let i = y0 * src.width; i < end; i++) {
      const p = s[i]!;
      d[i] = rg[p & 0xffff]! | (lb[(p >>> 16) & 255]! << 16) | (p & 0xff000000);
    }
  });
  return out;
}

// Pixels per chunk of a pointwise WebAssembly pass: copied into WebAssembly memory, mapped in
// place and copied out while still in the core's own cache (128 kB, well inside an L2; the 1 MB
// it replaced need not be). Also the abort and progress interval.
const WASM_CHUNK = 1 << 15;

// From this many pixels, the table pass looks red and green up together in a 64 K-entry table
// (channelLutsRG, two reads a pixel instead of three): below, filling the table's 64 K entries
// would cost more than it saves.
const PAIR_TABLE_PIXELS = 1 << 16;

/**
 * A pointwise pass in WebAssembly over the whole image, in chunks that stay in cache: each chunk of
 * pixels is copied into wasm memory, `pass(ptr, pixels)` maps it in place, and it is copied into
 * the output (the step's own, or its band of a tiled step's shared output; `into` if given, made by
 * outputImage). `setup(arena)` lays out what the pass needs (tables) before the chunk buffer and
 * returns what `pass` gets as `ctxPtr`.
 */
export async function pointwiseInWasm(
  src: Image,
  ctx: KernelContext,
  setup: (k: Kernels, arena: Arena) => number,
  pass: (k: Kernels, ptr: number, pixels: number, ctxPtr: number) => void,
  into?: Image,
): Promise<Image> {
  const k = await loadKernels();
  const out = into ?? outputImage(ctx, src.width, src.height);
  const s = src.data;
  const d = out.data;
  const n = s.length >> 2;
  const arena = k.arena();
  const ctxPtr = setup(k, arena);
  const buf = arena.alloc(Math.min(n, WASM_CHUNK) * 4);
  const mem = k.bytes(buf, Math.min(n, WASM_CHUNK) * 4);
  for (let p = 0; p < n; p += WASM_CHUNK) {
    checkAbort(ctx.signal);
    const m = Math.min(WASM_CHUNK, n - p);
    const view = m === WASM_CHUNK ? mem : mem.subarray(0, m * 4);
    view.set(s.subarray(p * 4, (p + m) * 4));
    pass(k, buf, m, ctxPtr);
    d.set(view, p * 4);
    ctx.progress((p + m) / n);
  }
  return out;
}

/**
 * pointwiseInWasm through a ColourMemo (./colour-memo.ts) for an operation whose channels depend on
 * one another: when `memo` judges it worth it (the same mapping `key` as the call before, a large
 * image), each pixel whose colour the memo holds is mapped by one table read, and only the others go
 * through `pass`, a chunk's worth at a time, and into the memo. The bytes are pass's own. Otherwise,
 * or if the memo's table cannot be had, this is pointwiseInWasm.
 */
export async function pointwiseMemoised(
  src: Image,
  ctx: KernelContext,
  memo: ColourMemo,
  key: string,
  setup: (k: Kernels, arena: Arena) => number,
  pass: (k: Kernels, ptr: number, pixels: number, ctxPtr: number) => void,
): Promise<Image> {
  const n = src.width * src.height;
  const out = memo.worth(key, n) ? outputImage(ctx, src.width, src.height) : undefined;
  // a 32-bit view of the output must be the output itself (pixels32 copies a misaligned buffer)
  const open = out && (out.data.byteOffset & 3) === 0 ? memo.open(key) : undefined;
  if (!out || !open) return pointwiseInWasm(src, ctx, setup, pass, out);
  const k = await loadKernels();
  const s = pixels32(src);
  const d = pixels32(out);
  const arena = k.arena();
  const ctxPtr = setup(k, arena);
  const buf = arena.alloc(WASM_CHUNK * 4);
  const wasm = new Uint32Array(k.fn.memory.buffer, buf, WASM_CHUNK);
  const at = new Int32Array(WASM_CHUNK);
  const { table, tag } = open;
  const top = tag << 24;
  let misses = 0;
  for (let p0 = 0; p0 < n; p0 += WASM_CHUNK) {
    checkAbort(ctx.signal);
    const p1 = Math.min(n, p0 + WASM_CHUNK);
    let m = 0;
    for (let i = p0; i < p1; i++) {
      const v = s[i]!;
      const e = table[v & 0xffffff]!;
      if (e >>> 24 === tag) d[i] = (e & 0xffffff) | (v & 0xff000000);
      else {
        wasm[m] = v;
        at[m++] = i;
      }
    }
    if (m > 0) {
      pass(k, buf, m, ctxPtr);
      for (let j = 0; j < m; j++) {
        const i = at[j]!;
        const v = wasm[j]!;
        d[i] = v;
        table[s[i]! & 0xffffff] = (v & 0xffffff) | top;
      }
      misses += m;
    }
    ctx.progress(p1 / n);
  }
  memo.counts.passes++;
  memo.counts.misses += misses;
  return out;
}

/**
 * The pointwise core shared by every per-channel curve (levels, brightness/contrast, exposure,
 * posterize, temperature …), in WebAssembly (src/wasm/assembly/lut.ts): a new image whose R, G and
 * B go through their 256-entry tables and whose alpha is copied — the same bytes as applyChannelLuts
 * at a few times the speed. One loop for all of them, so speeding it up speeds them all.
 */
export function applyChannelLutsWasm(src: Image, lr: Uint8Array, lg: Uint8Array, lb: Uint8Array, ctx: KernelContext): Promise<Image> {
  let pair = 0;
  return pointwiseInWasm(
    src,
    ctx,
    (k, arena) => {
      const tables = arena.alloc(3 * 1024);
      const t = new Uint32Array(k.fn.memory.buffer, tables, 768);
      for (let i = 0; i < 256; i++) {
        t[i] = lr[i]!;
        t[256 + i] = lg[i]! << 8;
        t[512 + i] = lb[i]! << 16;
      }
      if (src.width * src.height < PAIR_TABLE_PIXELS) return tables;
      pair = arena.alloc(65536 * 2);
      k.fn.channelLutsPair(tables, pair);
      return tables;
    },
    (k, ptr, m, tables) => (pair ? k.fn.channelLutsRG(ptr, ptr, m, tables, pair) : k.fn.channelLuts(ptr, ptr, m, tables)),
  );
}
