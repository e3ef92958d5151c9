// Node previews (thumbnails) computed row by row, so that the bands of a tiled step can each make
// the preview rows that fall inside their own output rows while those rows are still warm, and the
// last band to finish fills in the few rows that straddle two bands and makes the bitmap. Whole and
// banded previews run the same arithmetic on the same samples, so they are byte-identical.
// Pure: no DOM, no canvas (the bitmap is made by the worker, see step-worker.ts).

import type { Image } from '../ops/types';

/** Where a preview of a width×height image samples it: up to 4×4 samples per preview pixel. */
export interface PreviewGeometry {
  readonly width: number;
  readonly height: number;
  /** Preview size: the long side at most `maxSide`, aspect kept, never larger than the image. */
  readonly tw: number;
  readonly th: number;
  /** Samples per preview pixel across and down. */
  readonly nx: number;
  readonly ny: number;
  /** Byte offset within a source row of each sample column, nx per preview column. */
  readonly cols: Int32Array;
}

export function previewGeometry(width: number, height: number, maxSide: number): PreviewGeometry {
  const scale = Math.min(1, maxSide / Math.max(width, height));
  const tw = Math.max(1, Math.round(width * scale));
  const th = Math.max(1, Math.round(height * scale));
  const fx = width / tw;
  const nx = Math.min(4, Math.ceil(fx));
  const ny = Math.min(4, Math.ceil(height / th));
  const cols = new Int32Array(tw * nx);
  for (let x = 0; x < tw; x++) {
    for (let i = 0; i < nx; i++) cols[x * nx + i] = Math.min(width - 1, Math.floor((x + (i + 0.5) / nx) * fx)) * 4;
  }
  return { width, height, tw, th, nx, ny, cols };
}

/** The source row of sample j (0 ≤ j < ny) of preview row y. */
function sampleRow(g: PreviewGeometry, y: number, j: number): number {
  return Math.min(g.height - 1, Math.floor((y + (j + 0.5) / g.ny) * (g.height / g.th)));
}

/** Preview rows [from, to) whose every sample lies in source rows [y0, y1). */
export function previewRowsWithin(g: PreviewGeometry, y0: number, y1: number): { readonly from: number; readonly to: number } {
  let from = 0;
  while (from < g.th && sampleRow(g, from, 0) < y0) from++;
  let to = from;
  while (to < g.th && sampleRow(g, to, g.ny - 1) < y1) to++;
  return { from, to };
}

/**
 * Preview rows [from, to) of `img` into `dst` (tw × th RGBA): each pixel the alpha-weighted mean
 * of its samples (a transparent pixel's colour does not bleed), alpha their plain mean.
 */
export function previewRows(img: Image, g: PreviewGeometry, dst: Uint8ClampedArray, from: number, to: number): void {
  const { width: w, tw, nx, ny, cols } = g;
  const src = img.data;
  const n = nx * ny;
  const rows = new Int32Array(ny);
  for (let y = from; y < to; y++) {
    for (let j = 0; j < ny; j++) rows[j] = sampleRow(g, y, j) * w * 4;
    let o = y * tw * 4;
    for (let x = 0; x < tw; x++) {
      let r = 0, gr = 0, b = 0, a = 0;
      for (let j = 0; j < ny; j++) {
        const row = rows[j]!;
        for (let i = 0; i < nx; i++) {
          const p = row + cols[x * nx + i]!;
          const al = src[p + 3]!;
          r += src[p]! * al;
          gr += src[p + 1]! * al;
          b += src[p + 2]! * al;
          a += al;
        }
      }
      if (a > 0) {
        dst[o] = r / a;
        dst[o + 1] = gr / a;
        dst[o + 2] = b / a;
        dst[o + 3] = a / n;
      } else {
        dst[o] = dst[o + 1] = dst[o + 2] = dst[o + 3] = 0;
      }
      o += 4;
    }
  }
}

/**
 * Shared state of a tiled step's previews: one tw × th RGBA buffer per output port and, in
 * `state`, the number of bands done (index 0) and a flag per preview row made (1 + row).
 */
export interface BandPreviews {
  readonly maxSide: number;
  readonly pixels: Readonly<Record<string, Uint8ClampedArray>>;
  readonly state: Int32Array;
}

/** Buffers for the previews of `ports` of a width×height tiled step, in shared memory. */
export function bandPreviews(ports: readonly string[], width: number, height: number, maxSide: number): BandPreviews {
  const g = previewGeometry(width, height, maxSide);
  const pixels: Record<string, Uint8ClampedArray> = {};
  for (const port of ports) pixels[port] = new Uint8ClampedArray(new SharedArrayBuffer(g.tw * g.th * 4));
  return { maxSide, pixels, state: new Int32Array(new SharedArrayBuffer(4 * (1 + g.th))) };
}

/**
 * A band's share of the previews, once its rows of `outputs` are written: the preview rows inside
 * its own rows. Returns true when it was the last band of `count` to finish, having then made the
 * rows no band could make alone (those that straddle two bands): the previews are complete.
 */
export function bandPreviewRows(
  previews: BandPreviews,
  outputs: Readonly<Record<string, Image>>,
  band: { readonly y0: number; readonly y1: number; readonly count: number },
): boolean {
  const ports = Object.keys(previews.pixels);
  const first = outputs[ports[0]!];
  if (!first) return false;
  const g = previewGeometry(first.width, first.height, previews.maxSide);
  const { from, to } = previewRowsWithin(g, band.y0, band.y1);
  for (const port of ports) previewRows(outputs[port]!, g, previews.pixels[port]!, from, to);
  for (let y = from; y < to; y++) Atomics.store(previews.state, 1 + y, 1);
  // Sequentially consistent: the last band sees every other band's rows and flags.
  if (Atomics.add(previews.state, 0, 1) + 1 !== band.count) return false;
  for (let y = 0; y < g.th; y++) {
    if (Atomics.load(previews.state, 1 + y) === 1) continue;
    for (const port of ports) previewRows(outputs[port]!, g, previews.pixels[port]!, y, y + 1);
  }
  return true;
}
