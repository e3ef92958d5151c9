// Pixels to and from Blobs, with the checksum computed on the way. IndexedDB stores a Blob about
// three times faster than the same bytes as an ArrayBuffer (MEASURED.md). The work on the main
// thread (copying, checksumming, building Blobs) is done in slices with a turn for the page between
// them. Measured in Chromium at 12 MP on a noisy 2-core machine: 8 MB slices held the thread
// 15–35 ms each and 4 MB slices about 9 ms (at most ~23 ms); on a busy 2-core machine the main
// thread shares the cores with the workers and a slice can take two or three times as long, so
// slices are 1 MB, a few ms each.

import { Xxh32 } from './checksum';

/** Bytes per slice: a multiple of 16 (the checksum's stripe). */
export const DEFAULT_SLICE_BYTES = 1024 * 1024;

/** Gives the event loop a turn: `scheduler.yield()` where the browser has it, else a macrotask. */
export function yieldToMain(): Promise<void> {
  const s = (globalThis as { scheduler?: { yield?: () => Promise<void> } }).scheduler;
  if (typeof s?.yield === 'function') return s.yield();
  return new Promise((resolve) => setTimeout(resolve, 0));
}

export interface SliceOptions {
  readonly sliceBytes?: number;
  readonly yieldToMain?: () => Promise<void>;
}

/** A stored Blob could not be read at all (its backing file is gone, or the browser is short of blob storage). */
export class UnreadableBlobError extends Error {
  constructor(options?: { cause?: unknown }) {
    super('A stored Blob could not be read', options);
    this.name = 'UnreadableBlobError';
  }
}

async function readAll(blob: Blob): Promise<Uint8Array> {
  try {
    return new Uint8Array(await blob.arrayBuffer());
  } catch (e) {
    throw new UnreadableBlobError({ cause: e });
  }
}

/**
 * Copies bytes into a Blob and checksums exactly what was copied. Returns null if the buffer was
 * detached or resized between slices (another part of the page transferred it); throws
 * UnreadableBlobError if the browser could not hold the Blob.
 *
 * A Blob cannot be built from a view of a SharedArrayBuffer (browsers refuse it, and a worker could
 * be writing it meanwhile), so shared memory goes through a small private scratch buffer first and
 * the checksum is taken from that copy: what is stored and what is checksummed are the same bytes.
 */
export async function bytesToBlob(
  data: Uint8Array | Uint8ClampedArray,
  opts: SliceOptions = {},
): Promise<{ blob: Blob; checksum: string } | null> {
  const n = data.byteLength;
  const shared = !(data.buffer instanceof ArrayBuffer);
  // Shared pixels can be read by a worker without a copy: building the Blob there keeps ~50 MB
  // of copying per 12 MP result off the main thread entirely.
  // The worker also probes the Blob it made: `Blob.slice` waits synchronously until the browser
  // has taken in the whole Blob, which held the main thread ~100 ms per 48 MB result.
  const offloaded = shared && !opts.yieldToMain ? await blobInWorker(data) : null;
  if (offloaded) return data.byteLength === n ? offloaded : null;
  const made = await blobOnMainThread(data, opts);
  if (!made || data.byteLength !== n) return null;
  await probe(made.blob);
  return made;
}

async function blobOnMainThread(
  data: Uint8Array | Uint8ClampedArray,
  opts: SliceOptions,
): Promise<{ blob: Blob; checksum: string } | null> {
  const n = data.byteLength;
  const slice = sliceSize(opts.sliceBytes);
  const pause = opts.yieldToMain ?? yieldToMain;
  const maker = new BlobMaker(data.buffer instanceof ArrayBuffer ? 0 : Math.min(slice, n));
  for (let off = 0; off < n; off += slice) {
    if (data.byteLength !== n) return null;
    const end = Math.min(off + slice, n);
    maker.add(new Uint8Array(data.buffer, data.byteOffset + off, end - off));
    if (end < n) await pause();
  }
  return maker.finish();
}

/**
 * Builds a Blob slice by slice and checksums exactly the bytes it copied. A Blob cannot be built
 * from a view of a SharedArrayBuffer (browsers refuse it, and a worker could be writing it
 * meanwhile), so shared memory goes through a small private scratch buffer first: what is stored
 * and what is checksummed are the same bytes.
 */
export class BlobMaker {
  readonly #scratch: Uint8Array<ArrayBuffer> | null;
  readonly #hash = new Xxh32();
  readonly #parts: Blob[] = [];

  /** `scratchBytes` 0 for plain ArrayBuffer input (no copy needed), else the largest slice. */
  constructor(scratchBytes: number) {
    this.#scratch = scratchBytes > 0 ? new Uint8Array(scratchBytes) : null;
  }

  add(view: Uint8Array): void {
    let piece: Uint8Array<ArrayBuffer>;
    if (this.#scratch) {
      piece = this.#scratch.subarray(0, view.length);
      piece.set(view);
    } else {
      piece = view as Uint8Array<ArrayBuffer>;
    }
    this.#hash.update(piece);
    // The Blob constructor copies, so the scratch buffer can be refilled for the next slice.
    this.#parts.push(new Blob([piece]));
  }

