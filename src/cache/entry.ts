// How a step's outputs are written into the IndexedDB tier and checked on the way back. Images are
// stored as a Blob of their pixels with width, height, byte length and checksum beside it; numbers
// and histograms as they are (structured clone); a thumbnail as a small checksummed Blob. The entry
// as a whole carries a checksum of every other field (its key, dimensions, proxy scale, numbers,
// histograms and each Blob's checksum and size): pixels checked against their own checksum alone
// would let an entry with its width and height swapped, or a changed number, be served. Reading
// verifies everything and answers null for anything that does not add up, so a damaged entry can
// only ever be a miss.

import type { Histogram, Image, Value } from '../ops/types';
import { MAX_PIXELS, createImage, isHistogram, isImage, valueBytes } from '../ops/image';
import { blobChecksum, blobInto, bytesToBlob, type SliceOptions } from './blob-pixels';
import { valueChecksum } from './checksum';
import { bitmapBytes, displayOf, thumbnailOf, type ThumbnailCodec, type WithThumbnail } from './thumbnail';

/**
 * Bump when the stored shape changes; entries of another format are dropped as misses. 2: the entry
 * checksum (format 1 checked only the pixels, so its entries cannot be trusted and are dropped).
 */
export const ENTRY_FORMAT = 2;

export interface StoredThumbnail {
  readonly blob: Blob;
  readonly byteLength: number;
  readonly checksum: string;
}

export interface StoredImage {
  readonly kind: 'image';
  readonly width: number;
  readonly height: number;
  readonly byteLength: number;
  readonly checksum: string;
  readonly pixels: Blob;
  readonly thumbnail?: StoredThumbnail;
  /** A proxy's scale (see ops/proxy.ts); absent at full resolution. */
  readonly scale?: number;
}

export interface StoredNumber {
  readonly kind: 'number';
  readonly value: number;
}

export interface StoredHistogram {
  readonly kind: 'histogram';
  readonly r: Uint32Array;
  readonly g: Uint32Array;
  readonly b: Uint32Array;
  readonly a: Uint32Array;
  readonly luma: Uint32Array;
  readonly pixels: number;
}

export type StoredValue = StoredImage | StoredNumber | StoredHistogram;

export interface StoredEntry {
  readonly key: string;
  readonly format: number;
  /** Bytes charged to the IndexedDB budget (pixels, thumbnails, numbers and histograms). */
  readonly bytes: number;
  /** Identifies this write, so that deleting a damaged entry never removes a newer one. */
  readonly storedAt: number;
  readonly op?: string;
  readonly durationMs?: number;
  readonly outputs: Readonly<Record<string, StoredValue>>;
  /** XXH32 of every other field of the entry (see entryChecksum). */
  readonly checksum: string;
}

/** The checksum an entry must carry: of everything in it but the checksum itself. */
export function entryChecksum(entry: StoredEntry | Omit<StoredEntry, 'checksum'>): string {
  const { checksum: _own, ...rest } = entry as StoredEntry;
  return valueChecksum(rest);
}

export interface CodecOptions extends SliceOptions {
  readonly thumbnails?: ThumbnailCodec | null;
}

/** Bytes a result holds in memory: pixels, plus its thumbnail's and any display bitmap's RGBA. */
export function outputsBytes(outputs: Readonly<Record<string, Value>>): number {
  let n = 0;
  for (const v of Object.values(outputs)) n += valueBytes(v) + bitmapBytes(thumbnailOf(v)) + bitmapBytes(displayOf(v));
  return n;
}

/** False if an image's buffer was detached or resized since it was cached (a transfer elsewhere). */
export function outputsIntact(outputs: Readonly<Record<string, Value>>): boolean {
  for (const v of Object.values(outputs)) {
    if (isImage(v) && v.data.byteLength !== v.width * v.height * 4) return false;
  }
  return true;
}

/**
 * Encodes outputs for storage, or returns null when they cannot be stored faithfully (a value of
 * an unknown kind, or a buffer detached while it was being copied).
 */
