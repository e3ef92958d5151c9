// Node previews (thumbnails) and the viewer's display bitmap, computed row by row, so that the bands
// of a tiled step can each make the rows that fall inside their own output rows while those rows
// are still warm, and the last band to finish fills in the few rows that straddle two bands and
// makes the bitmaps. Whole and banded previews run the same arithmetic on the same samples, so
// they are byte-identical. Pure: no DOM, no canvas (the bitmaps are made by the worker, see
// step-worker.ts).

import type { Image } from '../ops/types';

/** Long side of the viewer's whole-image bitmap (see app/viewer.svelte.ts). */
export const DISPLAY_MAX_SIDE = 1024;

/** A node preview: up to 4×4 samples a pixel, averaged by alpha. */
export const THUMBNAIL = { samples: 4, weighted: true } as const;
/** The viewer's bitmap: up to 2×2 samples a pixel, a plain mean (refined from full resolution when zoomed in). */
export const DISPLAY = { samples: 2, weighted: false } as const;

export interface Sampling {
  readonly samples: number;
  readonly weighted: boolean;
}

/** The size of a width×height image with its long side at most maxSide, aspect kept, never enlarged. */
export function scaledSize(width: number, height: number, maxSide: number): { readonly width: number; readonly height: number } {
  const scale = Math.min(1, maxSide / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** Where a preview of a width×height image (or of a region of it) samples it. */
export interface PreviewGeometry {
  /** The image's width (the row stride). */
  readonly width: number;
  /** The rows sampled: [y0, y0 + rows). */
  readonly y0: number;
  readonly rows: number;
  /** Preview size: see scaledSize. */
  readonly tw: number;
  readonly th: number;
  readonly weighted: boolean;
  /** Samples per preview pixel across and down. */
  readonly nx: number;
  readonly ny: number;
  /** Byte offset within a source row of each sample column, nx per preview column. */
  readonly cols: Int32Array;
}

/** A region of an image in whole pixels, inside it. */
export interface PixelRegion {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export function previewGeometry(
  width: number,
  height: number,
  maxSide: number,
  sampling: Sampling = THUMBNAIL,
  region: PixelRegion = { x: 0, y: 0, width, height },
): PreviewGeometry {
  const { x: x0, width: rw, height: rh } = region;
  const { width: tw, height: th } = scaledSize(rw, rh, maxSide);
  const fx = rw / tw;
  const nx = Math.min(sampling.samples, Math.ceil(fx));
  const ny = Math.min(sampling.samples, Math.ceil(rh / th));
  const cols = new Int32Array(tw * nx);
  for (let x = 0; x < tw; x++) {
    for (let i = 0; i < nx; i++) cols[x * nx + i] = (x0 + Math.min(rw - 1, Math.floor((x + (i + 0.5) / nx) * fx))) * 4;
  }
  return { width, y0: region.y, rows: rh, tw, th, weighted: sampling.weighted, nx, ny, cols };
}

/** The source row of sample j (0 ≤ j < ny) of preview row y. */
function sampleRow(g: PreviewGeometry, y: number, j: number): number {
  return g.y0 + Math.min(g.rows - 1, Math.floor((y + (j + 0.5) / g.ny) * (g.rows / g.th)));
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
 * Preview rows [from, to) of `img` into `dst` (tw × th RGBA). Weighted (THUMBNAIL): each pixel the
 * alpha-weighted mean of its samples (a transparent pixel's colour does not bleed), alpha their
 * plain mean. Else (DISPLAY): the plain mean of every channel.
 */
export function previewRows(img: Image, g: PreviewGeometry, dst: Uint8ClampedArray, from: number, to: number): void {
  // The two shapes every large image takes (a 256 px node preview, the viewer's 1024 px bitmap),
  // read a word a sample with their loops unrolled: the same sums, divided alike, the same bytes.
  const words = wordsOf(img.data);
  if (words && !g.weighted && g.nx === 2 && g.ny === 2) display2x2(words, g, dst, from, to);
  else if (words && g.weighted && g.nx === 4 && g.ny === 4) thumbnail4x4(img.data, words, g, dst, from, to);
  else previewRowsBytes(img, g, dst, from, to);
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** The pixels as one 32-bit word each (0xAABBGGRR), where the buffer allows it. */
function wordsOf(data: Uint8ClampedArray): Uint32Array | null {
  if (!LITTLE_ENDIAN || data.byteOffset % 4 !== 0 || data.byteLength % 4 !== 0) return null;
  return new Uint32Array(data.buffer, data.byteOffset, data.byteLength / 4);
}

// Two channels summed in each 32-bit add (R and B, G and A): 16 samples of 255 stay under 2^16.
const LOW = 0x00ff00ff;

/** DISPLAY with 2×2 samples: the plain mean of each channel. */
function display2x2(words: Uint32Array, g: PreviewGeometry, dst: Uint8ClampedArray, from: number, to: number): void {
  const { width: w, tw, cols } = g;
  for (let y = from; y < to; y++) {
    const r0 = sampleRow(g, y, 0) * w, r1 = sampleRow(g, y, 1) * w;
    let o = y * tw * 4;
    for (let x = 0; x < tw; x++, o += 4) {
      const c0 = cols[2 * x]! >> 2, c1 = cols[2 * x + 1]! >> 2;
      const p0 = words[r0 + c0]!, p1 = words[r0 + c1]!, p2 = words[r1 + c0]!, p3 = words[r1 + c1]!;
      const rb = (p0 & LOW) + (p1 & LOW) + (p2 & LOW) + (p3 & LOW);
      const ga = ((p0 >>> 8) & LOW) + ((p1 >>> 8) & LOW) + ((p2 >>> 8) & LOW) + ((p3 >>> 8) & LOW);
      dst[o] = (rb & 0xffff) / 4;
      dst[o + 1] = (ga & 0xffff) / 4;
      dst[o + 2] = (rb >>> 16) / 4;
      dst[o + 3] = (ga >>> 16) / 4;
    }
  }
}

/**
 * THUMBNAIL with 4×4 samples. A pixel whose samples are all opaque is their plain mean (Σ255·c /
 * 255n is Σc / n: both exact, and the division correctly rounded); any other takes the byte path.
 */
function thumbnail4x4(src: Uint8ClampedArray, words: Uint32Array, g: PreviewGeometry, dst: Uint8ClampedArray, from: number, to: number): void {
  const { width: w, tw, cols } = g;
  const rows = new Int32Array(4);
  for (let y = from; y < to; y++) {
    for (let j = 0; j < 4; j++) rows[j] = sampleRow(g, y, j) * w * 4;
    const r0 = rows[0]! >> 2, r1 = rows[1]! >> 2, r2 = rows[2]! >> 2, r3 = rows[3]! >> 2;
    let o = y * tw * 4;
    for (let x = 0; x < tw; x++, o += 4) {
      let rb = 0, ga = 0, all = -1;
      for (let i = 0; i < 4; i++) {
        const c = cols[4 * x + i]! >> 2;
        const p0 = words[r0 + c]!, p1 = words[r1 + c]!, p2 = words[r2 + c]!, p3 = words[r3 + c]!;
        rb += (p0 & LOW) + (p1 & LOW) + (p2 & LOW) + (p3 & LOW);
        ga += ((p0 >>> 8) & LOW) + ((p1 >>> 8) & LOW) + ((p2 >>> 8) & LOW) + ((p3 >>> 8) & LOW);
        all &= p0 & p1 & p2 & p3;
      }
      if (all >>> 24 !== 255) {
        weightedPixel(src, rows, cols, x, 4, 4, dst, o);
        continue;
      }
      dst[o] = (rb & 0xffff) / 16;
      dst[o + 1] = (ga & 0xffff) / 16;
      dst[o + 2] = (rb >>> 16) / 16;
      dst[o + 3] = (ga >>> 16) / 16;
    }
  }
}

/**
 * One weighted preview pixel from bytes: the alpha-weighted mean of its samples (a transparent
 * pixel's colour does not bleed), alpha their plain mean. `rows` are the sample rows' byte offsets.
 */
function weightedPixel(src: Uint8ClampedArray, rows: Int32Array, cols: Int32Array, x: number, nx: number, ny: number, dst: Uint8ClampedArray, o: number): void {
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
    dst[o + 3] = a / (nx * ny);
  } else {
    dst[o] = dst[o + 1] = dst[o + 2] = dst[o + 3] = 0;
  }
}

/** previewRows a byte at a time: any buffer, any number of samples. */
function previewRowsBytes(img: Image, g: PreviewGeometry, dst: Uint8ClampedArray, from: number, to: number): void {
  const { width: w, tw, nx, ny, cols } = g;
  const src = img.data;
  const n = nx * ny;
  const rows = new Int32Array(ny);
  for (let y = from; y < to; y++) {
    for (let j = 0; j < ny; j++) rows[j] = sampleRow(g, y, j) * w * 4;
    let o = y * tw * 4;
    if (!g.weighted) {
      for (let x = 0; x < tw; x++) {
        let r = 0, gr = 0, b = 0, a = 0;
        for (let j = 0; j < ny; j++) {
          const row = rows[j]!;
          for (let i = 0; i < nx; i++) {
            const p = row + cols[x * nx + i]!;
            r += src[p]!;
            gr += src[p + 1]!;
            b += src[p + 2]!;
            a += src[p + 3]!;
          }
        }
        dst[o] = r / n;
        dst[o + 1] = gr / n;
        dst[o + 2] = b / n;
        dst[o + 3] = a / n;
        o += 4;
      }
      continue;
    }
    for (let x = 0; x < tw; x++, o += 4) weightedPixel(src, rows, cols, x, nx, ny, dst, o);
  }
}

/** One kind of preview a tiled step's bands make: its buffers by port, and a flag per row made. */
export interface PreviewLayer {
  readonly maxSide: number;
  readonly sampling: Sampling;
  readonly pixels: Readonly<Record<string, Uint8ClampedArray>>;
  readonly rows: Int32Array;
}

/**
 * Shared state of a tiled step's previews: the node previews of every output port, the viewer's
 * bitmap of the first when the step is shown, and the number of bands done.
 */
export interface BandPreviews {
  readonly thumbnails: PreviewLayer;
  readonly display?: PreviewLayer;
  readonly done: Int32Array;
}

function layer(ports: readonly string[], width: number, height: number, maxSide: number, sampling: Sampling): PreviewLayer {
  const g = previewGeometry(width, height, maxSide, sampling);
  const pixels: Record<string, Uint8ClampedArray> = {};
  for (const port of ports) pixels[port] = new Uint8ClampedArray(new SharedArrayBuffer(g.tw * g.th * 4));
  return { maxSide, sampling, pixels, rows: new Int32Array(new SharedArrayBuffer(4 * g.th)) };
}

/**
 * Buffers for the previews of `ports` of a width×height tiled step, in shared memory; with
 * `displayMaxSide`, also the viewer's bitmap of the first port.
 */
export function bandPreviews(ports: readonly string[], width: number, height: number, maxSide: number, displayMaxSide?: number): BandPreviews {
  return {
    thumbnails: layer(ports, width, height, maxSide, THUMBNAIL),
    ...(displayMaxSide && ports[0] !== undefined ? { display: layer([ports[0]], width, height, displayMaxSide, DISPLAY) } : {}),
    done: new Int32Array(new SharedArrayBuffer(4)),
  };
}

function layers(previews: BandPreviews): PreviewLayer[] {
  return previews.display ? [previews.thumbnails, previews.display] : [previews.thumbnails];
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
  const all = layers(previews);
  const geometry = (l: PreviewLayer, img: Image) => previewGeometry(img.width, img.height, l.maxSide, l.sampling);
  for (const l of all) {
    for (const [port, dst] of Object.entries(l.pixels)) {
      const img = outputs[port];
      if (!img) continue;
      const g = geometry(l, img);
      const { from, to } = previewRowsWithin(g, band.y0, band.y1);
      previewRows(img, g, dst, from, to);
      for (let y = from; y < to; y++) Atomics.store(l.rows, y, 1);
    }
  }
  // Sequentially consistent: the last band sees every other band's rows and flags.
  if (Atomics.add(previews.done, 0, 1) + 1 !== band.count) return false;
  for (const l of all) {
    for (const [port, dst] of Object.entries(l.pixels)) {
      const img = outputs[port];
      if (!img) continue;
      const g = geometry(l, img);
      for (let y = 0; y < g.th; y++) if (Atomics.load(l.rows, y) !== 1) previewRows(img, g, dst, y, y + 1);
    }
  }
  return true;
}
