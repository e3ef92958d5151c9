// PNG decoding and encoding to and from exact straight-alpha RGBA8, in plain TypeScript over the
// platform's zlib (DecompressionStream / CompressionStream: native in browsers, workers and
// Node 18+). Written here instead of going through a 2D canvas, whose premultiplied storage loses
// the colour of semi-transparent pixels (a pixel of alpha 0 comes back black, alpha 3 keeps about
// 7 levels per channel) and rounds ±1 at higher alpha; a PNG holds exact values, and a result's
// pixels are data, not something to display.
//
// Decoding takes every PNG the standard allows: grey, RGB, palette, grey+alpha and RGBA, at 1, 2,
// 4, 8 and 16 bits, tRNS transparency, Adam7 interlacing. 16-bit samples are rounded to 8 bits
// (v · 255 / 65535); colour chunks (gAMA, iCCP, sRGB) are not applied: the file's own values are
// what a step receives. Encoding writes 8-bit RGBA, or RGB when every pixel is opaque, with an
// adaptive filter per row. Nothing here touches the DOM.

import { createImage } from '../ops/image';
import type { Image } from '../ops/types';

/** The file is not a PNG this decoder can read, or is damaged; the message says which. */
export class PngError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageDecodeError';
  }
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export interface PngInfo {
  readonly width: number;
  readonly height: number;
  readonly bitDepth: number;
  readonly colorType: number;
  readonly interlace: boolean;
  /** The file can hold transparency: an alpha channel, or a tRNS chunk. */
  readonly hasAlpha: boolean;
}

interface Parsed extends PngInfo {
  readonly palette: Uint8Array | null;
  readonly trns: Uint8Array | null;
  readonly idat: Uint8Array[];
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const DEPTHS: Record<number, readonly number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };

const be32 = (b: Uint8Array, i: number) => ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
const be16 = (b: Uint8Array, i: number) => (b[i]! << 8) | b[i + 1]!;

export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && SIGNATURE.every((v, i) => bytes[i] === v);
}

function parse(bytes: Uint8Array): Parsed {
  if (!isPng(bytes)) throw new PngError('This file is not a PNG');
  let pos = 8;
  let header: Omit<PngInfo, 'hasAlpha'> | null = null;
  let palette: Uint8Array | null = null;
  let trns: Uint8Array | null = null;
  const idat: Uint8Array[] = [];
  let ended = false;
  while (pos + 8 <= bytes.length) {
    const length = be32(bytes, pos);
    const type = String.fromCharCode(bytes[pos + 4]!, bytes[pos + 5]!, bytes[pos + 6]!, bytes[pos + 7]!);
    const start = pos + 8;
    if (length > bytes.length - start) throw new PngError('This PNG file is damaged: it ends in the middle of a chunk');
    const data = bytes.subarray(start, start + length);
    pos = start + length + 4; // data, then the CRC (zlib's own check covers the pixels)
    if (type === 'IHDR') {
      if (length < 13) throw new PngError('This PNG file is damaged: its header is too short');
      header = {
        width: be32(data, 0),
        height: be32(data, 4),
        bitDepth: data[8]!,
        colorType: data[9]!,
        interlace: data[12] === 1,
      };
      if (data[10] !== 0 || data[11] !== 0 || data[12]! > 1) throw new PngError('This PNG file uses a compression, filter or interlace method that does not exist');
    } else if (type === 'PLTE') palette = data;
    else if (type === 'tRNS') trns = data;
    else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') {
      ended = true;
      break;
    }
  }
  if (!header) throw new PngError('This PNG file is damaged: it has no header');
  const { width, height, bitDepth, colorType } = header;
  if (!(colorType in CHANNELS) || !DEPTHS[colorType]!.includes(bitDepth)) {
    throw new PngError(`This PNG file is damaged: colour type ${colorType} with ${bitDepth} bits does not exist`);
  }
  if (width === 0 || height === 0) throw new PngError('This PNG file is damaged: it has no pixels');
  if (colorType === 3 && !palette) throw new PngError('This PNG file is damaged: it has no palette');
  if (idat.length === 0) throw new PngError(ended ? 'This PNG file is damaged: it has no image data' : 'This PNG file is damaged: it ends early');
  const hasAlpha = colorType === 4 || colorType === 6 || trns !== null;
  return { ...header, hasAlpha, palette, trns, idat };
}

/** Size, depth and whether the file can hold transparency, from its chunks (no pixels decoded). */
export function pngInfo(bytes: Uint8Array): PngInfo {
  const { width, height, bitDepth, colorType, interlace, hasAlpha } = parse(bytes);
  return { width, height, bitDepth, colorType, interlace, hasAlpha };
}

