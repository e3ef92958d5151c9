// A node's thumbnail (an ImageBitmap a worker may attach to an image result) is stored as a small
// PNG: lossless, a few kB at thumbnail size, and decoded off the main thread by createImageBitmap.
// The codec is injectable because Node (unit tests) has neither ImageBitmap nor OffscreenCanvas.

export interface ThumbnailCodec {
  /** The bitmap as a Blob, or undefined if it cannot be encoded (closed, zero-sized). */
  encode(bitmap: ImageBitmap): Promise<Blob | undefined>;
  /** Rejects if the Blob does not decode. */
  decode(blob: Blob): Promise<ImageBitmap>;
}

/** The browser codec, or null where OffscreenCanvas or createImageBitmap is missing. */
export function defaultThumbnailCodec(): ThumbnailCodec | null {
  if (typeof OffscreenCanvas === 'undefined' || typeof createImageBitmap !== 'function') return null;
  return {
    async encode(bitmap) {
      if (!(bitmap.width > 0 && bitmap.height > 0)) return undefined; // closed bitmaps report 0×0
      const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
      const ctx = canvas.getContext('2d');
      if (!ctx) return undefined;
      ctx.drawImage(bitmap, 0, 0);
      return canvas.convertToBlob({ type: 'image/png' });
    },
    decode(blob) {
      return createImageBitmap(blob);
    },
  };
}

/** What a result value may carry besides its pixels (see ImageResult in workers/protocol.ts). */
export interface WithThumbnail {
  readonly thumbnail?: ImageBitmap;
}

export function thumbnailOf(v: unknown): ImageBitmap | undefined {
  const t = typeof v === 'object' && v !== null ? (v as WithThumbnail).thumbnail : undefined;
  return t && typeof t === 'object' ? t : undefined;
}

/** A shown image's display bitmap (workers/protocol.ts ImageResult), if it has one: kept in memory only. */
export function displayOf(v: unknown): ImageBitmap | undefined {
  const d = typeof v === 'object' && v !== null ? (v as { display?: unknown }).display : undefined;
  return d && typeof d === 'object' ? (d as ImageBitmap) : undefined;
}

/** RGBA bytes a bitmap stands for in memory. */
export function bitmapBytes(bitmap: ImageBitmap | undefined): number {
  if (!bitmap) return 0;
  const w = Number(bitmap.width) || 0;
  const h = Number(bitmap.height) || 0;
  return w * h * 4;
}
