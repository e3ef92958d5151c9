// What the pool and a step worker say to each other: one source of truth for both sides.
//
// Requests go through Comlink (`StepWorkerApi`); the worker's own notices (ready, progress) are
// plain messages on the same port, which Comlink ignores because they carry no `id`.
//
// Pixels never travel by copy: an image whose buffer is a SharedArrayBuffer is shared as it is
// (structured clone of shared memory), a plain ArrayBuffer result is transferred.

import type { Params } from '../engine/op';
import type { Histogram, Image, Value } from '../ops/types';
import { isImage } from '../ops/image';
import type { Band } from '../ops/tiles';
import type { BandPreviews } from './preview-rows';

/**
 * An image result with the node's preview: a small bitmap (long side ≤ the thumbnail size); and,
 * for a step the viewer shows at once (`StepTask.display`), the whole image as a bitmap of at most
 * the viewer's size, ready to draw, made by the worker that computed it, so the viewer need not
 * queue for another worker.
 */
export type ImageResult = Image & { readonly thumbnail?: ImageBitmap; readonly display?: ImageBitmap; readonly stored?: true };

/**
 * A light result's image (see ResultStore.peek and the cache's `decodeEntryLight`): its size and
 * thumbnail, its pixels still in storage (`data` is empty). Shown on its node, never read.
 */
export function isStored(image: Image | undefined): boolean {
  return (image as ImageResult | undefined)?.stored === true;
}

/** The first image among a step's outputs (what previews, the viewer and export show), if any. */
export function firstImage(outputs: Readonly<Record<string, unknown>> | undefined): ImageResult | undefined {
  if (!outputs) return undefined;
  for (const v of Object.values(outputs)) if (isImage(v)) return v as ImageResult;
  return undefined;
}

/** What a step returns per output port: a `Value` whose images may carry a thumbnail. */
export type ResultValue = ImageResult | number | Histogram;
export type ResultOutputs = Readonly<Record<string, ResultValue>>;

export type EncodeType = 'image/png' | 'image/jpeg' | 'image/webp';
export const ENCODE_TYPES: readonly EncodeType[] = ['image/png', 'image/jpeg', 'image/webp'];

// ---- Cancellation flag -------------------------------------------------------------------------
// A synchronous kernel cannot receive messages while it runs, so each task gets a tiny
// SharedArrayBuffer the pool writes and the kernel's signal reads (Atomics). Layout of the Int32Array:

/** Index of the state word: one of `CancelCode`. */
export const FLAG_STATE = 0;
/** Index of the time limit in ms, written before the state when the code is `timedOut`. */
export const FLAG_LIMIT_MS = 1;
export const FLAG_LENGTH = 2;

export const CancelCode = {
  running: 0,
  cancelled: 1,
  timedOut: 2,
} as const;
export type CancelCode = (typeof CancelCode)[keyof typeof CancelCode];

// ---- Requests (pool → worker, via Comlink) -----------------------------------------------------

interface TaskRequestBase {
  /** Unique per pool; progress notices and cancel calls name it. */
  readonly taskId: number;
  /** Shared cancellation flag (see above); absent when the page is not cross-origin isolated. */
  readonly cancelFlag?: Int32Array;
}

export interface RunRequest extends TaskRequestBase {
  /** Operation id, looked up in the worker's own list of operations. */
  readonly op: string;
  /** Resolved parameters. */
  readonly params: Params;
  /** One value per wired input port; images without their thumbnails. */
  readonly inputs: Readonly<Record<string, Value>>;
  /** Images named by the operation's `asset` parameters, by id. */
  readonly assets: Readonly<Record<string, Image>>;
  /** Long side of each image output's thumbnail in px; 0 for none. */
  readonly thumbnailSize: number;
  /**
   * Also make each image output's display bitmap (a step shown at once): with its long side at
   * most `displayMaxSide` (as the viewer asks for a whole image), else at its own size.
   */
  readonly display?: boolean;
  readonly displayMaxSide?: number;
  /** Least time between two progress notices (the first one goes out at once). */
  readonly progressIntervalMs: number;
  /** In a proxy run, the most pixels a source gives (0: full resolution). */
  readonly proxy?: number;
  /** The proxy scale the step works at (see ops/proxy.ts), which its image outputs carry; 1 at full resolution. */
  readonly scale?: number;
  /**
   * Tiled execution (see src/ops/tiles.ts): run the kernel on this band's input rows only and
   * write its own rows into the shared full-size outputs. The response then has no outputs; with
   * `band.previews`, the last band to finish answers with the step's thumbnails.
   */
  readonly band?: RunBand;
}

