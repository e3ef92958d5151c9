// How an operation is written: its declaration (meta.ts, `declareOp`, see engine/op.ts) and its
// kernel (kernel.ts, `defineOp`). A kernel is a pure function of its inputs and resolved
// parameters, so the same code runs in a worker and in a unit test. registry.ts collects the
// declarations (all the main thread loads); kernels.ts pairs them with their kernels (workers).

import type { OpDecl, Params, ParamsOf } from '../engine/op';

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
   * `copyOut` (passes.ts) with it.
   */
  readonly tile?: TileTarget;
}

/** Where a band's own rows go: `into` is rows [from, to) of the kernel's output (which covers the band's input rows). */
export interface TileTarget {
  readonly from: number;
  readonly to: number;
  /** Full width, `to − from` rows: a view of the step's shared output. */
  readonly into: Image;
  /**
   * A resampling op's band (TileDecl.resample): it makes output rows [y0, y1) of the whole output,
   * from an input whose rows start at row `in0` of an input `inHeight` rows tall (`from` is 0 and
   * `to` is y1 − y0).
   */
  readonly rows?: { readonly y0: number; readonly y1: number; readonly in0: number; readonly inHeight: number };
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

/**
 * An operation's declaration (the default export of its meta.ts). The literal types are kept, so
 * `ParamsOf<typeof meta>` gives its parameters' types. Declarations hold no kernel code: the main
 * thread loads every one of them.
 */
export function declareOp<const D extends OpDecl>(decl: D): D {
  return Object.freeze(decl);
}

/** A kernel for the parameters of declaration `D`. */
export type KernelOf<D extends OpDecl> = (
  inputs: KernelInputs,
  params: ParamsOf<D>,
  ctx: KernelContext,
) => KernelOutputs | Promise<KernelOutputs>;

/**
 * An operation: its declaration (imported from its meta.ts) with its kernel, typed by that
 * declaration's parameters. The default export of the operation's kernel.ts.
 */
export function defineOp<const D extends OpDecl>(decl: D, kernel: KernelOf<D>): OpDef & D {
  // Executors resolve parameters against the same declaration (engine/params.ts), so what a kernel
  // receives has the declared names and types.
  return Object.freeze({ ...decl, kernel: kernel as unknown as Kernel });
}
