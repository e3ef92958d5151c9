// How an operation is written: its declaration (see engine/op.ts) beside its kernel. A kernel is a
// pure function of its inputs and resolved parameters, so the same code runs in a worker and in a
// unit test. `defineOp` is the only way operations are made; registry.ts collects them.

import type { OpDecl, Params } from '../engine/op';

/** Pixels: RGBA, 8 bits per channel, straight (not premultiplied) alpha, row-major, no padding. */
export interface Image {
  readonly width: number;
  readonly height: number;
  /** `width * height * 4` bytes. The buffer may be a SharedArrayBuffer; never write to an input's. */
  readonly data: Uint8ClampedArray;
  /**
   * Set on proxies (previews computed on reduced sources): this image's size relative to the
   * full-resolution image it stands for, below 1. Absent on full-resolution images. Outputs inherit
   * their first image input's scale; see proxy.ts.
   */
  readonly scale?: number;
}

/** Counts per level, 256 bins each. */
export interface Histogram {
  readonly kind: 'histogram';
  readonly r: Uint32Array;
  readonly g: Uint32Array;
  readonly b: Uint32Array;
  readonly a: Uint32Array;
  /** Rec. 709 luma. */
  readonly luma: Uint32Array;
  readonly pixels: number;
}

/** What travels along an edge: an image, a number or a histogram, matching the port's type. */
export type Value = Image | number | Histogram;

export interface KernelContext {
  /** Aborted when the step is cancelled or timed out. Long kernels check it between rows or bands. */
  readonly signal: AbortSignal;
  /** Report progress 0..1; cheap to call, throttled by the caller. */
  progress(fraction: number): void;
  /** Assets (decoded source images) named by `asset` string parameters, by id. */
  readonly assets?: AssetLookup;
  /**
   * In a proxy run, the most pixels a source may give (it reduces its image and marks its scale).
   * Other kernels need not look: their `px` parameters arrive already scaled (see proxy.ts).
   */
  readonly proxy?: number;
  /**
   * Set when the kernel computes one band of a tiled step (see tiles.ts). A kernel may ignore it;
   * one that can should write rows [from, to) of its image output straight into `into` and return
   * `into` itself as that output (saving a band-sized image and a copy). Use `outputImage` or
   * `Arena.copyOut` with it.
   */
  readonly tile?: TileTarget;
}

/** Where a band's own rows go: `into` is rows [from, to) of the kernel's output (which covers the band's input rows). */
export interface TileTarget {
  readonly from: number;
  readonly to: number;
  /** Full width, `to − from` rows: a view of the step's shared output. */
  readonly into: Image;
}

export interface AssetLookup {
  get(id: string): Image | undefined;
}

export type KernelInputs = Readonly<Record<string, Value>>;
export type KernelOutputs = Record<string, Value>;

export type Kernel = (inputs: KernelInputs, params: Params, ctx: KernelContext) => KernelOutputs | Promise<KernelOutputs>;

export interface OpDef extends OpDecl {
  readonly kernel: Kernel;
}

export function defineOp<const D extends OpDecl>(decl: D, kernel: Kernel): OpDef & D {
  return Object.freeze({ ...decl, kernel });
}
