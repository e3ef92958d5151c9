// Row bands for tiled execution: the one place that knows how a tile-safe operation (its `tile`
// declaration, see engine/op.ts) is split, fed and reassembled. Pure and synchronous apart from
// `runBanded`, so the worker pool, the step worker and the Node unit tests share it.
//
// A band is a run of whole output rows [y0, y1). Its kernel sees the input rows [in0, in1): the
// band widened by the operation's halo on both sides and clamped to the image. Rows are contiguous
// in memory, so a band's input is a zero-copy `subarray` view of the full image; the kernel's
// output for it has in1 − in0 rows, of which the band's own rows (y0 − in0 … y1 − in0) are copied
// into the full-size output. Bands never overlap in the output, so workers can write theirs into
// one shared image at the same time without locks. A kernel that can writes those rows there
// itself (`KernelContext.tile`, see `bandTarget`), which saves a band-sized image and a copy.
//
// A resampling operation (TileDecl.resample, a resize) has bands of output rows that read the input
// rows of their windows: its kernel's output for a band is exactly the band's rows, and it is told
// where the band lies (`TileTarget.rows`), since its input alone does not say.

import type { OpDecl, Params, ResampledRows, TileDecl } from '../engine/op';
import { createImage, isImage, MAX_PIXELS } from './image';
import type { Image, KernelContext, KernelInputs, KernelOutputs, OpDef, TileTarget, Value } from './types';

export interface Band {
  /** 0-based position among `count` bands, top first. */
  readonly index: number;
  readonly count: number;
  /** Output rows this band owns: [y0, y1). */
  readonly y0: number;
  readonly y1: number;
  /** Input rows its kernel reads: [in0, in1) ⊇ [y0, y1), the halo clamped to the image. */
  readonly in0: number;
  readonly in1: number;
  /** A resampling op's band (see TileDecl.resample): its input rows are its windows', its kernel output is its own rows only. */
  readonly resampled?: true;
}

/** The declaration of a row-local operation (each output row depends on its input row only). */
export const rowLocal: TileDecl = Object.freeze({ halo: () => 0 });

/** The op's halo for these parameters, or undefined when the op is not tile-safe. */
export function tileHalo(op: OpDecl, params: Params): number | undefined {
  if (!op.tile) return undefined;
  const h = op.tile.halo(params);
  if (!Number.isFinite(h) || h < 0) throw new RangeError(`${op.title} declared an invalid halo (${h})`);
  return Math.ceil(h);
}

/**
 * Splits `height` rows into `count` bands of (nearly) equal height, the taller ones first; fewer
 * bands when there are fewer rows than bands. Each band's input is widened by `halo` rows on both
 * sides, clamped to [0, height).
 */
export function planBands(height: number, count: number, halo: number): Band[] {
  if (!Number.isInteger(height) || height < 1) throw new RangeError(`Cannot split ${height} rows into bands`);
  const n = Math.max(1, Math.min(height, Math.floor(count)));
  const h = Math.max(0, Math.ceil(halo));
  const base = Math.floor(height / n);
  const extra = height % n;
  const bands: Band[] = [];
  let y0 = 0;
  for (let i = 0; i < n; i++) {
    const y1 = y0 + base + (i < extra ? 1 : 0);
    bands.push({ index: i, count: n, y0, y1, in0: Math.max(0, y0 - h), in1: Math.min(height, y1 + h) });
    y0 = y1;
  }
  return bands;
}

/** A resampling op's bands (TileDecl.resample): runs of output rows split as planBands does, each reading its windows' input rows. */
export function planResampledBands(map: ResampledRows, count: number): Band[] {
  return planBands(map.height, count, 0).map((b) => {
    const [in0, in1] = map.rows(b.y0, b.y1);
    return { ...b, in0, in1, resampled: true };
  });
}

/**
 * How a tile-safe op's step of this input size would be laid out: the output size and its bands,
 * `count(output rows)` of them, or undefined when these parameters are not split (a resampling
 * op's declaration may decline). Throws what the declaration throws for bad parameters.
 */
