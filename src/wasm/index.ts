// The WebAssembly kernels: loaded lazily and instantiated once per thread (worker, main thread or
// Node), with a typed view of their exports and a bump allocator over their linear memory.
//
// The kernels have no allocator of their own (AssemblyScript, --runtime stub). A caller takes an
// Arena, allocates every buffer it needs, copies input pixels in with one TypedArray.set, calls
// kernel entry points band by band (checking for cancellation in between, since a running WASM
// call cannot be interrupted), then copies the result out. Memory grows as needed and is kept for
// the next call: fresh allocations of tens of megabytes are what costs time, not reuse.
//
// A kernel must use its arena synchronously (no `await` between alloc and the last copy out):
// every arena starts at the same base, which is what makes reuse free and is safe only because
// one thread runs one kernel body at a time.

//
// This module knows nothing of images or operations (it imports nothing but its own build): it
// hands out memory and typed views of it. The operations' side — copying a result out as an image,
// driving passes with abort checks and progress — is src/ops/passes.ts.

import { KERNELS_WASM_BASE64 } from './build/kernels';

type Ptr = number;

/** The module's exports (see src/wasm/assembly). Booleans are passed as 0/1. */
export interface KernelExports {
  readonly memory: WebAssembly.Memory;
  heapBase(): Ptr;
  // gaussian.ts — recursive (sigma >= 2) and exact FIR (sigma < 2)
  iirSetup(w: number, h: number, src: Ptr, dst: Ptr, enc: Ptr, state: Ptr, coef: Ptr, premul: number): void;
  iirPass1(y0: number, y1: number): void;
  iirPass2(y0: number, y1: number): void;
  firSetup(w: number, h: number, src: Ptr, dst: Ptr, radius: number, ring: Ptr, pad: Ptr, weights: Ptr, premul: number): void;
  firRows(y0: number, y1: number): void;
  // box.ts
  boxSetup(w: number, h: number, src: Ptr, dst: Ptr, enc: Ptr, radius: number, pad: Ptr, sums: Ptr, premul: number): void;
  boxPass1(y0: number, y1: number): void;
  boxPass2(y0: number, y1: number): void;
  // pointwise.ts
  unsharpCombine(src: Ptr, blurred: Ptr, dst: Ptr, pixels: number, amount: number, threshold: number): void;
  isOpaque(src: Ptr, pixels: number): number;
  // colour bytes v → 255 − v, alpha kept
  invertColours(src: Ptr, dst: Ptr, pixels: number): void;
  // gray.ts — (a·R + b·G + c·B + off) >> 23 on R, G and B, alpha kept; lightness (max + min + 1) >> 1
  grayWeighted(src: Ptr, dst: Ptr, pixels: number, a: number, b: number, c: number, off: number): void;
  grayLightness(src: Ptr, dst: Ptr, pixels: number): void;
  // hsl.ts — hue-saturation's double-precision HSL round trip, byte-identical to its former JS loop:
  // setup fills a table (2048 + 32 896 × 32 bytes) per saturation and lightness, or with all = false only its
  // levels, and entries fills those of a small image's pixels; the pass works in groups of 4 pixels (reads and writes up to 3 past the end, inside the Arena's slack)
  hueSaturationSetup(table: Ptr, satScale: number, light: number, all: boolean): void;
  hueSaturationEntries(src: Ptr, pixels: number, table: Ptr, satScale: number, light: number): void;
  hueSaturation(src: Ptr, dst: Ptr, pixels: number, table: Ptr, shift: number): void;
  // lut.ts — R, G, B through 256-entry tables (u32: red's levels, green's << 8, blue's << 16), alpha kept
  channelLuts(src: Ptr, dst: Ptr, pixels: number, tables: Ptr): void;
  // … the same bytes with red and green looked up together: channelLutsPair fills `pair` (u16 × 65 536) from the tables
  channelLutsPair(tables: Ptr, pair: Ptr): void;
  channelLutsRG(src: Ptr, dst: Ptr, pixels: number, tables: Ptr, pair: Ptr): void;
  // convolve.ts — correlation with a size×size f32 kernel on colour channels, alpha kept
  convolveSetup(w: number, h: number, src: Ptr, dst: Ptr, size: number, weights: Ptr, bias: number, ring: Ptr): void;
  convolveRows(y0: number, y1: number): void;
  // … 3×3 with whole weights (i32 × 9) and bias whose sums stay within ±32767: exact in 16-bit lanes;
  // the caller writes source rows at conv3Row(y) into a ring of `slots` rows and takes output bands
  conv3Setup(w: number, h: number, weights: Ptr, bias: number, ring: Ptr, slots: number, first: number): void;
  conv3Stride(w: number): number;
  conv3Row(y: number): Ptr;
  conv3Rows(y0: number, y1: number, out: Ptr): void;
  sobelSetup(w: number, h: number, src: Ptr, dst: Ptr, mode: number, ring: Ptr): void;
  sobelRows(y0: number, y1: number): void;
  // median.ts — per channel: Perreault–Hébert column histograms; radius 1 by sorted columns, radius 2 by a network,
  // radius 3 to 6 by generated networks (median-networks.ts)
  medianSetup(w: number, h: number, src: Ptr, dst: Ptr, radius: number, planes: Ptr, hist: Ptr): void;
  medianDeinterleave(y0: number, y1: number): void;
  medianStripe(channel: number, x0: number, x1: number): void;
  medianSmallSetup(w: number, h: number, src: Ptr, dst: Ptr, scratch: Ptr): void;
  medianSmall(y0: number, y1: number): void;
  // … radius 2: a 99-exchange selection network on four pixels at a time; rows in order from 0
  median5Setup(w: number, h: number, src: Ptr, dst: Ptr, scratch: Ptr): void;
  median5Scratch(w: number): number;
  median5(y0: number, y1: number): void;
  // … radius 3 to 6 (medianNetHas): generated min/max networks on rows sorted across, 8 output rows a tile
  medianNetHas(radius: number): number;
  medianNetStride(w: number, radius: number): number;
  medianNetScratch(radius: number): number;
  medianNetOutBytes(w: number, h: number): number;
  medianNetSetup(w: number, h: number, src: Ptr, dst: Ptr, radius: number, planes: Ptr, medians: Ptr, scratch: Ptr): void;
  medianNetDeinterleave(y0: number, y1: number): void;
  medianNet(channel: number, block0: number, block1: number): void;
  medianNetInterleave(y0: number, y1: number, channels: number): void;
  // morphology.ts — erosion; dilation is erosion of the complement (flip = 1)
  morphSetup(w: number, h: number, src: Ptr, dst: Ptr, radius: number, flip: number, scratch: Ptr): void;
  morphRows(y0: number, y1: number): void;
  morphColumns(x0: number, x1: number): void;
  discSetup(w: number, h: number, src: Ptr, dst: Ptr, radius: number, flip: number, widths: Ptr, ring: Ptr): void;
  discRows(y0: number, y1: number): void;
  // resize.ts — separable resampling with fixed-count taps (weights from src/ops/resize/resample.ts)
  resizeSetup(
    inW: number, inH: number, outW: number, src: Ptr, dst: Ptr,
    xStart: Ptr, xWeights: Ptr, xTaps: number, yStart: Ptr, yWeights: Ptr, yTaps: number,
    ring: Ptr, conv: Ptr, ptrs: Ptr, premul: number,
  ): void;
  // … the integer path for opaque images: Q14 weights as i16 pairs (xp per output pixel, yp per output row), i16 rows
  resize16Setup(
    inW: number, inH: number, outW: number, src: Ptr, dst: Ptr,
    xStart: Ptr, xPairs: Ptr, xp: number, yStart: Ptr, yPairs: Ptr, yTaps: number, yp: number, ring: Ptr, ptrs: Ptr,
  ): void;
  resizeRows(y0: number, y1: number): void;
}

