// The engine's Executor over a pool of step workers (Comlink): the public facade. The workers, the
// one queue work waits in, and cancellation are the lanes (lanes.ts); running a step, whole or as
// row bands, is the step executor (step-executor.ts); decode, encode and bitmap are thin calls on
// the lanes here. Pixels cross threads as shared memory or by transfer, never by silent copy.

import { PRIORITY, type ExecContext, type Executor, type Outputs, type StepTask } from '../engine/types';
import { MAX_PIXELS, sharedMemoryAvailable } from '../ops/image';
import type { Image, Value } from '../ops/types';
import { AssetStore } from './assets';
import { Lanes, type PoolActivity, type PoolEvent, type PoolStats, type WorkerFactory } from './lanes';
import type { BitmapOptions, DecodeResult, EncodeType } from './protocol';
import { StepExecutor, outgoing } from './step-executor';
import { PixelPool, type PixelPoolOptions } from './pixel-pool';
import * as Comlink from 'comlink';

export {
  WorkerCrashError,
  type LaneActivity,
  type LaneState,
  type PoolActivity,
  type PoolEvent,
  type PoolStats,
  type TaskKind,
  type TaskOutcome,
  type WorkerExitReason,
  type WorkerFactory,
} from './lanes';

export interface WorkerPoolOptions {
  /** Most workers alive at once. Default: min(4, hardwareConcurrency), at least 1 (see defaultPoolSize). */
  readonly size?: number;
  /** Makes a worker that exposes the step worker API. Default: the app's step.worker.ts. */
  readonly createWorker?: WorkerFactory;
  /** How long a cancelled kernel may take to stop before its worker is terminated. Default 200 ms. */
  readonly graceMs?: number;
  /** An idle worker is terminated after this long (recreated on demand); 0 or Infinity keeps it. Default 30 s. */
  readonly idleTimeoutMs?: number;
  /** A worker that has not said it is ready after this long is given up on. Default 30 s. */
  readonly startTimeoutMs?: number;
  /** Long side of result thumbnails in px; 0 for none. Default 256. */
  readonly thumbnailSize?: number;
  /** Least time between two progress reports of a task. Default 100 ms (≤ 10 per second). */
  readonly progressIntervalMs?: number;
  /** Where `asset` parameters are looked up. Default: a new, empty store. */
  readonly assets?: AssetStore;
  /** Use a shared flag to stop synchronous kernels. Default: when SharedArrayBuffer is usable. */
  readonly sharedCancellation?: boolean;
  /**
   * Tasks at or below this priority are background work: while one holds a worker, a reserve
   * worker beyond `size` runs anything more urgent (see LanesOptions). Default PRIORITY.batch;
   * null: no reserve worker.
   */
  readonly backgroundPriority?: number | null;
  /** Priority of decode and encode tasks; they are short and a person waits for them. Default above any step. */
  readonly filePriority?: number;
  /**
   * Steps of tile-safe operations on images of at least this many pixels run as row bands on all
   * workers at once (see src/ops/tiles.ts), when the pool has more than one worker and memory is
   * shared. Default 2 MP: below it a step takes a few ms and bands would gain little. 0 tiles any size.
   */
  readonly tileMinPixels?: number;
  /** The output buffer pool's options (see pixel-pool.ts); `{ keeper: null }` for new buffers every time. */
  readonly pixels?: PixelPoolOptions;
  readonly onEvent?: (event: PoolEvent) => void;
  readonly now?: () => number;
}

const DEFAULTS = {
  graceMs: 200,
  idleTimeoutMs: 30_000,
  startTimeoutMs: 30_000,
  thumbnailSize: 256,
  progressIntervalMs: 100,
  filePriority: 1e9,
  tileMinPixels: 2_000_000,
};

function defaultWorker(): Worker {
  return new Worker(new URL('./step.worker.ts', import.meta.url), { type: 'module' });
}

/**
 * A worker per core, up to 4. This used to leave one core to the page: on 2 cores a Svelte update
 * of 13 ms of CPU was once seen to take 220 ms of wall time while both cores ran workers. Since
 * then the page's own work comes in short pieces (never more than ~10 ms of main-thread CPU at a
 * stretch in a 12 MP run: tests/e2e/long-tasks.spec.ts), and with both cores the bench measured no
 * long task or long frame in 14 runs and 14 drags, a 6-step 12 MP update ~40 % sooner (p50 491
 * against 795 ms) and the dragged proxy sooner (43 against 56 ms) than with one worker
 * (BENCHMARKS.md, "Pool size", 2026-12-03). Settings can lower it.
 */
export function defaultPoolSize(): number {
  const n = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  return Math.max(1, Math.min(4, n || 2));
}

export class WorkerPool implements Executor<Value> {
  readonly assets: AssetStore;
  readonly stats: PoolStats;
  readonly #lanes: Lanes;
  readonly #steps: StepExecutor;
  readonly #filePriority: number;
  /** Where tiled steps' outputs come from: buffers used again once the page lets go of them. */
  readonly pixels: PixelPool;