export function planTiles(
  op: OpDecl,
  params: Params,
  size: { width: number; height: number },
  count: (rows: number) => number,
): { width: number; height: number; bands: Band[] } | undefined {
  const decl = op.tile;
  if (!decl) return undefined;
  if (decl.resample) {
    const map = decl.resample(params, size.width, size.height);
    // an output over the limit is the kernel's to refuse, run whole, before anything is allocated
    if (!map || map.width * map.height > MAX_PIXELS) return undefined;
    return { width: map.width, height: map.height, bands: planResampledBands(map, count(map.height)) };
  }
  const halo = tileHalo(op, params);
  return halo === undefined ? undefined : { ...size, bands: planBands(size.height, count(size.height), halo) };
}

/** Input rows the kernels of these bands read in all, relative to the image's height (1 = no halo overhead). */
export function bandCost(bands: readonly Band[], height: number): { readonly total: number; readonly longest: number } {
  let total = 0;
  let longest = 0;
  for (const b of bands) {
    total += b.in1 - b.in0;
    longest = Math.max(longest, b.in1 - b.in0);
  }
  return { total: total / height, longest: longest / height };
}

/** Rows [y0, y1) of an image as a view of the same memory (no copy). */
export function sliceRows(img: Image, y0: number, y1: number): Image {
  if (!(y0 >= 0 && y1 <= img.height && y0 < y1)) throw new RangeError(`Rows ${y0}..${y1} are outside an image of ${img.height} rows`);
  const row = img.width * 4;
  return { width: img.width, height: y1 - y0, data: img.data.subarray(y0 * row, y1 * row) };
}

/**
 * The kernel inputs of one band: every image input that has the full image's size is cut to the
 * band's input rows; other values (numbers, histograms) pass as they are. Executors tile only when
 * all image inputs have the first one's size, so nothing else is ever cut.
 */
export function bandInputs(inputs: KernelInputs, band: Band, width: number, height: number): KernelInputs {
  const out: Record<string, Value> = {};
  for (const [port, v] of Object.entries(inputs)) {
    out[port] = isImage(v) && v.width === width && v.height === height ? sliceRows(v, band.in0, band.in1) : v;
  }
  return out;
}

/**
 * The first image input's size, and whether every image input has it: the condition for tiling a
 * step with several image inputs. Undefined when there is no image input.
 */
export function tileableSize(op: OpDecl, inputs: Readonly<Record<string, unknown>>): { width: number; height: number } | undefined {
  let size: { width: number; height: number } | undefined;
  for (const port of op.inputs) {
    if (port.type !== 'image') continue;
    const v = inputs[port.name];
    if (v === undefined) continue;
    if (!isImage(v)) return undefined;
    if (!size) size = { width: v.width, height: v.height };
    else if (v.width !== size.width || v.height !== size.height) return undefined;
  }
  return size;
}

/** Whether an op could be tiled at all: declared tile-safe and producing only images. */
export function tileSafe(op: OpDecl): boolean {
  return !!op.tile && op.outputs.length > 0 && op.outputs.every((p) => p.type === 'image');
}

/**
 * Where a kernel may write the band's own rows itself (its `ctx.tile`): those rows of the full-size
 * output, as a view. Only for operations with a single output.
 */
export function bandTarget(band: Band, out: Image, inHeight?: number): TileTarget {
  const into = sliceRows(out, band.y0, band.y1);
  if (!band.resampled) return { from: band.y0 - band.in0, to: band.y1 - band.in0, into };
  if (inHeight === undefined) throw new Error('A resampled band needs its input’s height');
  return { from: 0, to: band.y1 - band.y0, into, rows: { y0: band.y0, y1: band.y1, in0: band.in0, inHeight } };
}

/**
 * Copies the band's own rows out of its kernel output (which covers the band's input rows) into
 * the full-size `out`; nothing to do when the kernel returned the band's `target`, which it wrote
 * itself. Checks the output has the size the tile contract promises.
 */
