// The inside of a step worker: runs one kernel at a time, makes the node thumbnails, decodes and
// encodes image files. Built from a list of operations so that tests can expose a worker with
// extra test-only operations; step.worker.ts exposes it with the registry's.

import * as Comlink from 'comlink';
import { CancelledError, StepTimeoutError } from '../engine/types';
import { createImage, imageFrom, isHistogram, isImage, sharedMemoryAvailable, MAX_PIXELS } from '../ops/image';
import type { Image, KernelContext, KernelOutputs, OpDef, Value } from '../ops/types';
import { bytesOf, readHeader, type HeaderInfo } from './image-header';
import { decodePng, encodePng, pngInfo, PngError } from './png';
import { flatten, opaque } from './flatten';
import { imageHash } from './image-hash';
import { bandCall, writeBandOutputs } from '../ops/tiles';
import { DISPLAY, DISPLAY_MAX_SIDE, bandPreviewRows, previewGeometry, previewRows, scaledSize, type PreviewLayer } from './preview-rows';
import {
  CancelCode,
  ENCODE_TYPES,
  FLAG_LIMIT_MS,
  FLAG_STATE,
  parseHexColour,
  type BitmapOptions,
  type BitmapRequest,
  type DecodeRequest,
  type DecodeResult,
  type EncodeRequest,
  type EncodeType,
  type FrameRequest,
  type ResultValue,
  type RunRequest,
  type RunResponse,
  type StepWorkerApi,
  type WorkerNotice,
} from './protocol';


/** Post a notice to the pool. */
export type Notify = (notice: WorkerNotice) => void;

interface ActiveTask {
  readonly signal: AbortSignal;
  abort(code: CancelCode, limitMs?: number): void;
}