  finish(): { blob: Blob; checksum: string } {
    // A Blob made of Blobs refers to them; nothing is copied again.
    const blob = this.#parts.length === 1 ? this.#parts[0]! : new Blob(this.#parts);
    return { blob, checksum: this.#hash.digest() };
  }
}

/** What the blob worker answers: the probed Blob, `unreadable` when the probe failed, else nothing (null). */
export interface BlobWorkerReply {
  readonly id: number;
  readonly blob?: Blob;
  readonly checksum?: string;
  readonly unreadable?: boolean;
}

let worker: Worker | null | undefined;
let nextId = 0;
/** Bytes of Blobs the current worker has made. */
let made = 0;

/**
 * A worker is replaced after making this much: the Blob handles it keeps (until its own garbage
 * collection, which a worker with a tiny heap hardly ever runs) hold the Blobs' data in the
 * browser's blob storage, which filled up after ~2 GB of results (a fetch then failed with "Failed
 * to fetch"). Terminating it lets go of them; Blobs already handed over stay valid.
 */
const RECYCLE_BYTES = 256 * 1024 * 1024;
const waiting = new Map<number, { resolve: (r: { blob: Blob; checksum: string } | null) => void; reject: (e: unknown) => void }>();

/**
 * The Blob from a worker, already probed there, or null where there is no worker (Node, old
 * browsers) or it failed; an unreadable Blob (blob storage exhausted) rejects with UnreadableBlobError.
 */
function blobInWorker(data: Uint8Array | Uint8ClampedArray): Promise<{ blob: Blob; checksum: string } | null> {
  if (worker === undefined) {
    try {
      worker = typeof Worker === 'undefined' ? null : new Worker(new URL('./blob.worker.ts', import.meta.url), { type: 'module' });
      const w = worker;
      w?.addEventListener('message', (e: MessageEvent<BlobWorkerReply>) => {
        const done = waiting.get(e.data.id);
        waiting.delete(e.data.id);
        if (e.data.blob) made += e.data.blob.size;
        if (made >= RECYCLE_BYTES && waiting.size === 0 && worker === w) {
          w.terminate();
          worker = undefined; // a fresh one for the next Blob
          made = 0;
        }
        if (e.data.unreadable) done?.reject(new UnreadableBlobError());
        else done?.resolve(e.data.blob && e.data.checksum ? { blob: e.data.blob, checksum: e.data.checksum } : null);
      });
      w?.addEventListener('error', () => {
        if (worker !== w) return;
        // A broken worker: fall back to the main thread from now on.
        worker = null;
        for (const done of waiting.values()) done.resolve(null);
        waiting.clear();
      });
    } catch {
      worker = null;
    }
  }
  const w = worker;
  if (!w) return Promise.resolve(null);
  const id = ++nextId;
  return new Promise((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    w.postMessage({ id, data });
  });
}

/**
 * Reads a Blob into `target` and returns the checksum of what was read, or null if the Blob is
 * shorter or longer than `target`. Throws UnreadableBlobError if it cannot be read.
 *
 * One read of the whole Blob, then checksum and copy in slices with a turn for the page between
 * them: in Chromium a single `arrayBuffer()` of 48 MB is markedly faster than reading it in slices,
 * and the read itself happens off the main thread.
 */
export async function blobInto(
  blob: Blob,
  target: Uint8Array | Uint8ClampedArray,
  opts: SliceOptions = {},
): Promise<string | null> {
  const n = target.byteLength;
  if (blob.size !== n) return null;
  const slice = sliceSize(opts.sliceBytes);
  const pause = opts.yieldToMain ?? yieldToMain;
  const bytes = await readAll(blob);
  if (bytes.length !== n) return null;
  const hash = new Xxh32();
  for (let off = 0; off < n; off += slice) {
    const piece = bytes.subarray(off, Math.min(off + slice, n));
    hash.update(piece);
    target.set(piece, off);
    if (off + slice < n) await pause();
  }
  return hash.digest();
}

/** Checksum of a whole (small) Blob. Throws UnreadableBlobError if it cannot be read. */
export async function blobChecksum(blob: Blob): Promise<string> {
  return new Xxh32().update(await readAll(blob)).digest();
}

/**
 * Reads a byte at each end of a new Blob. When the browser's blob storage is exhausted (measured in
 * Playwright's off-the-record Chromium: after about 0.75 GB of Blobs not yet garbage-collected) new
 * Blobs are created broken, IndexedDB still accepts them, and every later read fails. Two one-byte
 * reads catch that before anything is stored.
 */
export async function probe(blob: Blob): Promise<void> {
  if (blob.size === 0) return;
  await readAll(blob.slice(0, 1));
  await readAll(blob.slice(blob.size - 1));
}

function sliceSize(requested: number | undefined): number {
  return Math.max(16, Math.floor((requested ?? DEFAULT_SLICE_BYTES) / 16) * 16);
}