export function copyBandRows(result: Value | undefined, band: Band, out: Image, what = 'The operation', target?: TileTarget): void {
  if (target && result === target.into) return;
  // a resampling kernel's output is the band's own rows; any other's covers its input rows
  const skip = band.resampled ? 0 : band.y0 - band.in0;
  const rows = band.resampled ? band.y1 - band.y0 : band.in1 - band.in0;
  if (!isImage(result) || result.width !== out.width || result.height !== rows || result.data.length !== out.width * rows * 4) {
    const got = isImage(result) ? `${result.width}×${result.height}` : 'no image';
    throw new Error(`${what} is declared tile-safe but gave ${got} for a band of ${out.width}×${rows}`);
  }
  const row = out.width * 4;
  out.data.set(result.data.subarray(skip * row, (skip + band.y1 - band.y0) * row), band.y0 * row);
}

/**
 * What a band's kernel is called with: the image inputs cut to the band's input rows and, when
 * `direct` and the op has a single output, the target it may write its own rows into (its
 * `ctx.tile`). `outputs` are the step's full-size outputs, by port. A resampling op's band always
 * gets its target: that is where it learns which rows it makes.
 */
export function bandCall(
  op: OpDef,
  inputs: KernelInputs,
  band: Band,
  outputs: Readonly<Record<string, Image>>,
  direct = true,
): { readonly inputs: KernelInputs; readonly target?: TileTarget } {
  const first = op.outputs[0] && outputs[op.outputs[0].name];
  if (!first) throw new Error(`A band of ${op.title} came without its output image`);
  const size = band.resampled ? tileableSize(op, inputs) : first;
  if (!size) throw new Error(`A band of ${op.title} came without its input image`);
  const sliced = bandInputs(inputs, band, size.width, size.height);
  if (band.resampled) {
    if (op.outputs.length !== 1) throw new Error(`${op.title} resamples, so it can have only one output to be tiled`);
    return { inputs: sliced, target: bandTarget(band, first, size.height) };
  }
  return direct && op.outputs.length === 1 ? { inputs: sliced, target: bandTarget(band, first) } : { inputs: sliced };
}

/** Puts the band's own rows of every output of its kernel into the step's full-size outputs. */
export function writeBandOutputs(op: OpDef, raw: KernelOutputs, band: Band, outputs: Readonly<Record<string, Image>>, target?: TileTarget): void {
  for (const port of op.outputs) {
    const out = outputs[port.name];
    if (!out) throw new Error(`A band of ${op.title} came without its "${port.name}" output image`);
    copyBandRows(raw[port.name], band, out, op.title, target);
  }
}

/**
 * Runs a tile-safe op band by band on this thread and assembles the result: what the pool does
 * across workers, without workers. For tests and for checking a `tile` declaration. `direct`
 * (default) offers kernels the band's target as a worker does; false makes every band copy.
 */
export async function runBanded(
  op: OpDef,
  inputs: KernelInputs,
  params: Params,
  ctx: KernelContext,
  count: number,
  direct = true,
): Promise<KernelOutputs> {
  if (!tileSafe(op)) throw new Error(`${op.title} is not tile-safe`);
  const size = tileableSize(op, inputs);
  if (!size) throw new Error(`${op.title}: its image inputs do not all have the same size`);
  const plan = planTiles(op, params, size, () => count);
  if (!plan) throw new Error(`${op.title} is not split for these parameters`);
  const outputs: Record<string, Image> = {};
  for (const port of op.outputs) outputs[port.name] = createImage(plan.width, plan.height);
  for (const band of plan.bands) {
    const call = bandCall(op, inputs, band, outputs, direct);
    const sub: KernelContext = {
      ...ctx,
      progress: (f) => ctx.progress((band.index + Math.min(1, f)) / plan.bands.length),
      ...(call.target ? { tile: call.target } : {}),
    };
    writeBandOutputs(op, await op.kernel(call.inputs, params, sub), band, outputs, call.target);
  }
  return outputs;
}