/** The seven Adam7 passes: x0, y0, dx, dy. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

interface Pass {
  readonly x0: number;
  readonly y0: number;
  readonly dx: number;
  readonly dy: number;
  readonly w: number;
  readonly h: number;
}

function passesOf(width: number, height: number, interlace: boolean): Pass[] {
  if (!interlace) return [{ x0: 0, y0: 0, dx: 1, dy: 1, w: width, h: height }];
  return ADAM7.map(([x0, y0, dx, dy]) => ({
    x0,
    y0,
    dx,
    dy,
    w: Math.max(0, Math.ceil((width - x0) / dx)),
    h: Math.max(0, Math.ceil((height - y0) / dy)),
  })).filter((p) => p.w > 0 && p.h > 0);
}

/** Inflates the zlib stream into a buffer of exactly `size` bytes; less or more is damage. */
async function inflate(parts: readonly Uint8Array[], size: number, signal?: AbortSignal): Promise<Uint8Array> {
  const out = new Uint8Array(size);
  // A Blob cannot hold views of shared memory: those parts are copied.
  const own = parts.map((p) => (p.buffer instanceof ArrayBuffer ? p : p.slice()) as Uint8Array<ArrayBuffer>);
  const stream = new Blob(own).stream().pipeThrough(new DecompressionStream('deflate'));
  const reader = stream.getReader();
  let at = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (signal?.aborted) {
        void reader.cancel();
        throw signal.reason;
      }
      if (at + value.length > size) {
        // Extra data after the pixels is tolerated by every decoder we know; keep what we need.
        out.set(value.subarray(0, size - at), at);
        at = size;
        void reader.cancel();
        break;
      }
      out.set(value, at);
      at += value.length;
    }
  } catch (e) {
    if (signal?.aborted) throw signal.reason;
    if (e instanceof PngError) throw e;
    throw new PngError('This PNG file is damaged: its compressed pixel data cannot be read');
  }
  if (at < size) throw new PngError('This PNG file is damaged: it has fewer pixels than its size says');
  return out;
}

