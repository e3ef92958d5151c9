// Output buffers of tiled steps (and of proxy steps run as one band), used again once nothing on
// the page can reach them.
//
// Why: every full-resolution step used to write a fresh 48 MB SharedArrayBuffer (12 MP), and
// touching fresh memory costs page faults: ~20 ms per 48 MB on a quiet machine here, and at times
// ~70 ms per step when the machine had to find new pages (the 6-step update then doubled). A dead
// buffer, meanwhile, is freed only at the page's next major garbage collection (~11 s apart in a
// session of edits, by then ~2 GB of them).
//
// How, safely: a buffer is handed out again only after the page's own handle to it has been
// garbage-collected (a FinalizationRegistry), so no cache entry, viewer, pending write or script
// can still read it. Collected memory cannot be revived from the page, so a small keeper worker
// holds a second handle to every pooled buffer and, when the page's handle is gone, sends the
// buffer back. Workers read a buffer only inside a task the page is waiting for (the page holds
// the buffer meanwhile), and a step whose bands failed or were cancelled has its outputs
// abandoned, never pooled, so a band that has not noticed yet cannot write into a reused buffer.
// Reused buffers hold old pixels: a band that writes straight into its rows clears them first.

import { createImage, checkSize } from '../ops/image';
import type { Image } from '../ops/types';

/** The keeper's side, as the pool sees it (a Worker, or a stand-in in tests). */
export interface KeeperPort {
  postMessage(message: KeeperRequest): void;
  addEventListener(type: 'message', listener: (e: MessageEvent<KeeperReply>) => void): void;
  terminate(): void;
}

export type KeeperRequest =
  | { readonly type: 'keep'; readonly id: number; readonly buffer: SharedArrayBuffer }
  | { readonly type: 'release'; readonly id: number }
  | { readonly type: 'forget'; readonly id: number };

export interface KeeperReply {
  readonly type: 'back';
  readonly id: number;
  readonly buffer: SharedArrayBuffer;
}

export interface PixelPoolOptions {
  /** Most bytes of free buffers kept; beyond it the oldest are let go. */
  readonly maxFreeBytes?: number;
  /** Free buffers unused for this long are let go. */
  readonly idleMs?: number;
  /** Starts a keeper; null where there is none (then every buffer is new). */
  readonly keeper?: (() => KeeperPort) | null;
  readonly now?: () => number;
}

export interface PixelPoolStats {
  /** Buffers handed out, and how many of them were used before. */
  readonly taken: number;
  readonly reused: number;
  /** Buffers whose page handle was collected and that came back to the pool. */
  readonly returned: number;
  /** Bytes of free buffers now. */
  readonly freeBytes: number;
}

interface Free {
  readonly id: number;
  readonly buffer: SharedArrayBuffer;
  readonly since: number;
  readonly generation: number;
}

/** Ten 12 MP buffers (as much as the memory cache's default budget); a session of edits frees ~7 an edit. */
const DEFAULT_MAX_FREE_BYTES = 512 * 1024 * 1024;
const DEFAULT_IDLE_MS = 30_000;
/** Buffers the keeper was told to forget, in bytes, before it is replaced (it hardly ever collects garbage). */
const KEEPER_FORGET_LIMIT = 1024 * 1024 * 1024;

function defaultKeeper(): KeeperPort {
  return new Worker(new URL('./keeper.worker.ts', import.meta.url), { type: 'module' }) as unknown as KeeperPort;
}