export function createStepWorkerApi(ops: readonly OpDef[], notify: Notify): StepWorkerApi {
  const byId = new Map(ops.map((o) => [o.id, o]));
  const active = new Map<number, ActiveTask>();

  const begin = (taskId: number, flag: Int32Array | undefined): ActiveTask => {
    const task = taskSignal(flag);
    active.set(taskId, task);
    return task;
  };

  return {
    async run(req: RunRequest): Promise<RunResponse> {
      const op = byId.get(req.op);
      if (!op) throw new Error(`This worker does not know the operation "${req.op}"; reload the page to update it`);
      const { signal } = begin(req.taskId, req.cancelFlag);
      const progress = throttled((fraction) => notify({ type: 'pipette:progress', taskId: req.taskId, fraction }), req.progressIntervalMs);
      try {
        signal.throwIfAborted();
        const ctx: KernelContext = {
          signal,
          progress: progress.report,
          assets: { get: (id) => req.assets[id] },
          ...(req.proxy ? { proxy: req.proxy } : {}),
        };
        const t0 = performance.now();
        // A band of a tiled step reads its input rows and may write its own rows straight into the step's output.
        const call = req.band ? bandCall(op, req.inputs, req.band, req.band.outputs) : { inputs: req.inputs };
        // A kernel may leave pixels of its target unwritten, trusting them to be transparent black.
        if (req.band?.clear && call.target) call.target.into.data.fill(0);
        const raw = await op.kernel(call.inputs, req.params, call.target ? { ...ctx, tile: call.target } : ctx);
        const kernelMs = performance.now() - t0;
        progress.stop();
        // A kernel that ignored its signal may still finish: its result is not wanted any more.
        signal.throwIfAborted();
        if (req.band) {
          // Only its own rows, into the step's shared outputs: the pool assembles nothing.
          writeBandOutputs(op, raw, req.band, req.band.outputs, call.target);
          const previews = req.band.previews;
          if (!previews || !bandPreviewRows(previews, req.band.outputs, req.band)) return { outputs: {}, kernelMs, promotedBytes: 0 };
          // The last band to finish: the previews are complete, and it hands over their bitmaps.
          const first = req.band.outputs[op.outputs[0]!.name]!;
          const bitmap = (l: PreviewLayer, pixels: Uint8ClampedArray) => {
            const size = scaledSize(first.width, first.height, l.maxSide);
            // copied out of shared memory, which ImageData cannot wrap
            const out = previewPixels(size.width, size.height);
            out.data.set(pixels);
            return previewBitmap(out);
          };
          const thumbnails: Record<string, ImageBitmap> = {};
          for (const [port, pixels] of Object.entries(previews.thumbnails.pixels)) thumbnails[port] = bitmap(previews.thumbnails, pixels);
          const shown = previews.display ? Object.values(previews.display.pixels)[0] : undefined;
          const display = shown ? bitmap(previews.display!, shown) : undefined;
          const transfer = [...Object.values(thumbnails), ...(display ? [display] : [])];
          return Comlink.transfer({ outputs: {}, kernelMs, promotedBytes: 0, thumbnails, ...(display ? { display } : {}) }, transfer);
        }
        return packOutputs(op, raw, req.thumbnailSize, kernelMs, req.scale ?? 1, req.display ?? false, req.displayMaxSide);
      } finally {
        progress.stop();
        active.delete(req.taskId);
      }
    },

    async decode(req: DecodeRequest): Promise<DecodeResult> {
      const { signal } = begin(req.taskId, req.cancelFlag);
      try {
        return await decodeImage(req.source, Math.min(req.maxPixels, MAX_PIXELS), signal);
      } finally {
        active.delete(req.taskId);
      }
    },

    async frame(req: FrameRequest): Promise<Image> {
      const { signal } = begin(req.taskId, req.cancelFlag);
      try {
        signal.throwIfAborted();
        const image = (await copyFrame(req.source)) ?? readFrame(req.source);
        return image.data.buffer instanceof SharedArrayBuffer ? image : Comlink.transfer(image, [image.data.buffer]);
      } finally {
        req.source.close();
        active.delete(req.taskId);
      }
    },

    async encode(req: EncodeRequest): Promise<Blob> {
      const { signal } = begin(req.taskId, req.cancelFlag);
      try {
        return await encodeImage(req.image, req.type, req.quality, req.background, signal);
      } finally {
        active.delete(req.taskId);
      }
    },

    async bitmap(req: BitmapRequest): Promise<ImageBitmap> {
      const { signal } = begin(req.taskId, req.cancelFlag);
      try {
        const bmp = imageBitmap(req.image, req, signal);
        return Comlink.transfer(bmp, [bmp]);
      } finally {
        active.delete(req.taskId);
      }
    },

    cancel(taskId: number, code: CancelCode, limitMs?: number): void {
      active.get(taskId)?.abort(code, limitMs);
    },
  };
}

/**
 * Exposes the worker API on `endpoint` (the worker's global scope by default) and tells the pool
 * it is ready. The worker holds a Web Lock for its whole life: the pool asks for the same lock and
 * is granted it only when the worker is gone, which reveals deaths that fire no error event.
 */
export function exposeStepWorker(ops: readonly OpDef[], endpoint: Comlink.Endpoint = globalThis as unknown as Comlink.Endpoint): void {
  const notify: Notify = (n) => endpoint.postMessage(n);
  Comlink.expose(createStepWorkerApi(ops, notify), endpoint);
  const ids = ops.map((o) => o.id);
  const ready = (lock: string | null) => notify({ type: 'pipette:ready', lock, ops: ids });
  const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
  if (!locks) {
    ready(null);
    return;
  }
  const name = `pipette-step-worker-${randomId()}`;
  let announced = false;
  locks
    .request(name, () => {
      announced = true;
      ready(name);
      return new Promise<never>(() => {}); // held until the worker ends
    })
    .catch(() => {
      if (!announced) ready(null);
    });
}