export async function encodeEntry(
  key: string,
  outputs: Readonly<Record<string, Value>>,
  meta: { readonly storedAt: number; readonly op?: string; readonly durationMs?: number },
  opts: CodecOptions = {},
): Promise<StoredEntry | null> {
  const stored: Record<string, StoredValue> = {};
  let bytes = 0;
  for (const [port, v] of Object.entries(outputs)) {
    if (typeof v === 'number') {
      stored[port] = { kind: 'number', value: v };
      bytes += 8;
    } else if (isHistogram(v)) {
      stored[port] = encodeHistogram(v);
      bytes += valueBytes(v);
    } else if (isImage(v)) {
      const expected = v.width * v.height * 4;
      if (v.data.byteLength !== expected) return null;
      const pixels = await bytesToBlob(v.data, opts);
      if (!pixels) return null;
      const thumbnail = await encodeThumbnail(thumbnailOf(v), opts.thumbnails);
      stored[port] = {
        kind: 'image',
        width: v.width,
        height: v.height,
        byteLength: expected,
        checksum: pixels.checksum,
        pixels: pixels.blob,
        ...(thumbnail ? { thumbnail } : {}),
        ...(v.scale !== undefined ? { scale: v.scale } : {}),
      };
      bytes += expected + (thumbnail?.byteLength ?? 0);
    } else {
      return null;
    }
  }
  const entry = {
    key,
    format: ENTRY_FORMAT,
    bytes,
    storedAt: meta.storedAt,
    ...(meta.op !== undefined ? { op: meta.op } : {}),
    ...(meta.durationMs !== undefined ? { durationMs: meta.durationMs } : {}),
    outputs: stored,
  };
  return { ...entry, checksum: entryChecksum(entry) };
}

/**
 * Decodes and verifies a stored entry. Null means it failed validation: an entry checksum that does
 * not match its fields, a pixel checksum, byte length or dimension that does not match, a
 * thumbnail that does not decode. Throws UnreadableBlobError if a Blob cannot be read at all.
 */
export async function decodeEntry(entry: StoredEntry, opts: CodecOptions = {}): Promise<Record<string, Value> | null> {
  if (typeof entry !== 'object' || entry === null || typeof entry.outputs !== 'object' || entry.outputs === null) return null;
  // First, before any Blob is read: every field is as it was written (the pixels are then checked
  // against their own checksum, which this covers).
  if (typeof entry.checksum !== 'string' || entryChecksum(entry) !== entry.checksum) return null;
  const out: Record<string, Value> = {};
  for (const [port, s] of Object.entries(entry.outputs)) {
    const v = await decodeValue(s, opts);
    if (v === null) return null;
    out[port] = v;
  }
  return out;
}

/**
 * The entry's light form (see ResultStore.peek): numbers and histograms as they are, each image as
 * its size, scale and thumbnail with no pixels (`stored: true`, empty `data`) — its pixel Blob is
 * not read, so neither are its bytes checked (`decodeEntry` does that when they are asked for).
 * Null when the entry is damaged as far as can be told without the pixels.
 */
export async function decodeEntryLight(entry: StoredEntry, opts: CodecOptions = {}): Promise<Record<string, Value> | null> {
  if (typeof entry !== 'object' || entry === null || typeof entry.outputs !== 'object' || entry.outputs === null) return null;
  if (typeof entry.checksum !== 'string' || entryChecksum(entry) !== entry.checksum) return null;
  const out: Record<string, Value> = {};
  for (const [port, s] of Object.entries(entry.outputs)) {
    if (s?.kind !== 'image') {
      const v = await decodeValue(s, opts);
      if (v === null) return null;
      out[port] = v;
      continue;
    }
    const { width, height, byteLength } = s;
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) return null;
    if (width * height > MAX_PIXELS || byteLength !== width * height * 4) return null;
    if (!(s.pixels instanceof Blob) || s.pixels.size !== byteLength) return null;
    if (s.scale !== undefined && !(typeof s.scale === 'number' && s.scale > 0 && s.scale < 1)) return null;
    const thumbnail = s.thumbnail ? await decodeThumbnail(s.thumbnail, opts.thumbnails) : undefined;
    if (thumbnail === null) return null;
    const light: Image & WithThumbnail & { readonly stored: true } = {
      width,
      height,
      data: NO_PIXELS,
      stored: true,
      ...(s.scale !== undefined ? { scale: s.scale } : {}),
      ...(thumbnail ? { thumbnail } : {}),
    };
    out[port] = light;
  }
  return out;
}