/** One bump allocation pass over linear memory; see the file comment. */
export class Arena {
  #top: number;
  readonly #k: Kernels;

  constructor(k: Kernels, base: number) {
    this.#k = k;
    this.#top = base;
  }

  /** Reserves `bytes` (64-byte aligned, with 64 bytes of slack for SIMD loads that read past the end). */
  alloc(bytes: number): Ptr {
    const p = this.#top;
    this.#top = align(p + bytes + 64);
    this.#k.ensure(this.#top);
    return p;
  }

  /** Copies an RGBA image's bytes into a fresh allocation. */
  copyIn(data: Uint8ClampedArray): Ptr {
    const p = this.alloc(data.length);
    this.#k.bytes(p, data.length).set(data);
    return p;
  }

  /** A view of `length` bytes at `ptr` (over the current memory buffer; see Kernels.ensure). */
  bytes(ptr: Ptr, length: number): Uint8Array {
    return this.#k.bytes(ptr, length);
  }
}

export class Kernels {
  readonly fn: KernelExports;
  readonly #base: number;

  constructor(exports: KernelExports) {
    this.fn = exports;
    this.#base = align(exports.heapBase());
  }

  arena(): Arena {
    return new Arena(this, this.#base);
  }

  /** Grows memory to at least `end` bytes. Views made before a grow are detached: make new ones after. */
  ensure(end: number): void {
    const mem = this.fn.memory;
    const have = mem.buffer.byteLength;
    if (end <= have) return;
    const pages = Math.ceil((end - have) / 65536);
    try {
      mem.grow(pages);
    } catch {
      throw new RangeError(`Not enough memory for this image (${Math.ceil(end / 2 ** 20)} MB of WebAssembly memory needed)`);
    }
  }

  /** A view of `length` bytes at `ptr` over the current memory buffer. */
  bytes(ptr: Ptr, length: number): Uint8Array {
    return new Uint8Array(this.fn.memory.buffer, ptr, length);
  }

  f32(ptr: Ptr, length: number): Float32Array {
    return new Float32Array(this.fn.memory.buffer, ptr, length);
  }

  i32(ptr: Ptr, length: number): Int32Array {
    return new Int32Array(this.fn.memory.buffer, ptr, length);
  }

  /** Writes f32 values at `ptr` (which must hold them). */
  setF32(ptr: Ptr, values: ArrayLike<number>): void {
    this.f32(ptr, values.length).set(values);
  }
}

function align(n: number): number {
  return (n + 63) & ~63;
}

let pending: Promise<Kernels> | undefined;
let count = 0;

/** The kernels of this thread, instantiated on first use (async compile, then cached). */
export function loadKernels(): Promise<Kernels> {
  if (!pending) {
    pending = instantiate();
    // a failed start may be transient (memory pressure): let the next caller try again
    pending.catch(() => (pending = undefined));
  }
  return pending;
}

/** How many times this thread instantiated the module (1 after first use). For tests and diagnostics. */
export function kernelInstantiations(): number {
  return count;
}

async function instantiate(): Promise<Kernels> {
  const bytes = decodeBase64(KERNELS_WASM_BASE64);
  if (!WebAssembly.validate(bytes)) {
    throw new Error('This browser cannot run Pipette’s image kernels: WebAssembly SIMD is required (Chrome 91+, Firefox 89+, Safari 16.4+).');
  }
  const { instance } = await WebAssembly.instantiate(bytes, {});
  count++;
  return new Kernels(instance.exports as unknown as KernelExports);
}

function decodeBase64(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Rows per band so that one band is about half a megapixel (a few milliseconds of work). */
export function bandRows(width: number, pixelsPerBand = 1 << 19): number {
  return Math.max(1, Math.floor(pixelsPerBand / width));
}