function randomId(): string {
  const c = (globalThis as { crypto?: Crypto }).crypto;
  return c?.randomUUID ? c.randomUUID() : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

// ---- Cancellation ------------------------------------------------------------------------------

const nativeReason = Object.getOwnPropertyDescriptor(AbortSignal.prototype, 'reason')!.get!;

function reasonFor(code: number, limitMs: number | undefined): Error {
  return code === CancelCode.timedOut ? new StepTimeoutError(limitMs ?? 0) : new CancelledError();
}

/**
 * A real AbortSignal (usable with AbortSignal.any, addEventListener…) whose `aborted`, `reason`
 * and `throwIfAborted` also read the shared flag, so a synchronous kernel sees a cancellation the
 * moment the pool writes it. Listeners fire when the flag is first observed or when the pool's
 * cancel message arrives, whichever comes first.
 */
function taskSignal(flag: Int32Array | undefined): ActiveTask {
  const controller = new AbortController();
  const signal = controller.signal;
  let fired = false;
  const abort = (code: CancelCode, limitMs?: number) => {
    if (fired) return;
    fired = true;
    controller.abort(reasonFor(code, limitMs));
  };
  if (flag) {
    const poll = (): boolean => {
      if (!fired) {
        const code = Atomics.load(flag, FLAG_STATE);
        if (code !== CancelCode.running) abort(code as CancelCode, Atomics.load(flag, FLAG_LIMIT_MS));
      }
      return fired;
    };
    Object.defineProperties(signal, {
      aborted: { get: poll, configurable: true },
      reason: { get: () => (poll(), nativeReason.call(signal)), configurable: true },
      throwIfAborted: {
        value: () => {
          if (poll()) throw nativeReason.call(signal);
        },
        configurable: true,
      },
    });
  }
  return { signal, abort };
}

// ---- Progress ----------------------------------------------------------------------------------

/** First report at once, then at most one per interval; the latest value is sent when the interval ends. */
function throttled(send: (fraction: number) => void, intervalMs: number) {
  let last = -Infinity;
  let pending: number | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const flush = () => {
    timer = undefined;
    if (stopped || pending === null) return;
    last = performance.now();
    send(pending);
    pending = null;
  };
  return {
    report(fraction: number): void {
      if (stopped || !(fraction >= 0)) return;
      const f = Math.min(1, fraction);
      const now = performance.now();
      if (now - last >= intervalMs) {
        last = now;
        pending = null;
        send(f);
      } else {
        // A synchronous kernel keeps this timer from firing; its next report past the interval goes out instead.
        pending = f;
        timer ??= setTimeout(flush, intervalMs - (now - last));
      }
    },
    stop(): void {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}

// ---- Results -----------------------------------------------------------------------------------

/** `scale`: the proxy scale the step works at, which image outputs carry unless they set their own. */
function packOutputs(op: OpDef, raw: KernelOutputs, thumbnailSize: number, kernelMs: number, scale = 1, display = false, displayMaxSide?: number): RunResponse {
  const outputs: Record<string, ResultValue> = {};
  const transfer = new Set<Transferable>();
  let promotedBytes = 0;
  for (const port of op.outputs) {
    const v: Value | undefined = raw[port.name];
    if (port.type === 'image') {
      if (!isImage(v) || v.data.length !== v.width * v.height * 4) {
        throw new Error(`${op.title} did not produce an image for its "${port.name}" output`);
      }
      let img: Image = v;
      if (!(img.data.buffer instanceof SharedArrayBuffer)) {
        if (sharedMemoryAvailable()) {
          // One copy here, on this thread, makes the result readable by every thread for free;
          // transferring it instead would leave later steps to copy it again for each worker.
          const shared = createImage(img.width, img.height);
          shared.data.set(img.data);
          promotedBytes += img.data.byteLength;
          img = shared;
        } else {
          transfer.add(img.data.buffer as ArrayBuffer);
        }
      }
      const thumbnail = thumbnailSize > 0 ? makeThumbnail(img, thumbnailSize) : undefined;
      if (thumbnail) transfer.add(thumbnail);
      const shown = display ? imageBitmap(img, displayMaxSide ? { maxSide: displayMaxSide } : {}) : undefined;
      if (shown) transfer.add(shown);
      const outScale = v.scale ?? scale;
      outputs[port.name] = {
        width: img.width,
        height: img.height,
        data: img.data,
        ...(outScale !== 1 ? { scale: outScale } : {}),
        ...(thumbnail ? { thumbnail } : {}),
        ...(shown ? { display: shown } : {}),
      };
    } else if (port.type === 'number') {
      if (typeof v !== 'number') throw new Error(`${op.title} did not produce a number for its "${port.name}" output`);
      outputs[port.name] = v;
    } else {
      if (!isHistogram(v)) throw new Error(`${op.title} did not produce a histogram for its "${port.name}" output`);
      outputs[port.name] = v;
    }
  }
  return Comlink.transfer({ outputs, kernelMs, promotedBytes }, [...transfer]);
}

/**
 * A preview whose long side is at most `maxSide`, aspect kept. Sampled straight from the pixels
 * (see preview-rows.ts), because a full-size ImageData cannot wrap shared memory and copying 48 MB
 * to shrink it would cost more than the whole thumbnail.
 */
export function makeThumbnail(img: Image, maxSide: number): ImageBitmap {
  const g = previewGeometry(img.width, img.height, maxSide);
  const out = previewPixels(g.tw, g.th);
  previewRows(img, g, out.data, 0, g.th);
  return previewBitmap(out);
}

/**
 * The canvas, context and pixels kept for previews of one size. Making the canvas and context
 * afresh cost about 0.2 ms a step, a third of a small step's whole round trip (the bench's dispatch
 * row), and resizing one canvas between a node preview and the viewer's bitmap (a shown step, every
 * proxy of a drag) ~0.6 ms a pair. The pixels are kept too: a fresh buffer costs page faults on its
 * first writes (a 1024×768 display bitmap's 3 MB ~9 ms on one host, where keeping it costs 0.1 ms).
 */
interface PreviewCanvas {
  readonly canvas: OffscreenCanvas;
  readonly context: OffscreenCanvasRenderingContext2D;
  pixels?: ImageData;
}

function previewCanvas(width: number, height: number): PreviewCanvas {
  const size = `${width}×${height}`;
  let c = previewCanvases.get(size);
  if (c) {
    previewCanvases.delete(size);
  } else {
    const canvas = new OffscreenCanvas(width, height);
    c = { canvas, context: canvas.getContext('2d')! };
    if (previewCanvases.size >= PREVIEW_CANVASES) previewCanvases.delete(previewCanvases.keys().next().value!);
  }
  previewCanvases.set(size, c); // the most recently used last
  return c;
}

/**
 * The kept pixels of a preview of that size, for previewBitmap: overwritten by the next preview of
 * the same size, so every pixel must be written before previewBitmap takes them. Kept only up to
 * the viewer's whole-image size (at most PREVIEW_CANVASES × 4 MB a worker); larger ones are new.
 */
function previewPixels(width: number, height: number): ImageData {
  if (width * height > KEEP_PIXELS) return new ImageData(width, height);
  const c = previewCanvas(width, height);
  return (c.pixels ??= new ImageData(width, height));
}

const KEEP_PIXELS = DISPLAY_MAX_SIDE * DISPLAY_MAX_SIDE;

/** The bitmap of preview pixels (the canvas's backing is handed over; the pixels stay for the next). */
function previewBitmap(out: ImageData): ImageBitmap {
  const c = previewCanvas(out.width, out.height);
  c.context.putImageData(out, 0, 0);
  return c.canvas.transferToImageBitmap();
}

/** Sizes of preview canvas kept: a node preview's and the viewer bitmap's, and a few other shapes. */
const PREVIEW_CANVASES = 4;
const previewCanvases = new Map<string, PreviewCanvas>();

// ---- Display bitmaps ----------------------------------------------------------------------------

/** Rows per band: a 4 MB scratch buffer at 4000 px wide, reused by every bitmap this worker makes. */
const BAND_BYTES = 4 * 1024 * 1024;
let scratch: ArrayBuffer | null = null;

/**
 * The image (or a region of it) as an ImageBitmap for display. ImageData refuses shared memory, so
 * the pixels are copied band by band through one small reused buffer (allocating 48 MB afresh costs
 * more than the copy) onto a canvas whose backing is then handed over without another copy. A
 * `maxSide` samples a smaller copy instead: a screen-sized bitmap is what the main thread can put
 * on screen without a long frame (a 12 MP one costs it 50–100 ms there).
 */
export function imageBitmap(img: Image, opts: BitmapOptions = {}, signal?: AbortSignal): ImageBitmap {
  const { width: w, height: h, data } = img;
  if (w < 1 || h < 1 || data.length !== w * h * 4) throw new Error(`Cannot show an image of ${w}×${h} pixels with ${data.length} bytes`);
  const r = opts.region;
  const x0 = r ? Math.max(0, Math.min(w - 1, Math.floor(r.x))) : 0;
  const y0 = r ? Math.max(0, Math.min(h - 1, Math.floor(r.y))) : 0;
  const rw = r ? Math.max(1, Math.min(w - x0, Math.ceil(r.width))) : w;
  const rh = r ? Math.max(1, Math.min(h - y0, Math.ceil(r.height))) : h;
  const scale = opts.maxSide && opts.maxSide > 0 ? Math.min(1, opts.maxSide / Math.max(rw, rh)) : 1;
  if (scale < 1) {
    // Sampled straight from the shared pixels (preview-rows.ts DISPLAY: up to 2×2 samples a pixel),
    // cheaper than drawing the full-size region and letting the canvas scale it, which would first
    // copy every pixel; the bands of a shown tiled step sample a whole image the same way.
    const g = previewGeometry(w, h, opts.maxSide!, DISPLAY, { x: x0, y: y0, width: rw, height: rh });
    const out = previewPixels(g.tw, g.th);
    for (let y = 0; y < g.th; y += 64) {
      signal?.throwIfAborted();
      previewRows(img, g, out.data, y, Math.min(g.th, y + 64));
    }
    return previewBitmap(out);
  }
  const canvas = new OffscreenCanvas(rw, rh);
  const g = canvas.getContext('2d');
  if (!g) throw new Error('This browser cannot draw images in a worker (no 2D canvas)');
  const srcRow = w * 4;
  const rowBytes = rw * 4;
  const rows = Math.max(1, Math.min(rh, Math.floor(BAND_BYTES / rowBytes)));
  if (!scratch || scratch.byteLength < rows * rowBytes) scratch = new ArrayBuffer(rows * rowBytes);
  for (let y = 0; y < rh; y += rows) {
    signal?.throwIfAborted();
    const n = Math.min(rows, rh - y);
    const band = new Uint8ClampedArray(scratch, 0, n * rowBytes);
    if (rw === w) band.set(data.subarray((y0 + y) * srcRow, (y0 + y + n) * srcRow));
    else {
      for (let i = 0; i < n; i++) {
        const from = (y0 + y + i) * srcRow + x0 * 4;
        band.set(data.subarray(from, from + rowBytes), i * rowBytes);
      }
    }
    g.putImageData(new ImageData(band, rw, n), 0, y);
  }
  return canvas.transferToImageBitmap();
}

// ---- Decode and encode -------------------------------------------------------------------------

export class ImageDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageDecodeError';
  }
}

function checkPixels(width: number, height: number, maxPixels: number): void {
  if (width < 1 || height < 1) throw new ImageDecodeError(`This image says it is ${width}×${height} pixels, which is not a valid size; the file is damaged`);
  if (width * height > maxPixels) {
    const mp = (n: number) => (n >= 10e6 ? (n / 1e6).toFixed(0) : (n / 1e6).toFixed(1)) + ' MP';
    const e = new ImageDecodeError(
      `This image is ${width}×${height} (${mp(width * height)}), more than the ${mp(maxPixels)} limit; scale it down before loading it`,
    );
    e.name = 'ImageTooLargeError';
    throw e;
  }
}

/**
 * A VideoFrame's pixels converted straight into (shared) RGBA by the browser, one pass and no
 * canvas; null where the browser cannot convert (no `format` option: older engines), then the
 * canvas path reads it.
 */
async function copyFrame(source: VideoFrame | ImageBitmap): Promise<Image | null> {
  if (source instanceof ImageBitmap || typeof source.copyTo !== 'function') return null;
  const width = source.displayWidth;
  const height = source.displayHeight;
  if (width !== source.codedWidth || height !== source.codedHeight || source.visibleRect?.x || source.visibleRect?.y) return null;
  const image = createImage(width, height);
  try {
    await source.copyTo(image.data, { format: 'RGBA', colorSpace: 'srgb' });
  } catch {
    return null;
  }
  return image;
}

/** A camera frame's pixels, read through a 2D canvas (which takes VideoFrames and bitmaps alike). */
function readFrame(source: VideoFrame | ImageBitmap): Image {
  const width = source instanceof ImageBitmap ? source.width : source.displayWidth;
  const height = source instanceof ImageBitmap ? source.height : source.displayHeight;
  if (!(width > 0 && height > 0)) throw new Error('The camera gave an empty frame');
  const canvas = new OffscreenCanvas(width, height);
  const g = canvas.getContext('2d', { willReadFrequently: true });
  if (!g) throw new Error('This browser cannot read camera frames in a worker (no 2D canvas)');
  g.drawImage(source, 0, 0, width, height);
  const pixels = g.getImageData(0, 0, width, height);
  if (!sharedMemoryAvailable()) return imageFrom(width, height, pixels.data);
  const image = createImage(width, height);
  image.data.set(pixels.data);
  return image;
}

async function decodeImage(source: Blob | ArrayBuffer, maxPixels: number, signal: AbortSignal): Promise<DecodeResult> {
  const t0 = performance.now();
  let head: HeaderInfo | null;
  try {
    head = await readHeader(bytesOf(source));
  } catch {
    head = null;
  }
  if (head) checkPixels(head.width, head.height, maxPixels);
  signal.throwIfAborted();

  // A PNG that can hold transparency by our own decoder (png.ts): exact straight-alpha values,
  // which a 2D canvas cannot give back for semi-transparent pixels. Everything else (opaque PNGs
  // included, where the browser's decoder is exact and faster) through the browser.
  const png = head?.format === 'png' ? new Uint8Array(source instanceof Blob ? await source.arrayBuffer() : source) : null;
  const decoded = png && pngMayHaveAlpha(png) ? await decodePngFile(png, maxPixels, signal) : await decodeByBrowser(source, head, maxPixels, signal);
  const t1 = performance.now();
  signal.throwIfAborted();
  let image: Image;
  let transfer: Transferable[] = [];
  if (sharedMemoryAvailable() && !(decoded.data.buffer instanceof SharedArrayBuffer)) {
    image = createImage(decoded.width, decoded.height);
    image.data.set(decoded.data);
  } else {
    image = imageFrom(decoded.width, decoded.height, decoded.data);
    if (!(image.data.buffer instanceof SharedArrayBuffer)) transfer = [image.data.buffer];
  }
  const t2 = performance.now();
  const hash = imageHash(image);
  const t3 = performance.now();
  signal.throwIfAborted();
  const result: DecodeResult = {
    image,
    hash,
    format: head?.format ?? null,
    timings: { decodeMs: decoded.decodeMs, pixelsMs: t1 - t0 - decoded.decodeMs + (t2 - t1), hashMs: t3 - t2 },
  };
  return Comlink.transfer(result, transfer);
}

interface Decoded {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8ClampedArray;
  /** Time to decode, of the whole; the rest is reading pixels out. */
  readonly decodeMs: number;
}

/** Whether a PNG file has an alpha channel or a tRNS chunk; a damaged one is decoded by png.ts, which says what is wrong. */
function pngMayHaveAlpha(bytes: Uint8Array): boolean {
  try {
    return pngInfo(bytes).hasAlpha;
  } catch {
    return true;
  }
}

async function decodePngFile(bytes: Uint8Array, maxPixels: number, signal: AbortSignal): Promise<Decoded> {
  const t0 = performance.now();
  try {
    const image = await decodePng(bytes, { maxPixels, signal });
    return { ...image, decodeMs: performance.now() - t0 };
  } catch (e) {
    if (e instanceof PngError) throw new ImageDecodeError(e.message);
    throw e;
  }
}

async function decodeByBrowser(source: Blob | ArrayBuffer, head: HeaderInfo | null, maxPixels: number, signal: AbortSignal): Promise<Decoded> {
  const t0 = performance.now();
  const blob = source instanceof Blob ? source : new Blob([source]);
  let bitmap: ImageBitmap;
  try {
    // Straight alpha and the file's own values: pixels are data here, not something to display.
    // A JPEG's EXIF orientation is applied, so a photo comes upright as every viewer shows it.
    bitmap = await createImageBitmap(blob, { premultiplyAlpha: 'none', colorSpaceConversion: 'none', imageOrientation: 'from-image' });
  } catch {
    throw new ImageDecodeError(
      head
        ? `This ${head.format.toUpperCase()} file is damaged and could not be decoded`
        : 'This file is not an image the browser can read; use PNG, JPEG, WebP, AVIF, GIF or BMP',
    );
  }
  const decodeMs = performance.now() - t0;
  try {
    checkPixels(bitmap.width, bitmap.height, maxPixels);
    signal.throwIfAborted();
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const g = canvas.getContext('2d', { willReadFrequently: true });
    if (!g) throw new ImageDecodeError('This browser cannot read image pixels in a worker (no 2D canvas)');
    g.drawImage(bitmap, 0, 0);
    const pixels = g.getImageData(0, 0, bitmap.width, bitmap.height);
    return { width: pixels.width, height: pixels.height, data: pixels.data, decodeMs };
  } finally {
    bitmap.close();
  }
}

async function encodeImage(image: Image, type: EncodeType, quality: number | undefined, background: string | undefined, signal: AbortSignal): Promise<Blob> {
  if (!ENCODE_TYPES.includes(type)) throw new Error(`Cannot save as "${type}": choose PNG, JPEG or WebP`);
  signal.throwIfAborted();
  const { width, height, data } = image;
  // A PNG with any transparency by our own encoder: lossless for every alpha value, which a
  // canvas is not (see png.ts). An opaque one through the canvas: exact too, and faster.
  if (type === 'image/png' && !opaque(data)) return encodePng(image, signal);
  let own: Uint8ClampedArray<ArrayBuffer>;
  if (type === 'image/jpeg') {
    // JPEG has no alpha: composite on the background colour, as an image editor flattens.
    const bg = parseHexColour(background ?? '#ffffff');
    if (!bg) throw new Error(`The background must be a colour like #ffffff, not "${String(background)}"`);
    own = flatten(data, bg);
  } else {
    // ImageData refuses shared memory: one copy on this thread.
    own = (data.buffer instanceof SharedArrayBuffer ? new Uint8ClampedArray(data) : data) as Uint8ClampedArray<ArrayBuffer>;
  }
  const canvas = new OffscreenCanvas(width, height);
  const g = canvas.getContext('2d');
  if (!g) throw new Error('This browser cannot encode images in a worker (no 2D canvas)');
  g.putImageData(new ImageData(own, width, height), 0, 0);
  const q = quality === undefined ? undefined : Math.min(1, Math.max(0, quality));
  const blob = await canvas.convertToBlob(q === undefined ? { type } : { type, quality: q });
  signal.throwIfAborted();
  // Browsers fall back to PNG for a type they cannot write.
  if (blob.type !== type) throw new Error(`This browser cannot save ${type.slice(6).toUpperCase()} images; choose PNG instead`);
  return blob;
}