/** The `data` of a light image: none (its pixels are in storage). */
const NO_PIXELS = new Uint8ClampedArray(0);

async function decodeValue(s: StoredValue, opts: CodecOptions): Promise<Value | null> {
  switch (s?.kind) {
    case 'number':
      return typeof s.value === 'number' ? s.value : null;
    case 'histogram':
      return decodeHistogram(s);
    case 'image':
      return decodeImage(s, opts);
    default:
      return null;
  }
}

async function decodeImage(s: StoredImage, opts: CodecOptions): Promise<Value | null> {
  const { width, height, byteLength } = s;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) return null;
  if (width * height > MAX_PIXELS || byteLength !== width * height * 4) return null;
  if (!(s.pixels instanceof Blob) || s.pixels.size !== byteLength || typeof s.checksum !== 'string') return null;
  if (s.scale !== undefined && !(typeof s.scale === 'number' && s.scale > 0 && s.scale < 1)) return null;
  // Shared memory where the page allows it, like every other image in the app, so that the pool
  // can hand the result to any worker without copying or detaching it.
  const blank = createImage(width, height);
  const image: Image = s.scale !== undefined ? { ...blank, scale: s.scale } : blank;
  const sum = await blobInto(s.pixels, image.data, opts);
  if (sum === null || sum !== s.checksum) return null;
  if (!s.thumbnail) return image;
  const thumbnail = await decodeThumbnail(s.thumbnail, opts.thumbnails);
  if (thumbnail === null) return null;
  if (thumbnail === undefined) return image;
  const withThumbnail: Image & WithThumbnail = { ...image, thumbnail };
  return withThumbnail;
}

async function encodeThumbnail(bitmap: ImageBitmap | undefined, codec: ThumbnailCodec | null | undefined): Promise<StoredThumbnail | undefined> {
  if (!bitmap || !codec) return undefined;
  let blob: Blob | undefined;
  try {
    blob = await codec.encode(bitmap);
  } catch {
    return undefined; // a thumbnail is a convenience: the entry is stored without it
  }
  if (!blob) return undefined;
  try {
    return { blob, byteLength: blob.size, checksum: await blobChecksum(blob) };
  } catch {
    return undefined;
  }
}

/** The bitmap; undefined when this page cannot decode thumbnails; null when the stored one is damaged. */
async function decodeThumbnail(t: StoredThumbnail, codec: ThumbnailCodec | null | undefined): Promise<ImageBitmap | undefined | null> {
  if (!(t.blob instanceof Blob) || t.blob.size !== t.byteLength) return null;
  if ((await blobChecksum(t.blob)) !== t.checksum) return null;
  if (!codec) return undefined;
  try {
    return await codec.decode(t.blob);
  } catch {
    return null;
  }
}

function encodeHistogram(h: Histogram): StoredHistogram {
  // Copies: the stored arrays must not share a buffer with anything still in use (nor be shared memory,
  // which IndexedDB cannot clone).
  return {
    kind: 'histogram',
    r: new Uint32Array(h.r),
    g: new Uint32Array(h.g),
    b: new Uint32Array(h.b),
    a: new Uint32Array(h.a),
    luma: new Uint32Array(h.luma),
    pixels: h.pixels,
  };
}

function decodeHistogram(s: StoredHistogram): Histogram | null {
  const arrays = [s.r, s.g, s.b, s.a, s.luma];
  if (!arrays.every((a) => a instanceof Uint32Array && a.length === 256)) return null;
  if (typeof s.pixels !== 'number' || !Number.isFinite(s.pixels)) return null;
  return { kind: 'histogram', r: s.r, g: s.g, b: s.b, a: s.a, luma: s.luma, pixels: s.pixels };
}