/** Reverses the row filters of one pass in place; returns nothing, throws on an unknown filter. */
function unfilter(buf: Uint8Array, offset: number, rowBytes: number, rows: number, bpp: number): void {
  let prev = -1;
  for (let y = 0; y < rows; y++) {
    const f = buf[offset]!;
    const row = offset + 1;
    switch (f) {
      case 0:
        break;
      case 1:
        for (let i = bpp; i < rowBytes; i++) buf[row + i] = (buf[row + i]! + buf[row + i - bpp]!) & 255;
        break;
      case 2:
        if (prev >= 0) for (let i = 0; i < rowBytes; i++) buf[row + i] = (buf[row + i]! + buf[prev + i]!) & 255;
        break;
      case 3:
        for (let i = 0; i < rowBytes; i++) {
          const left = i >= bpp ? buf[row + i - bpp]! : 0;
          const up = prev >= 0 ? buf[prev + i]! : 0;
          buf[row + i] = (buf[row + i]! + ((left + up) >> 1)) & 255;
        }
        break;
      case 4:
        for (let i = 0; i < rowBytes; i++) {
          const a = i >= bpp ? buf[row + i - bpp]! : 0;
          const b = prev >= 0 ? buf[prev + i]! : 0;
          const c = i >= bpp && prev >= 0 ? buf[prev + i - bpp]! : 0;
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          buf[row + i] = (buf[row + i]! + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 255;
        }
        break;
      default:
        throw new PngError(`This PNG file is damaged: row ${y + 1} has an unknown filter (${f})`);
    }
    prev = row;
    offset = row + rowBytes;
  }
}

/** 16-bit sample to 8 bits, rounded. */
const to8 = (v: number) => ((v * 255 + 32767) / 65535) | 0;

/**
 * Decodes a PNG file into exact straight-alpha RGBA8 (shared memory when the page is isolated).
 * `maxPixels` refuses a file too large before anything is allocated.
 */
export async function decodePng(bytes: Uint8Array, options: { readonly maxPixels?: number; readonly signal?: AbortSignal } = {}): Promise<Image> {
  const p = parse(bytes);
  const { width, height, bitDepth, colorType } = p;
  if (options.maxPixels !== undefined && width * height > options.maxPixels) {
    throw new PngError(`This PNG is ${width}×${height}, more pixels than the limit`);
  }
  const channels = CHANNELS[colorType]!;
  const bitsPerPixel = channels * bitDepth;
  const bpp = Math.max(1, bitsPerPixel >> 3);
  const passes = passesOf(width, height, p.interlace);
  let total = 0;
  for (const pass of passes) total += pass.h * (1 + Math.ceil((pass.w * bitsPerPixel) / 8));
  const raw = await inflate(p.idat, total, options.signal);
  const image = createImage(width, height);
  const out = image.data;

  // Transparency: a palette's alpha table, or the one grey / RGB value that is transparent.
  const palette = p.palette;
  const paletteAlpha = colorType === 3 ? p.trns : null;
  const key = p.trns && colorType === 0 && p.trns.length >= 2 ? [be16(p.trns, 0)] : p.trns && colorType === 2 && p.trns.length >= 6 ? [be16(p.trns, 0), be16(p.trns, 2), be16(p.trns, 4)] : null;
  const maxSample = (1 << bitDepth) - 1;
  const greyScale = bitDepth < 8 ? 255 / maxSample : 1;

  let offset = 0;
  for (const pass of passes) {
    const rowBytes = Math.ceil((pass.w * bitsPerPixel) / 8);
    unfilter(raw, offset, rowBytes, pass.h, bpp);
    for (let py = 0; py < pass.h; py++) {
      const row = offset + 1 + py * (rowBytes + 1);
      const y = pass.y0 + py * pass.dy;
      let o = (y * width + pass.x0) * 4;
      const step = pass.dx * 4;
      if (colorType === 6 && bitDepth === 8 && pass.dx === 1) {
        out.set(raw.subarray(row, row + rowBytes), o);
        continue;
      }
      for (let px = 0; px < pass.w; px++, o += step) {
        let r: number, g: number, b: number, a = 255;
        if (bitDepth === 16) {
          const i = row + px * channels * 2;
          const s0 = be16(raw, i);
          if (colorType === 0) {
            r = g = b = to8(s0);
            if (key && s0 === key[0]) a = 0;
          } else if (colorType === 4) {
            r = g = b = to8(s0);
            a = to8(be16(raw, i + 2));
          } else {
            const s1 = be16(raw, i + 2);
            const s2 = be16(raw, i + 4);
            r = to8(s0);
            g = to8(s1);
            b = to8(s2);
            if (colorType === 6) a = to8(be16(raw, i + 6));
            else if (key && s0 === key[0] && s1 === key[1] && s2 === key[2]) a = 0;
          }
        } else if (bitDepth === 8) {
          const i = row + px * channels;
          if (colorType === 0) {
            r = g = b = raw[i]!;
            if (key && r === key[0]) a = 0;
          } else if (colorType === 4) {
            r = g = b = raw[i]!;
            a = raw[i + 1]!;
          } else if (colorType === 2) {
            r = raw[i]!;
            g = raw[i + 1]!;
            b = raw[i + 2]!;
            if (key && r === key[0] && g === key[1] && b === key[2]) a = 0;
          } else if (colorType === 3) {
            const k = raw[i]!;
            [r, g, b, a] = paletteEntry(palette!, paletteAlpha, k);
          } else {
            r = raw[i]!;
            g = raw[i + 1]!;
            b = raw[i + 2]!;
            a = raw[i + 3]!;
          }
        } else {
          // 1, 2 or 4 bits: grey or palette indices packed high bit first.
          const bit = px * bitDepth;
          const v = (raw[row + (bit >> 3)]! >> (8 - bitDepth - (bit & 7))) & maxSample;
          if (colorType === 3) [r, g, b, a] = paletteEntry(palette!, paletteAlpha, v);
          else {
            r = g = b = Math.round(v * greyScale);
            if (key && v === key[0]) a = 0;
          }
        }
        out[o] = r;
        out[o + 1] = g;
        out[o + 2] = b;
        out[o + 3] = a;
      }
    }
    offset += pass.h * (rowBytes + 1);
  }
  return image;
}

/** A palette colour with its alpha; an index past the palette is opaque black, as browsers show it. */
function paletteEntry(palette: Uint8Array, alpha: Uint8Array | null, k: number): [number, number, number, number] {
  if (k * 3 + 2 >= palette.length) return [0, 0, 0, 255];
  return [palette[k * 3]!, palette[k * 3 + 1]!, palette[k * 3 + 2]!, alpha && k < alpha.length ? alpha[k]! : 255];
}

// ---- Encoding ----------------------------------------------------------------------------------

let crcTable: Uint32Array | undefined;

function crc32(parts: readonly Uint8Array[]): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  const t = crcTable;
  let c = 0xffffffff;
  for (const p of parts) for (let i = 0; i < p.length; i++) c = t[(c ^ p[i]!) & 255]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array[] {
  const head = new Uint8Array(8);
  const view = new DataView(head.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) head[4 + i] = type.charCodeAt(i);
  const tail = new Uint8Array(4);
  new DataView(tail.buffer).setUint32(0, crc32([head.subarray(4), data]));
  return [head, data, tail];
}

/** |v| of a byte difference read as a signed byte: how far a filtered byte is from 0. */
function mag(v: number): number {
  const d = (v << 24) >> 24;
  return (d ^ (d >> 31)) - (d >> 31);
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = p > a ? p - a : a - p;
  const pb = p > b ? p - b : b - p;
  const pc = p > c ? p - c : c - p;
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/**
 * The filtered scanlines: each row gets the filter whose output has the smallest sum of |signed
 * bytes| (libpng's heuristic), which is what makes photos compress well.
 */
function filterRows(image: Image, channels: 3 | 4): Uint8Array<ArrayBuffer> {
  const { width, height, data } = image;
  const src = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const rowBytes = width * channels;
  const stride = rowBytes + 1;
  const out = new Uint8Array(new ArrayBuffer(height * stride));
  const bpp = channels;
  const zero = new Uint8Array(rowBytes);
  // RGB rows are packed into scratch rows; RGBA rows are read in place.
  const packed = channels === 3 ? [new Uint8Array(rowBytes), new Uint8Array(rowBytes)] : null;
  let prev: Uint8Array = zero;
  for (let y = 0; y < height; y++) {
    let cur: Uint8Array;
    if (packed) {
      cur = packed[y & 1]!;
      for (let x = 0, i = y * width * 4, j = 0; x < width; x++, i += 4, j += 3) {
        cur[j] = src[i]!;
        cur[j + 1] = src[i + 1]!;
        cur[j + 2] = src[i + 2]!;
      }
    } else cur = src.subarray(y * rowBytes, (y + 1) * rowBytes);
    let none = 0, sub = 0, up = 0, avg = 0, pae = 0;
    for (let i = 0; i < rowBytes; i++) {
      const x = cur[i]!;
      const b = prev[i]!;
      const a = i >= bpp ? cur[i - bpp]! : 0;
      const c = i >= bpp ? prev[i - bpp]! : 0;
      none += x < 128 ? x : 256 - x;
      sub += mag(x - a);
      up += mag(x - b);
      avg += mag(x - ((a + b) >> 1));
      pae += mag(x - paeth(a, b, c));
    }
    let f = 0;
    let best = none;
    if (sub < best) (f = 1), (best = sub);
    if (up < best) (f = 2), (best = up);
    if (avg < best) (f = 3), (best = avg);
    if (pae < best) f = 4;
    const o = y * stride + 1;
    out[o - 1] = f;
    switch (f) {
      case 0:
        out.set(cur, o);
        break;
      case 1:
        for (let i = 0; i < rowBytes; i++) out[o + i] = cur[i]! - (i >= bpp ? cur[i - bpp]! : 0);
        break;
      case 2:
        for (let i = 0; i < rowBytes; i++) out[o + i] = cur[i]! - prev[i]!;
        break;
      case 3:
        for (let i = 0; i < rowBytes; i++) out[o + i] = cur[i]! - (((i >= bpp ? cur[i - bpp]! : 0) + prev[i]!) >> 1);
        break;
      default:
        for (let i = 0; i < rowBytes; i++) out[o + i] = cur[i]! - paeth(i >= bpp ? cur[i - bpp]! : 0, prev[i]!, i >= bpp ? prev[i - bpp]! : 0);
    }
    prev = cur;
  }
  return out;
}

/** Encodes RGBA8 as a lossless PNG: every pixel, alpha included, decodes to exactly what it was. */
export async function encodePng(image: Image, signal?: AbortSignal): Promise<Blob> {
  const { width, height, data } = image;
  let opaque = true;
  for (let i = 3; i < data.length; i += 4) {
    if (data[i] !== 255) {
      opaque = false;
      break;
    }
  }
  const channels = opaque ? 3 : 4;
  const filtered = filterRows(image, channels);
  signal?.throwIfAborted();
  const compressed = new Uint8Array(
    await new Response(new Blob([filtered]).stream().pipeThrough(new CompressionStream('deflate'))).arrayBuffer(),
  );
  signal?.throwIfAborted();
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr[8] = 8;
  ihdr[9] = opaque ? 2 : 6;
  const parts: Uint8Array[] = [new Uint8Array(SIGNATURE), ...chunk('IHDR', ihdr)];
  // IDAT in chunks of at most 1 MiB, as common encoders write them.
  for (let at = 0; at < compressed.length; at += 1 << 20) parts.push(...chunk('IDAT', compressed.subarray(at, Math.min(compressed.length, at + (1 << 20)))));
  parts.push(...chunk('IEND', new Uint8Array(0)));
  return new Blob(parts as BlobPart[], { type: 'image/png' });
}
