// Image files in Node, to the same pixels the browser app gets: PNG through our own png.ts (exact
// straight alpha, as the app decodes a PNG that can hold transparency); every other format through
// sharp (libvips: libjpeg-turbo, libwebp, …) with the EXIF orientation applied, as the browser does.
// Writing: sharp for PNG (lossless, straight alpha as given), JPEG (laid on the background colour
// first, exactly as the app does) and WebP.

import sharp from 'sharp';
import { createImage, MAX_PIXELS } from '../ops/image';
import type { Image } from '../ops/types';
import { flatten } from '../workers/flatten';
import { decodePng, isPng, PngError } from '../workers/png';
import type { OutputFormat } from './args';

export class ImageFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageFileError';
  }
}

export async function decodeFile(bytes: Uint8Array): Promise<Image> {
  if (isPng(bytes)) {
    try {
      return await decodePng(bytes, { maxPixels: MAX_PIXELS });
    } catch (e) {
      if (e instanceof PngError) throw new ImageFileError(e.message);
      throw e;
    }
  }
  let raw: { data: Buffer; info: sharp.OutputInfo };
  try {
    // ignoreIcc: the file's own values, as the browser decodes them (colorSpaceConversion 'none').
    raw = await sharp(bytes, { limitInputPixels: MAX_PIXELS, failOn: 'error', ignoreIcc: true })
      .rotate()
      .ensureAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new ImageFileError(
      /unsupported image format/i.test(why)
        ? 'This file is not an image Pipette can read; use PNG, JPEG, WebP, AVIF, GIF or TIFF'
        : /pixel limit/i.test(why)
          ? `This image has more than the ${Math.round(MAX_PIXELS / 1e6)} MP limit; scale it down first`
          : `This image file is damaged and could not be decoded (${why})`,
    );
  }
  const { width, height, channels } = raw.info;
  if (channels !== 4) throw new ImageFileError(`This image decoded to ${channels} channels instead of RGBA`);
  const image = createImage(width, height);
  image.data.set(raw.data);
  return image;
}

export const EXTENSIONS: Readonly<Record<OutputFormat, string>> = { png: 'png', jpeg: 'jpg', webp: 'webp' };

/** Encodes straight-alpha RGBA; `quality` 0..1 for JPEG and WebP; a JPEG is laid on `background` [r, g, b]. */
export async function encodeFile(image: Image, format: OutputFormat, quality: number, background: readonly [number, number, number]): Promise<Buffer> {
  const { width, height } = image;
  const q = Math.max(1, Math.min(100, Math.round(quality * 100)));
  if (format === 'jpeg') {
    const flat = flatten(image.data, background);
    return sharp(flat, { raw: { width, height, channels: 4 } }).removeAlpha().jpeg({ quality: q }).toBuffer();
  }
  // sharp refuses views of shared memory: one copy.
  const d = image.data;
  const own = d.buffer instanceof SharedArrayBuffer ? Buffer.from(d) : Buffer.from(d.buffer, d.byteOffset, d.byteLength);
  const input = sharp(own, { raw: { width, height, channels: 4 } });
  return format === 'png' ? input.png().toBuffer() : input.webp({ quality: q }).toBuffer();
}