export class PixelPool {
  readonly #counts = { taken: 0, reused: 0, returned: 0 };
  readonly #opts: Required<Omit<PixelPoolOptions, 'keeper'>>;
  readonly #startKeeper: (() => KeeperPort) | null;
  #keeper: KeeperPort | null = null;
  /** Bumped when the keeper is replaced: buffers kept by an earlier one cannot come back. */
  #generation = 0;
  #forgotten = 0;
  #nextId = 0;
  /** Handed-out buffers by id: the token that unregisters them, and which keeper holds them. */
  readonly #live = new Map<number, { readonly token: object; readonly generation: number; readonly bytes: number }>();
  readonly #ids = new WeakMap<SharedArrayBuffer, number>();
  readonly #free: Free[] = [];
  readonly #registry: FinalizationRegistry<number> | null;
  #trimTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(options: PixelPoolOptions = {}) {
    this.#opts = {
      maxFreeBytes: options.maxFreeBytes ?? DEFAULT_MAX_FREE_BYTES,
      idleMs: options.idleMs ?? DEFAULT_IDLE_MS,
      now: options.now ?? (() => performance.now()),
    };
    const usable = typeof FinalizationRegistry !== 'undefined' && typeof SharedArrayBuffer !== 'undefined';
    this.#startKeeper = usable ? (options.keeper === undefined ? (typeof Worker === 'undefined' ? null : defaultKeeper) : options.keeper) : null;
    this.#registry = this.#startKeeper ? new FinalizationRegistry((id) => this.#collected(id)) : null;
  }

  get stats(): PixelPoolStats {
    return { ...this.#counts, freeBytes: this.#freeBytes() };
  }

  #freeBytes(): number {
    let n = 0;
    for (const f of this.#free) n += f.buffer.byteLength;
    return n;
  }

  /**
   * A width×height image in shared memory: a pooled buffer when one of that size is free
   * (`reused`: it holds old pixels), else a new zero-filled one.
   */
  take(width: number, height: number): { readonly image: Image; readonly reused: boolean } {
    checkSize(width, height);
    this.#counts.taken++;
    const bytes = width * height * 4;
    const i = this.#free.findIndex((f) => f.buffer.byteLength === bytes);
    if (i >= 0) {
      const [f] = this.#free.splice(i, 1) as [Free];
      this.#counts.reused++;
      if (f.generation !== this.#generation) this.#keeperPort()?.postMessage({ type: 'keep', id: f.id, buffer: f.buffer });
      this.#track(f.id, f.buffer);
      return { image: { width, height, data: new Uint8ClampedArray(f.buffer) }, reused: true };
    }
    const image = createImage(width, height);
    const buffer = image.data.buffer;
    const keeper = buffer instanceof SharedArrayBuffer ? this.#keeperPort() : null;
    if (keeper) {
      // The engine counts shared memory towards nothing that prompts a garbage collection, so dead
      // 48 MB outputs waited ~11 s for one (by then ~2 GB of them). An ArrayBuffer of the same size,
      // never touched (no page is ever committed) and dropped at once, counts: collections then
      // come about as often as the page makes outputs, and so do buffers back to the pool.
      void new ArrayBuffer(bytes);
      const id = ++this.#nextId;
      keeper.postMessage({ type: 'keep', id, buffer: buffer as SharedArrayBuffer });
      this.#track(id, buffer as SharedArrayBuffer);
    }
    return { image, reused: false };
  }

  /**
   * Never pool this image's buffer: a step that failed or was cancelled, whose bands may still be
   * writing into it.
   */
  abandon(image: Image): void {
    const buffer = image.data.buffer;
    if (!(buffer instanceof SharedArrayBuffer)) return;
    const id = this.#ids.get(buffer);
    if (id === undefined) return;
    const live = this.#live.get(id);
    if (!live) return;
    this.#live.delete(id);
    this.#registry?.unregister(live.token);
    this.#forget(id, live.generation, live.bytes);
  }

  /** Lets go of every free buffer and of the keeper. */
  dispose(): void {
    this.#free.length = 0;
    if (this.#trimTimer !== null) clearTimeout(this.#trimTimer);
    this.#trimTimer = null;
    this.#keeper?.terminate();
    this.#keeper = null;
    this.#generation++;
    this.#live.clear();
  }

  #track(id: number, buffer: SharedArrayBuffer): void {
    const token = {};
    this.#ids.set(buffer, id);
    this.#live.set(id, { token, generation: this.#generation, bytes: buffer.byteLength });
    this.#registry!.register(buffer, id, token);
  }

  #keeperPort(): KeeperPort | null {
    if (this.#keeper || !this.#startKeeper) return this.#keeper;
    try {
      const keeper = this.#startKeeper();
      const generation = this.#generation;
      keeper.addEventListener('message', (e) => {
        if (this.#generation === generation && e.data?.type === 'back') this.#back(e.data.id, e.data.buffer);
      });
      this.#keeper = keeper;
    } catch {
      this.#keeper = null;
    }
    return this.#keeper;
  }

  /** The page's handle to buffer `id` was collected: ask the keeper for it. */
  #collected(id: number): void {
    const live = this.#live.get(id);
    if (!live) return;
    this.#live.delete(id);
    if (live.generation !== this.#generation) return;
    this.#keeper?.postMessage({ type: 'release', id });
  }

  #back(id: number, buffer: SharedArrayBuffer): void {
    this.#counts.returned++;
    this.#free.push({ id, buffer, since: this.#opts.now(), generation: this.#generation });
    while (this.#freeBytes() > this.#opts.maxFreeBytes && this.#free.length > 0) this.#drop(0);
    this.#scheduleTrim();
  }

  #drop(index: number): void {
    const [f] = this.#free.splice(index, 1) as [Free];
    this.#forget(f.id, f.generation, f.buffer.byteLength);
  }

  #forget(id: number, generation: number, bytes: number): void {
    if (generation !== this.#generation || !this.#keeper) return;
    this.#keeper.postMessage({ type: 'forget', id });
    this.#forgotten += bytes;
    if (this.#forgotten < KEEPER_FORGET_LIMIT) return;
    // The keeper's forgotten handles would keep their memory until its next garbage collection,
    // which a worker that allocates next to nothing may never run: replace it. Buffers it kept
    // just cannot come back; free ones are kept again by the next keeper when taken.
    this.#keeper.terminate();
    this.#keeper = null;
    this.#generation++;
    this.#forgotten = 0;
  }

  #scheduleTrim(): void {
    if (this.#trimTimer !== null) return;
    this.#trimTimer = setTimeout(() => {
      this.#trimTimer = null;
      const now = this.#opts.now();
      for (let i = this.#free.length - 1; i >= 0; i--) if (now - this.#free[i]!.since >= this.#opts.idleMs) this.#drop(i);
      if (this.#free.length > 0) this.#scheduleTrim();
    }, this.#opts.idleMs);
  }
}
