// Putting a viewer's picture on a canvas: a display bitmap a worker made, or a proxy's own pixels.
//
// Why proxies are drawn here, from their pixels: a bitmap made in a worker needs a fresh canvas
// backing there for every picture (the one before was handed over), and fresh memory costs page
// faults on its first writes: ~13 ms for a 1 MP proxy on one host, before the worker could even
// post its result. Here the pixels are copied into an ImageData kept for the canvas and put on a 2D
// canvas that keeps its size from one proxy to the next: ~0.6 ms a megapixel, no fresh memory.
// The viewer's bitmaps still go to a bitmap renderer (Viewer.svelte: a bitmap-renderer canvas and
// a 2D one per layer): handing one over costs this thread nothing, where drawing it on a 2D canvas
// costs a copy. The pinned viewer has one 2D canvas for both.

import type { Image } from '../ops/types';

/** What a viewer shows: a bitmap a worker made, or an image's own pixels (a proxy, at most about a megapixel). */
export type Picture = ImageBitmap | Image;

export function isBitmap(p: Picture | null): p is ImageBitmap {
  return p !== null && typeof ImageBitmap !== 'undefined' && p instanceof ImageBitmap;
}

/** Bitmaps put on a canvas: each is drawn once and then closed (or handed over). */
const consumed = new WeakSet<ImageBitmap>();
/** The pixels last put on each 2D canvas, kept for the next picture of the same size. */
const kept = new WeakMap<HTMLCanvasElement, ImageData>();

/**
 * Puts a picture on a 2D canvas at its own size, or empties the canvas (null). A bitmap is closed
 * once drawn (the canvas holds its pixels now); one already drawn leaves the canvas as it is.
 * Returns whether the canvas changed.
 */
export function drawPicture(canvas: HTMLCanvasElement, picture: Picture | null): boolean {
  const ctx = canvas.getContext('2d');
  if (!ctx) return false;
  if (!picture) {
    // Shrinking clears the canvas and lets go of its memory.
    kept.delete(canvas);
    if (canvas.width === 1 && canvas.height === 1) {
      ctx.clearRect(0, 0, 1, 1);
      return false;
    }
    resize(canvas, 1, 1);
    return true;
  }
  if (isBitmap(picture)) {
    if (!take(picture)) return false;
    resize(canvas, picture.width, picture.height);
    // 'copy' replaces every pixel, so the old picture needs no clearing pass first.
    ctx.globalCompositeOperation = 'copy';
    ctx.drawImage(picture, 0, 0);
    ctx.globalCompositeOperation = 'source-over';
    picture.close();
    return true;
  }
  const { width, height, data } = picture;
  resize(canvas, width, height);
  let pixels = kept.get(canvas);
  if (!pixels || pixels.width !== width || pixels.height !== height) {
    pixels = new ImageData(width, height);
    kept.set(canvas, pixels);
  }
  // ImageData cannot wrap shared memory: one copy into the kept pixels.
  pixels.data.set(data);
  ctx.putImageData(pixels, 0, 0);
  return true;
}

/**
 * Puts a bitmap on a bitmap renderer (no copy: the canvas takes it over), or empties it (null).
 * One already put on a canvas leaves this one as it is. Returns whether the canvas changed.
 */
export function presentBitmap(canvas: HTMLCanvasElement, bitmap: ImageBitmap | null): boolean {
  const ctx = canvas.getContext('bitmaprenderer');
  if (!ctx) return false;
  if (!bitmap) {
    // Clearing fills the canvas's whole size with transparent black: shrink it first, so that
    // letting go of the old picture costs nothing.
    resize(canvas, 1, 1);
    ctx.transferFromImageBitmap(null);
    return true;
  }
  if (!take(bitmap)) return false;
  resize(canvas, bitmap.width, bitmap.height);
  ctx.transferFromImageBitmap(bitmap);
  return true;
}

/** Claims a bitmap for one canvas; false when it was put on one already (or closed). */
function take(bitmap: ImageBitmap): boolean {
  if (consumed.has(bitmap) || bitmap.width === 0) return false;
  consumed.add(bitmap);
  return true;
}

function resize(canvas: HTMLCanvasElement, width: number, height: number): void {
  // Setting either, even to the same value, clears the canvas and may give it new memory.
  if (canvas.width !== width) canvas.width = width;
  if (canvas.height !== height) canvas.height = height;
}