/** One band of a tiled step: rows [y0, y1) of the result, from input rows [in0, in1). */
export interface RunBand extends Band {
  /** The step's full-size image outputs by port, in shared memory; the band writes only its own rows. */
  readonly outputs: Readonly<Record<string, Image>>;
  /** Shared preview buffers: each band makes the preview rows inside its own rows (see preview-rows.ts). */
  readonly previews?: BandPreviews;
  /** The outputs are buffers used before: a band that writes straight into its rows clears them first. */
  readonly clear?: boolean;
}

export interface RunResponse {
  readonly outputs: ResultOutputs;
  /** Time inside the kernel alone, in ms. */
  readonly kernelMs: number;
  /**
   * Bytes of plain-ArrayBuffer outputs that were moved into shared memory inside the worker
   * (one same-thread copy, so that later steps on other workers can read them without any).
   */
  readonly promotedBytes: number;
  /** A band's answer only: the step's node previews by port, from the last band of a step to finish. */
  readonly thumbnails?: Readonly<Record<string, ImageBitmap>>;
  /** With them, when the step is shown: the viewer's bitmap of its first output (see RunBand.previews). */
  readonly display?: ImageBitmap;
}

/** A camera frame to read into pixels; the worker closes it. */
export interface FrameRequest extends TaskRequestBase {
  readonly source: VideoFrame | ImageBitmap;
}

export interface DecodeRequest extends TaskRequestBase {
  /** The encoded file. */
  readonly source: Blob | ArrayBuffer;
  /** Largest pixel count accepted; checked from the file header before any pixel is allocated. */
  readonly maxPixels: number;
}

export interface DecodeResult {
  readonly image: Image;
  /** Content key of the pixels (32 hex characters): equal pixels and size give an equal hash. */
  readonly hash: string;
  /** Container format read from the header, when known ('png', 'jpeg', 'webp', 'gif', 'bmp', 'avif'). */
  readonly format: string | null;
  /** Where the time went, in ms: decode to a bitmap, read the pixels, hash them. */
  readonly timings: { readonly decodeMs: number; readonly pixelsMs: number; readonly hashMs: number };
}

export interface EncodeRequest extends TaskRequestBase {
  readonly image: Image;
  readonly type: EncodeType;
  /** 0..1 for JPEG and WebP; ignored for PNG. */
  readonly quality?: number;
  /** For JPEG, which has no alpha: the colour transparent pixels are composited on, '#rrggbb'. Default white. */
  readonly background?: string;
}

/** A '#rrggbb' colour as [r, g, b], or null when it is not one. */
export function parseHexColour(s: string): [number, number, number] | null {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(s);
  return m ? [parseInt(m[1]!, 16), parseInt(m[2]!, 16), parseInt(m[3]!, 16)] : null;
}

/** A rectangle of an image, in pixels. */
export interface PixelRect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface BitmapOptions {
  /** Only this part of the image (clamped to it); the whole image by default. */
  readonly region?: PixelRect;
  /** Scale down (aspect kept) so that the long side is at most this many px; full resolution by default. */
  readonly maxSide?: number;
}

export interface BitmapRequest extends TaskRequestBase, BitmapOptions {
  /** Full-size pixels to display; read band by band, never written. */
  readonly image: Image;
}

/** The worker's API as the pool sees it through Comlink. */
export interface StepWorkerApi {
  run(req: RunRequest): Promise<RunResponse>;
  decode(req: DecodeRequest): Promise<DecodeResult>;
  /** A camera frame's pixels (shared memory when the page is isolated); the frame is transferred in and closed. */
  frame(req: FrameRequest): Promise<Image>;
  encode(req: EncodeRequest): Promise<Blob>;
  /** A displayable bitmap of an image, made off the main thread and transferred back. */
  bitmap(req: BitmapRequest): Promise<ImageBitmap>;
  /**
   * Aborts a task's signal from a message, for workers without the shared flag and for kernels
   * awaiting something (a sleeping kernel wakes on the signal's 'abort' event).
   */
  cancel(taskId: number, code: CancelCode, limitMs?: number): void;
}

// ---- Notices (worker → pool, plain messages) ---------------------------------------------------

export type WorkerNotice =
  | {
      readonly type: 'pipette:ready';
      /** Web Lock the worker holds for its whole life: when it is granted to the pool, the worker died. */
      readonly lock: string | null;
      readonly ops: readonly string[];
    }
  | {
      readonly type: 'pipette:progress';
      readonly taskId: number;
      /** 0..1 */
      readonly fraction: number;
    };

export function isWorkerNotice(data: unknown): data is WorkerNotice {
  if (typeof data !== 'object' || data === null) return false;
  const t = (data as { type?: unknown }).type;
  return t === 'pipette:ready' || t === 'pipette:progress';
}