  constructor(options: WorkerPoolOptions = {}) {
    this.pixels = new PixelPool(options.pixels ?? {});
    this.#lanes = new Lanes({
      size: options.size ?? defaultPoolSize(),
      createWorker: options.createWorker ?? defaultWorker,
      now: options.now ?? (() => performance.now()),
      sharedCancellation: (options.sharedCancellation ?? true) && sharedMemoryAvailable(),
      graceMs: options.graceMs ?? DEFAULTS.graceMs,
      idleTimeoutMs: options.idleTimeoutMs ?? DEFAULTS.idleTimeoutMs,
      startTimeoutMs: options.startTimeoutMs ?? DEFAULTS.startTimeoutMs,
      backgroundPriority: options.backgroundPriority === null ? undefined : (options.backgroundPriority ?? PRIORITY.batch),
      onEvent: options.onEvent,
    });
    this.stats = this.#lanes.stats;
    this.assets = options.assets ?? new AssetStore();
    this.#filePriority = options.filePriority ?? DEFAULTS.filePriority;
    this.#steps = new StepExecutor(this.#lanes, this.assets, {
      thumbnailSize: options.thumbnailSize ?? DEFAULTS.thumbnailSize,
      progressIntervalMs: options.progressIntervalMs ?? DEFAULTS.progressIntervalMs,
      tileMinPixels: options.tileMinPixels ?? DEFAULTS.tileMinPixels,
      pixels: this.pixels,
    });
  }

  get size(): number {
    return this.#lanes.size;
  }

  /** Listen to lane events (for a timeline); returns the function that stops listening. */
  subscribe(listener: (event: PoolEvent) => void): () => void {
    return this.#lanes.subscribe(listener);
  }

  get activity(): PoolActivity {
    return this.#lanes.activity;
  }

  // ---- Public tasks ----------------------------------------------------------------------------

  run(task: StepTask<Value>, ctx: ExecContext): Promise<Outputs<Value>> {
    return this.#steps.run(task, ctx);
  }

  /** The step with this key, while it waits, moves to a new priority (its bands too). */
  setPriority(key: string, priority: number): void {
    this.#lanes.setPriority(key, priority);
  }

  /**
   * Decodes an image file off the main thread: pixels (shared memory when the page is isolated)
   * and their content hash. Fails with a clear message for corrupt, unsupported or too large files.
   */
  decode(
    source: Blob | ArrayBuffer,
    maxPixels: number = MAX_PIXELS,
    options: { readonly signal?: AbortSignal; readonly priority?: number } = {},
  ): Promise<DecodeResult> {
    return this.#lanes.submit<DecodeResult>({
      kind: 'decode',
      label: 'Decode image',
      priority: options.priority ?? this.#filePriority,
      signal: options.signal,
      call: (api, taskId, cancelFlag) => api.decode({ taskId, cancelFlag, source, maxPixels }),
    });
  }

  /**
   * A camera frame's pixels, read in a worker: the frame (a VideoFrame or ImageBitmap) is
   * transferred there, never copied, and closed; so it is closed here too when the task never ran.
   */
  frame(source: VideoFrame | ImageBitmap, options: { readonly signal?: AbortSignal; readonly priority?: number } = {}): Promise<Image> {
    return this.#lanes
      .submit<Image>({
        kind: 'decode',
        label: 'Camera frame',
        priority: options.priority ?? this.#filePriority,
        signal: options.signal,
        call: (api, taskId, cancelFlag) => api.frame(Comlink.transfer({ taskId, cancelFlag, source }, [source])),
      })
      .finally(() => source.close());
  }

  /**
   * Encodes an image as PNG (lossless, alpha exact), JPEG or WebP (quality 0..1 for the last two).
   * JPEG has no alpha: transparent pixels are composited on `background` ('#rrggbb', default white).
   */
  encode(
    image: Image,
    type: EncodeType,
    quality?: number,
    options: { readonly signal?: AbortSignal; readonly priority?: number; readonly background?: string } = {},
  ): Promise<Blob> {
    const img = outgoing(image, this.stats) as Image;
    const { background } = options;
    return this.#lanes.submit<Blob>({
      kind: 'encode',
      label: `Encode ${type.slice(6).toUpperCase()}`,
      priority: options.priority ?? this.#filePriority,
      signal: options.signal,
      call: (api, taskId, cancelFlag) => api.encode({ taskId, cancelFlag, image: img, type, quality, background }),
    });
  }

  /**
   * A displayable bitmap of full-size pixels, made in a worker: the main thread never copies or
   * converts full-size pixels (that costs tens of ms at 12 MP), it only draws the bitmap it gets.
   */
  bitmap(
    image: Image,
    options: BitmapOptions & { readonly signal?: AbortSignal; readonly priority?: number } = {},
  ): Promise<ImageBitmap> {
    const img = outgoing(image, this.stats) as Image;
    const { region, maxSide } = options;
    return this.#lanes.submit<ImageBitmap>({
      kind: 'bitmap',
      label: 'Preview bitmap',
      priority: options.priority ?? this.#filePriority,
      signal: options.signal,
      call: (api, taskId, cancelFlag) => api.bitmap({ taskId, cancelFlag, image: img, region, maxSide }),
    });
  }

  /** Changes the number of workers. Extra busy workers finish their task first. */
  resize(size: number): void {
    this.#lanes.resize(size);
  }

  /** Stops everything: queued and running tasks are rejected, every worker terminated. */
  dispose(): void {
    this.#lanes.dispose();
    this.pixels.dispose();
  }
}
