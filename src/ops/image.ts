// Helpers for the pixel currency. Output buffers are SharedArrayBuffer-backed where the page is
// cross-origin isolated (and in Node), so a result can be read by any worker and the main thread
// without a copy; elsewhere they are plain ArrayBuffers, transferred between threads.

import type { Image, Value, Histogram, KernelContext, TileTarget } from './types';

/** Largest image accepted anywhere: 2^28 bytes of RGBA keeps every buffer well inside browser limits. */
export const MAX_PIXELS = 64 * 1024 * 1024;

const canShare =
  typeof SharedArrayBuffer !== 'undefined' &&
  ((globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated ?? true);

export function sharedMemoryAvailable(): boolean {
  return canShare;
}

export function checkSize(width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`Image size ${width}×${height} is not valid`);
  }
  if (width * height > MAX_PIXELS) {
    throw new RangeError(
      `An image of ${width}×${height} (${((width * height) / 1e6).toFixed(0)} MP) is larger than the ${(MAX_PIXELS / 1e6).toFixed(0)} MP limit`,
    );
  }
}

/** A new zero-filled (transparent black) image. */
export function createImage(width: number, height: number): Image {
  checkSize(width, height);
  const bytes = width * height * 4;
  const buffer = canShare ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
  return { width, height, data: new Uint8ClampedArray(buffer) };
}

/**
 * Whether a band's target (see KernelContext.tile) can take rows of a width×height kernel output:
 * the same width, and rows inside the output.
 */
export function fitsTile(tile: TileTarget | undefined, width: number, height: number): tile is TileTarget {
  return (
    tile !== undefined &&
    tile.into.width === width &&
    tile.from >= 0 &&
    tile.to <= height &&
    tile.into.height === tile.to - tile.from &&
    tile.into.data.length === width * (tile.to - tile.from) * 4
  );
}

/**
 * The output image of a kernel that writes every row it reads (halo 0): in a band of a tiled step,
 * the step's shared output rows themselves, so nothing is copied afterwards; otherwise a new image.
 */
export function outputImage(ctx: KernelContext, width: number, height: number): Image {
  const tile = ctx.tile;
  return fitsTile(tile, width, height) && tile.from === 0 && tile.to === height ? tile.into : createImage(width, height);
}

/** Wraps existing RGBA bytes (no copy). */
export function imageFrom(width: number, height: number, data: Uint8ClampedArray | Uint8Array): Image {
  checkSize(width, height);
  if (data.length !== width * height * 4) {
    throw new RangeError(`Expected ${width * height * 4} bytes for ${width}×${height}, got ${data.length}`);
  }
  const view = data instanceof Uint8ClampedArray ? data : new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength);
  return { width, height, data: view };
}

export function isImage(v: unknown): v is Image {
  return typeof v === 'object' && v !== null && 'data' in v && (v as Image).data instanceof Uint8ClampedArray;
}

export function isHistogram(v: unknown): v is Histogram {
  return typeof v === 'object' && v !== null && (v as Histogram).kind === 'histogram';
}

/** Reads an image input or fails with a message naming the port. */
export function imageInput(inputs: Readonly<Record<string, Value>>, port: string): Image {
  const v = inputs[port];
  if (!isImage(v)) throw new TypeError(`Input "${port}" must be an image`);
  return v;
}

export function numberParam(params: Readonly<Record<string, unknown>>, name: string): number {
  const v = params[name];
  if (typeof v !== 'number') throw new TypeError(`Parameter "${name}" must be a number`);
  return v;
}

export function stringParam(params: Readonly<Record<string, unknown>>, name: string): string {
  const v = params[name];
  if (typeof v !== 'string') throw new TypeError(`Parameter "${name}" must be text`);
  return v;
}

export function boolParam(params: Readonly<Record<string, unknown>>, name: string): boolean {
  const v = params[name];
  if (typeof v !== 'boolean') throw new TypeError(`Parameter "${name}" must be true or false`);
  return v;
}

/** Bytes a value holds, for cache budgets. */
export function valueBytes(v: Value): number {
  if (typeof v === 'number') return 8;
  if (isHistogram(v)) return 5 * 256 * 4;
  return v.data.byteLength;
}

/** Throws the signal's reason if it was aborted. Call between rows or bands of long kernels. */
export function checkAbort(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new DOMException('Cancelled', 'AbortError');
}
