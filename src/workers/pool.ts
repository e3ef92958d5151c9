// The engine's Executor over a pool of step workers (Comlink). Each worker runs one task at a time
// on its lane; tasks beyond the idle workers wait in the pool's own priority queue (higher first,
// FIFO within). Pixels cross threads as shared memory or by transfer, never by silent copy.
//
// Cancellation really stops a kernel: the pool writes the task's shared flag, which the kernel's
// signal reads between bands; a worker still busy after a grace period is terminated and its lane
// starts a fresh one. A worker that dies (error event, or its life lock released) is replaced and
// its task rejected with a message that names the step.

import * as Comlink from 'comlink';
import { CancelledError, StepTimeoutError, formatMs, isTimeout, type ExecContext, type Executor, type Outputs, type StepTask } from '../engine/types';
import type { OpDecl, Params } from '../engine/op';
import { MAX_PIXELS, createImage, isImage, sharedMemoryAvailable } from '../ops/image';
import { bandCost, planBands, tileHalo, tileSafe, tileableSize, type Band } from '../ops/tiles';
import { proxyParams, workingScale } from '../ops/proxy';
import type { Image, Value } from '../ops/types';
import { AssetStore } from './assets';
import {
  CancelCode,
  FLAG_LENGTH,
  FLAG_LIMIT_MS,
  FLAG_STATE,
  isWorkerNotice,
  type BitmapOptions,
  type DecodeResult,
  type EncodeType,
  type ImageResult,
  type ResultOutputs,
  type RunRequest,
  type RunResponse,
  type StepWorkerApi,
} from './protocol';

export type WorkerFactory = () => Worker;

export interface WorkerPoolOptions {
  /** Most workers alive at once. Default: min(4, hardwareConcurrency − 1), at least 1 (see defaultPoolSize). */
  readonly size?: number;
  /** Makes a worker that exposes the step worker API. Default: the app's step.worker.ts. */
  readonly createWorker?: WorkerFactory;
  /** How long a cancelled kernel may take to stop before its worker is terminated. Default 200 ms. */
  readonly graceMs?: number;
  /** An idle worker is terminated after this long (recreated on demand); 0 or Infinity keeps it. Default 30 s. */
  readonly idleTimeoutMs?: number;
  /** Safety net per task, from the moment its kernel starts; 0 for none. Default 10 min (the engine has its own limit). */
  readonly taskTimeoutMs?: number;
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
  /** Priority of decode and encode tasks; they are short and a person waits for them. Default above any step. */
  readonly filePriority?: number;
  /**
   * Steps of tile-safe operations on images of at least this many pixels run as row bands on all
   * workers at once (see src/ops/tiles.ts), when the pool has more than one worker and memory is
   * shared. Default 2 MP: below it a step takes a few ms and bands would gain little. 0 tiles any size.
   */
  readonly tileMinPixels?: number;
  readonly onEvent?: (event: PoolEvent) => void;
  readonly now?: () => number;
}

/**
 * 'band': a further row band of a tiled step. A tiled step's first band is its 'step' task, so
 * every step run has exactly one 'step' task (what counts kernel runs); its preview is a 'bitmap'.
 */
export type TaskKind = 'step' | 'band' | 'decode' | 'encode' | 'bitmap';
export type TaskOutcome = 'done' | 'failed' | 'cancelled' | 'timedout' | 'crashed';
export type WorkerExitReason = 'idle' | 'crashed' | 'unresponsive' | 'resized' | 'disposed' | 'failed-to-start';

interface TaskInfo {
  readonly taskId: number;
  readonly kind: TaskKind;
  /** What a person reads: the operation's title, "Decode image", "Encode PNG". */
  readonly label: string;
  readonly op?: string;
  readonly node?: string;
}

/** What happened on the worker lanes, for the performance timeline. Times are from `now()`. */
export type PoolEvent =
  | (TaskInfo & { readonly type: 'task-start'; readonly lane: number; readonly t: number })
  | (TaskInfo & {
      readonly type: 'task-end';
      readonly lane: number;
      readonly startedAt: number;
      readonly t: number;
      readonly outcome: TaskOutcome;
    })
  | { readonly type: 'worker-start'; readonly lane: number; readonly t: number }
  | { readonly type: 'worker-exit'; readonly lane: number; readonly t: number; readonly reason: WorkerExitReason };

export type LaneState = 'empty' | 'starting' | 'idle' | 'busy' | 'stopping';

export interface LaneActivity {
  readonly lane: number;
  readonly state: LaneState;
  readonly task?: TaskInfo & { readonly startedAt: number };
}

export interface PoolActivity {
  readonly size: number;
  /** Workers alive (starting, idle, busy or stopping). */
  readonly workers: number;
  readonly busy: number;
  readonly idle: number;
  readonly starting: number;
  /** Workers whose task was cancelled and that have not stopped yet. */
  readonly stopping: number;
  readonly queued: number;
  readonly lanes: readonly LaneActivity[];
}

export interface PoolStats {
  spawned: number;
  terminated: number;
  crashed: number;
  completed: number;
  failed: number;
  cancelled: number;
  timedOut: number;
  /** Bytes of plain-ArrayBuffer images sent to workers by structured clone (only without shared memory). */
  clonedBytes: number;
  /** Bytes of plain-ArrayBuffer results a worker moved into shared memory (see protocol.ts). */
  promotedBytes: number;
}

/** A worker died or could not start; the task it held is rejected with this. */
export class WorkerCrashError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkerCrashError';
  }
}

interface Handle {
  readonly worker: Worker;
  readonly api: Comlink.Remote<StepWorkerApi>;
  ready: boolean;
  dead: boolean;
  lockStop: AbortController | null;
  startTimer: ReturnType<typeof setTimeout> | undefined;
}

interface Lane {
  readonly index: number;
  handle: Handle | null;
  job: Job | null;
  /** The lane's task was cancelled; waiting for its worker to return or the grace period to end. */
  stopping: boolean;
  graceTimer: ReturnType<typeof setTimeout> | undefined;
  idleTimer: ReturnType<typeof setTimeout> | undefined;
}

interface JobSpec extends Omit<TaskInfo, 'taskId'> {
  readonly priority: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (fraction: number) => void;
  readonly call: (api: Comlink.Remote<StepWorkerApi>, taskId: number, cancelFlag: Int32Array | undefined) => Promise<unknown>;
}

interface Job extends JobSpec, TaskInfo {
  state: 'queued' | 'assigned' | 'running' | 'settled';
  lane: Lane | null;
  startedAt: number;
  flag: Int32Array | undefined;
  timer: ReturnType<typeof setTimeout> | undefined;
  detach: (() => void) | undefined;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

const DEFAULTS = {
  graceMs: 200,
  idleTimeoutMs: 30_000,
  taskTimeoutMs: 10 * 60_000,
  startTimeoutMs: 30_000,
  thumbnailSize: 256,
  progressIntervalMs: 100,
  filePriority: 1e9,
  tileMinPixels: 2_000_000,
};

/** Fewest rows per band: thinner bands would spend more on their halo and overheads than they save. */
const MIN_BAND_ROWS = 16;
/** Tile only when the tallest band (with its halo) reads at most this share of the image's rows. */
const MAX_BAND_SHARE = 0.75;

function defaultWorker(): Worker {
  return new Worker(new URL('./step.worker.ts', import.meta.url), { type: 'module' });
}

/**
 * One core is left to the page. With a worker per core the main thread has to win a core from
 * busy workers for every task: on 2 cores (plus any other busy program) a Svelte update of 13 ms
 * of CPU was seen to take 220 ms of wall time, a long task made of waiting, not work. Leaving a
 * core costs ~15% of a 12 MP run there (BENCHMARKS.md) and keeps the editor responsive.
 */
export function defaultPoolSize(): number {
  const n = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  return Math.max(1, Math.min(4, (n || 2) - 1));
}

export class WorkerPool implements Executor<Value> {
  readonly assets: AssetStore;
  readonly stats: PoolStats = {
    spawned: 0,
    terminated: 0,
    crashed: 0,
    completed: 0,
    failed: 0,
    cancelled: 0,
    timedOut: 0,
    clonedBytes: 0,
    promotedBytes: 0,
  };
  readonly #opts: Required<Omit<WorkerPoolOptions, 'size' | 'createWorker' | 'assets' | 'onEvent' | 'now' | 'sharedCancellation'>>;
  readonly #createWorker: WorkerFactory;
  readonly #now: () => number;
  readonly #shared: boolean;
  readonly #listeners = new Set<(e: PoolEvent) => void>();
  #lanes: Lane[] = [];
  #size: number;
  readonly #queue: Job[] = [];
  #seq = 0;
  #disposed = false;
  /** Steps waiting a microtask to decide whether to split (see run). */
  #deciding = 0;

  constructor(options: WorkerPoolOptions = {}) {
    this.#size = checkedSize(options.size ?? defaultPoolSize());
    this.#createWorker = options.createWorker ?? defaultWorker;
    this.#now = options.now ?? (() => performance.now());
    this.#shared = (options.sharedCancellation ?? true) && sharedMemoryAvailable();
    this.assets = options.assets ?? new AssetStore();
    this.#opts = {
      graceMs: options.graceMs ?? DEFAULTS.graceMs,
      idleTimeoutMs: options.idleTimeoutMs ?? DEFAULTS.idleTimeoutMs,
      taskTimeoutMs: options.taskTimeoutMs ?? DEFAULTS.taskTimeoutMs,
      startTimeoutMs: options.startTimeoutMs ?? DEFAULTS.startTimeoutMs,
      thumbnailSize: options.thumbnailSize ?? DEFAULTS.thumbnailSize,
      progressIntervalMs: options.progressIntervalMs ?? DEFAULTS.progressIntervalMs,
      filePriority: options.filePriority ?? DEFAULTS.filePriority,
      tileMinPixels: options.tileMinPixels ?? DEFAULTS.tileMinPixels,
    };
    if (options.onEvent) this.#listeners.add(options.onEvent);
    this.#lanes = Array.from({ length: this.#size }, (_, i) => newLane(i));
  }

  get size(): number {
    return this.#size;
  }

  /** Listen to lane events (for a timeline); returns the function that stops listening. */
  subscribe(listener: (event: PoolEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get activity(): PoolActivity {
    const lanes = this.#lanes.map((lane): LaneActivity => {
      const state = laneState(lane);
      const job = lane.job;
      if (!job || job.state === 'settled') return { lane: lane.index, state };
      const { taskId, kind, label, op, node } = job;
      return { lane: lane.index, state, task: { taskId, kind, label, op, node, startedAt: job.startedAt } };
    });
    const count = (s: LaneState) => lanes.filter((l) => l.state === s).length;
    return {
      size: this.#size,
      workers: lanes.length - count('empty'),
      busy: count('busy'),
      idle: count('idle'),
      starting: count('starting'),
      stopping: count('stopping'),
      queued: this.#queue.length,
      lanes,
    };
  }

  // ---- Public tasks ----------------------------------------------------------------------------

  run(task: StepTask<Value>, ctx: ExecContext): Promise<Outputs<Value>> {
    const inputs: Record<string, Value> = {};
    for (const [port, v] of Object.entries(task.inputs)) inputs[port] = this.#outgoing(v);
    // On proxies, pixel-sized parameters follow the image (see ops/proxy.ts).
    const proxy = task.proxy ?? 0;
    const scale = workingScale(task.op, task.params, inputs, proxy);
    const params = proxyParams(task.op, task.params, scale);
    const assets: Record<string, Image> = {};
    for (const [name, spec] of Object.entries(task.op.params)) {
      if (spec.kind !== 'string' || !spec.asset) continue;
      const id = task.params[name];
      const image = typeof id === 'string' && id ? this.assets.get(id) : undefined;
      // A missing asset is not an error here: the kernel says what is missing and what to do.
      if (image && typeof id === 'string') assets[id] = this.#outgoing(image) as Image;
    }
    const { thumbnailSize, progressIntervalMs } = this.#opts;
    const whole = () => this.#runWhole(task, ctx, { op: task.op.id, params, inputs, assets, thumbnailSize, progressIntervalMs, proxy, scale });
    const size = this.#tileSize(task.op, inputs);
    if (!size) return whole();
    // Whether to split is decided a microtask later, once every step the scheduler starts in the
    // same turn has arrived: independent branches started together then each take a worker
    // instead of the first one taking them all.
    this.#deciding++;
    return Promise.resolve().then(() => {
      this.#deciding--;
      if (ctx.signal.aborted) throw ctx.signal.reason;
      const plan = this.#tilePlan(task.op, params, inputs, size);
      return plan ? this.#runTiled(task, ctx, plan, { op: task.op.id, params, inputs, assets, progressIntervalMs, proxy, scale }) : whole();
    });
  }

  #runWhole(task: StepTask<Value>, ctx: ExecContext, request: Omit<RunRequest, 'taskId' | 'cancelFlag'>): Promise<Outputs<Value>> {
    return this.#submit<RunResponse>({
      kind: 'step',
      label: task.proxy ? `${task.op.title} · proxy` : task.op.title,
      op: task.op.id,
      node: task.nodeId,
      priority: task.priority,
      signal: ctx.signal,
      onProgress: (f) => ctx.progress(f),
      call: (api, taskId, cancelFlag) => api.run({ ...request, taskId, cancelFlag }),
    }).then((r) => {
      this.stats.promotedBytes += r.promotedBytes;
      return r.outputs as ResultOutputs;
    });
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
    return this.#submit<DecodeResult>({
      kind: 'decode',
      label: 'Decode image',
      priority: options.priority ?? this.#opts.filePriority,
      signal: options.signal,
      call: (api, taskId, cancelFlag) => api.decode({ taskId, cancelFlag, source, maxPixels }),
    });
  }

  /** Encodes an image as PNG, JPEG or WebP (quality 0..1 for the last two). */
  encode(
    image: Image,
    type: EncodeType,
    quality?: number,
    options: { readonly signal?: AbortSignal; readonly priority?: number } = {},
  ): Promise<Blob> {
    const img = this.#outgoing(image) as Image;
    return this.#submit<Blob>({
      kind: 'encode',
      label: `Encode ${type.slice(6).toUpperCase()}`,
      priority: options.priority ?? this.#opts.filePriority,
      signal: options.signal,
      call: (api, taskId, cancelFlag) => api.encode({ taskId, cancelFlag, image: img, type, quality }),
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
    const img = this.#outgoing(image) as Image;
    const { region, maxSide } = options;
    return this.#submit<ImageBitmap>({
      kind: 'bitmap',
      label: 'Preview bitmap',
      priority: options.priority ?? this.#opts.filePriority,
      signal: options.signal,
      call: (api, taskId, cancelFlag) => api.bitmap({ taskId, cancelFlag, image: img, region, maxSide }),
    });
  }

  /** Changes the number of workers. Extra busy workers finish their task first. */
  resize(size: number): void {
    const n = checkedSize(size);
    this.#size = n;
    for (let i = this.#lanes.length; i < n; i++) this.#lanes.push(newLane(i));
    for (const lane of this.#lanes) {
      if (lane.index >= n && lane.handle && !lane.job) this.#kill(lane, 'resized');
    }
    this.#trim();
    this.#pump();
  }

  /** Stops everything: queued and running tasks are rejected, every worker terminated. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    const reason = new CancelledError('The worker pool was shut down');
    for (const job of this.#queue.splice(0)) this.#settle(job, 'cancelled', reason);
    for (const lane of this.#lanes) {
      if (lane.job) this.#settle(lane.job, 'cancelled', reason);
      if (lane.handle) this.#kill(lane, 'disposed');
    }
    this.#lanes = [];
    this.#listeners.clear();
  }

  // ---- Tiled steps -------------------------------------------------------------------------------

  /**
   * Workers that would start a task at once: none while tasks wait, and one fewer for each step
   * still deciding whether to split (it will want a worker too).
   */
  #freeLanes(): number {
    if (this.#queue.length > 0) return 0;
    return Math.max(0, this.#lanes.filter((l) => l.index < this.#size && !l.job && !l.stopping).length - this.#deciding);
  }

  /**
   * The cheap part of the decision: the image size when the step could be split at all (the op is
   * tile-safe, there is more than one worker, pixels are shared, every image input has the first
   * one's size and it is large enough), else undefined.
   */
  #tileSize(op: OpDecl, inputs: Readonly<Record<string, Value>>): { width: number; height: number } | undefined {
    if (!tileSafe(op) || this.#size < 2 || !sharedMemoryAvailable()) return undefined;
    const size = tileableSize(op, inputs);
    return size && size.width * size.height >= Math.max(1, this.#opts.tileMinPixels) ? size : undefined;
  }

  /**
   * How to split a step of that size into row bands, or null to run it whole: pixels are shared (a
   * band is a view of the input, and every band writes into one output), and the halo leaves the
   * tallest band well short of the whole image. One band per free worker: each band pays its halo
   * twice, so more bands than workers would only add halo.
   */
  #tilePlan(op: OpDecl, params: Params, inputs: Readonly<Record<string, Value>>, size: { width: number; height: number }): TilePlan | null {
    for (const v of Object.values(inputs)) if (isImage(v) && !(v.data.buffer instanceof SharedArrayBuffer)) return null;
    // As many bands as workers are free now: over busy workers (independent branches running at
    // once) bands would only add halo rows and queueing, so then the step runs whole.
    const count = Math.min(this.#freeLanes(), Math.floor(size.height / MIN_BAND_ROWS));
    if (count < 2) return null;
    let halo: number | undefined;
    try {
      halo = tileHalo(op, params);
    } catch {
      return null; // the kernel, run whole, reports what is wrong with its parameters
    }
    if (halo === undefined) return null;
    const bands = planBands(size.height, count, halo);
    if (bandCost(bands, size.height).longest > MAX_BAND_SHARE) return null;
    return { ...size, bands };
  }

  /**
   * Runs a step as bands, one task per band at the step's priority, on whatever workers are free.
   * Each band writes its own rows into outputs allocated here once, in shared memory, so nothing is
   * assembled on this thread; the previews are made in a worker afterwards, as for an untiled step.
   * Progress is the bands' progress weighted by the rows they read. Aborting the step's signal
   * cancels every band; a band that fails fails the step with its own error and cancels the rest.
   */
  #runTiled(
    task: StepTask<Value>,
    ctx: ExecContext,
    plan: TilePlan,
    request: Omit<RunRequest, 'taskId' | 'cancelFlag' | 'thumbnailSize' | 'band'>,
  ): Promise<Outputs<Value>> {
    if (ctx.signal.aborted) return Promise.reject(ctx.signal.reason);
    const { op } = task;
    const outputs: Record<string, Image> = {};
    for (const port of op.outputs) outputs[port.name] = createImage(plan.width, plan.height);
    const group = new AbortController();
    const onAbort = () => group.abort(ctx.signal.reason);
    ctx.signal.addEventListener('abort', onAbort, { once: true });

    const weights = plan.bands.map((b) => b.in1 - b.in0);
    const total = weights.reduce((a, b) => a + b, 0);
    const fractions = new Float64Array(plan.bands.length);
    let reported = 0;
    const advance = (i: number, f: number) => {
      if (!(f > fractions[i]!)) return;
      fractions[i] = Math.min(1, f);
      let sum = 0;
      for (let j = 0; j < weights.length; j++) sum += fractions[j]! * weights[j]!;
      const overall = Math.min(1, sum / total);
      if (overall > reported) {
        reported = overall;
        ctx.progress(overall);
      }
    };

    let failure: { error: unknown } | undefined;
    const bands = plan.bands.map((band, i) =>
      this.#submit<RunResponse>({
        kind: i === 0 ? 'step' : 'band',
        label: `${op.title} · band ${band.index + 1}/${band.count}`,
        op: op.id,
        node: task.nodeId,
        priority: task.priority,
        signal: group.signal,
        onProgress: (f) => advance(i, f),
        call: (api, taskId, cancelFlag) => api.run({ ...request, taskId, cancelFlag, thumbnailSize: 0, band: { ...band, outputs } }),
      }).then(
        () => advance(i, 1),
        (error: unknown) => {
          if (!failure && !group.signal.aborted) {
            // The first band to fail decides the step's error; the others are not wanted any more.
            failure = { error };
            group.abort(new CancelledError(`Cancelled: another band of ${op.title} failed`));
          }
          throw error;
        },
      ),
    );

    const scale = request.scale ?? 1;
    const result = (thumbnails: Readonly<Record<string, ImageBitmap>>): ResultOutputs => {
      const out: Record<string, ImageResult> = {};
      for (const [port, img] of Object.entries(outputs)) {
        const thumbnail = thumbnails[port];
        out[port] = { ...img, ...(scale !== 1 ? { scale } : {}), ...(thumbnail ? { thumbnail } : {}) };
      }
      return out;
    };
    const { thumbnailSize } = this.#opts;
    return Promise.all(bands)
      .then(
        () => {
          if (thumbnailSize <= 0) return result({});
          return this.#submit<Record<string, ImageBitmap>>({
            kind: 'bitmap',
            label: `${op.title} · preview`,
            op: op.id,
            node: task.nodeId,
            // Ahead of steps of the same priority: it is short, and the step is done once it is.
            priority: task.priority + 0.5,
            signal: ctx.signal,
            call: (api, taskId, cancelFlag) => api.thumbnails({ taskId, cancelFlag, images: outputs, maxSide: thumbnailSize }),
          }).then(result);
        },
        (error: unknown) => {
          throw failure ? failure.error : ctx.signal.aborted ? ctx.signal.reason : error;
        },
      )
      .finally(() => ctx.signal.removeEventListener('abort', onAbort));
  }

  // ---- Jobs ------------------------------------------------------------------------------------

  #submit<R>(spec: JobSpec): Promise<R> {
    if (this.#disposed) return Promise.reject(new Error('The worker pool was shut down'));
    if (spec.signal?.aborted) return Promise.reject(spec.signal.reason);
    return new Promise<R>((resolve, reject) => {
      const id = ++this.#seq;
      const job: Job = {
        ...spec,
        taskId: id,
        state: 'queued',
        lane: null,
        startedAt: 0,
        flag: undefined,
        timer: undefined,
        detach: undefined,
        resolve: resolve as (v: unknown) => void,
        reject,
      };
      const signal = spec.signal;
      if (signal) {
        const onAbort = () => this.#abort(job, signal.reason);
        signal.addEventListener('abort', onAbort, { once: true });
        job.detach = () => signal.removeEventListener('abort', onAbort);
      }
      this.#queue.push(job);
      this.#pump();
    });
  }

  /** Images go to workers as shared memory; without it they can only be cloned, which is counted. */
  #outgoing(v: Value): Value {
    if (!isImage(v)) return v;
    if (!(v.data.buffer instanceof SharedArrayBuffer)) this.stats.clonedBytes += v.data.byteLength;
    // Only the pixels (and a proxy's scale): a thumbnail bitmap stays with whoever displays it.
    return { width: v.width, height: v.height, data: v.data, ...(v.scale !== undefined ? { scale: v.scale } : {}) };
  }

  #pump(): void {
    if (this.#disposed) return;
    this.#trim();
    while (this.#queue.length > 0) {
      const lane = this.#freeLane();
      if (!lane) return;
      let best = 0;
      for (let i = 1; i < this.#queue.length; i++) {
        const a = this.#queue[i]!;
        const b = this.#queue[best]!;
        if (a.priority > b.priority || (a.priority === b.priority && a.taskId < b.taskId)) best = i;
      }
      this.#assign(lane, this.#queue.splice(best, 1)[0]!);
    }
  }

  /** A warm idle worker first, then one that is starting, then a lane to start one on. */
  #freeLane(): Lane | undefined {
    const usable = this.#lanes.filter((l) => l.index < this.#size && !l.job && !l.stopping);
    return (
      usable.find((l) => l.handle?.ready) ?? usable.find((l) => l.handle && !l.handle.ready) ?? usable.find((l) => !l.handle)
    );
  }

  #assign(lane: Lane, job: Job): void {
    clearTimeout(lane.idleTimer);
    lane.job = job;
    job.lane = lane;
    job.state = 'assigned';
    if (!lane.handle) this.#spawn(lane);
    else if (lane.handle.ready) this.#begin(lane, job);
    // else it begins when the worker says it is ready
  }

  #begin(lane: Lane, job: Job): void {
    const handle = lane.handle!;
    job.state = 'running';
    job.startedAt = this.#now();
    job.flag = this.#shared ? new Int32Array(new SharedArrayBuffer(FLAG_LENGTH * 4)) : undefined;
    const limit = this.#opts.taskTimeoutMs;
    if (limit > 0 && Number.isFinite(limit)) {
      job.timer = setTimeout(() => this.#abort(job, new StepTimeoutError(limit)), limit);
    }
    this.#emit({ type: 'task-start', lane: lane.index, t: job.startedAt, ...info(job) });
    let p: Promise<unknown>;
    try {
      p = job.call(handle.api, job.taskId, job.flag);
    } catch (e) {
      p = Promise.reject(e);
    }
    p.then(
      (value) => this.#returned(lane, handle, job, true, value),
      (error) => this.#returned(lane, handle, job, false, error),
    );
  }

  /** The worker answered (result or error), possibly after its task was cancelled. */
  #returned(lane: Lane, handle: Handle, job: Job, ok: boolean, value: unknown): void {
    if (lane.handle !== handle || lane.job !== job) return; // the worker was replaced meanwhile
    lane.job = null;
    if (lane.stopping) {
      // Stopped within the grace period: the worker is kept.
      lane.stopping = false;
      clearTimeout(lane.graceTimer);
    } else {
      this.#settle(job, ok ? 'done' : 'failed', value);
    }
    this.#release(lane);
    this.#pump();
  }

  /** Cancels a job wherever it is. A running kernel is told to stop; its worker gets a grace period. */
  #abort(job: Job, reason: unknown): void {
    const timedOut = isTimeout(reason);
    const outcome: TaskOutcome = timedOut ? 'timedout' : 'cancelled';
    const lane = job.lane;
    switch (job.state) {
      case 'settled':
        return;
      case 'queued': {
        const i = this.#queue.indexOf(job);
        if (i >= 0) this.#queue.splice(i, 1);
        this.#settle(job, outcome, reason);
        return;
      }
      case 'assigned':
        // Its worker is still starting: the task goes, the worker stays for the next one.
        this.#settle(job, outcome, reason);
        lane!.job = null;
        this.#pump();
        return;
      case 'running': {
        const code = timedOut ? CancelCode.timedOut : CancelCode.cancelled;
        const limitMs = reason instanceof StepTimeoutError ? Math.min(2 ** 31 - 1, Math.round(reason.ms)) : 0;
        if (job.flag) {
          Atomics.store(job.flag, FLAG_LIMIT_MS, limitMs);
          Atomics.store(job.flag, FLAG_STATE, code);
          Atomics.notify(job.flag, FLAG_STATE); // wakes a kernel waiting on the flag
        }
        // Also by message, for workers without the flag and kernels that are awaiting something.
        lane!.handle!.api.cancel(job.taskId, code, limitMs).catch(() => {});
        this.#settle(job, outcome, reason);
        lane!.stopping = true;
        lane!.graceTimer = setTimeout(() => {
          if (lane!.job === job && lane!.stopping) {
            this.#kill(lane!, 'unresponsive');
            this.#pump();
          }
        }, this.#opts.graceMs);
        return;
      }
    }
  }

  #settle(job: Job, outcome: TaskOutcome, value: unknown): void {
    if (job.state === 'settled') return;
    const wasRunning = job.state === 'running';
    job.state = 'settled';
    clearTimeout(job.timer);
    job.detach?.();
    const s = this.stats;
    if (outcome === 'done') s.completed++;
    else if (outcome === 'cancelled') s.cancelled++;
    else if (outcome === 'timedout') s.timedOut++;
    else s.failed++;
    if (wasRunning && job.lane) {
      this.#emit({ type: 'task-end', lane: job.lane.index, startedAt: job.startedAt, t: this.#now(), outcome, ...info(job) });
    }
    if (outcome === 'done') job.resolve(value);
    else job.reject(value);
  }

  // ---- Workers ---------------------------------------------------------------------------------

  #spawn(lane: Lane): void {
    let worker: Worker;
    try {
      worker = this.#createWorker();
    } catch (e) {
      const job = lane.job;
      lane.job = null;
      if (job) this.#settle(job, 'crashed', new WorkerCrashError(`The step worker could not start: ${message(e)}`));
      return;
    }
    const handle: Handle = { worker, api: Comlink.wrap<StepWorkerApi>(worker), ready: false, dead: false, lockStop: null, startTimer: undefined };
    lane.handle = handle;
    this.stats.spawned++;
    this.#emit({ type: 'worker-start', lane: lane.index, t: this.#now() });
    const startLimit = this.#opts.startTimeoutMs;
    if (startLimit > 0 && Number.isFinite(startLimit)) {
      const timer = setTimeout(() => {
        if (!handle.ready) this.#died(lane, handle, `it did not start within ${formatMs(startLimit)}`);
      }, startLimit);
      handle.startTimer = timer;
    }
    worker.addEventListener('message', (ev: MessageEvent) => {
      const d: unknown = ev.data;
      if (!isWorkerNotice(d) || lane.handle !== handle) return;
      if (d.type === 'pipette:ready') this.#ready(lane, handle, d.lock);
      else {
        const job = lane.job;
        if (job && job.state === 'running' && job.taskId === d.taskId) job.onProgress?.(d.fraction);
      }
    });
    worker.addEventListener('error', (ev: Event) => {
      ev.preventDefault(); // reported through the task's error instead of the console
      const text = ev instanceof ErrorEvent && ev.message ? ev.message : handle.ready ? 'an uncaught error' : 'its script failed to load';
      this.#died(lane, handle, text);
    });
    worker.addEventListener('messageerror', () => this.#died(lane, handle, 'it sent a message that could not be read'));
  }

  #ready(lane: Lane, handle: Handle, lock: string | null): void {
    if (handle.ready || handle.dead) return;
    handle.ready = true;
    clearTimeout(handle.startTimer);
    const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
    if (lock && locks) {
      // Granted only once the worker has let go of it, i.e. when it is gone.
      const stop = new AbortController();
      handle.lockStop = stop;
      locks
        .request(lock, { signal: stop.signal }, () => {
          this.#died(lane, handle, 'it stopped unexpectedly');
        })
        .catch(() => {});
    }
    const job = lane.job;
    if (job && job.state === 'assigned') this.#begin(lane, job);
    else {
      this.#release(lane);
      this.#pump();
    }
  }

  /** A worker we did not terminate is gone or broken: replace it and fail its task clearly. */
  #died(lane: Lane, handle: Handle, why: string): void {
    if (handle.dead || lane.handle !== handle) return;
    const job = lane.job;
    const started = handle.ready;
    this.stats.crashed++;
    this.#kill(lane, started ? 'crashed' : 'failed-to-start');
    if (job && job.state !== 'settled') {
      const text = started
        ? `The worker running ${job.label} crashed (${why}). A fresh worker replaces it; retry the step, and if it crashes again, try a smaller image`
        : `The step worker could not start (${why}); reload the page, and if it happens again, report it`;
      this.#settle(job, 'crashed', new WorkerCrashError(text));
    }
    this.#pump();
  }

  #kill(lane: Lane, reason: WorkerExitReason): void {
    const handle = lane.handle;
    if (!handle) return;
    handle.dead = true;
    clearTimeout(handle.startTimer);
    handle.lockStop?.abort();
    handle.worker.terminate();
    lane.handle = null;
    lane.job = null;
    lane.stopping = false;
    clearTimeout(lane.graceTimer);
    clearTimeout(lane.idleTimer);
    this.stats.terminated++;
    this.#emit({ type: 'worker-exit', lane: lane.index, t: this.#now(), reason });
  }

  /** A lane whose worker has no task any more: idle (with its idle timer) or removed by a resize. */
  #release(lane: Lane): void {
    if (lane.index >= this.#size) {
      this.#kill(lane, 'resized');
      this.#trim();
      return;
    }
    const idleMs = this.#opts.idleTimeoutMs;
    clearTimeout(lane.idleTimer);
    if (idleMs > 0 && Number.isFinite(idleMs)) {
      lane.idleTimer = setTimeout(() => {
        if (lane.handle && !lane.job && !lane.stopping) this.#kill(lane, 'idle');
      }, idleMs);
    }
  }

  /** Drops lanes past the size once their worker is gone. */
  #trim(): void {
    while (this.#lanes.length > this.#size) {
      const last = this.#lanes[this.#lanes.length - 1]!;
      if (last.handle || last.job) break;
      this.#lanes.pop();
    }
  }

  #emit(e: PoolEvent): void {
    for (const l of this.#listeners) {
      try {
        l(e);
      } catch (err) {
        console.error('Pipette: a worker pool listener failed', err);
      }
    }
  }
}

interface TilePlan {
  readonly width: number;
  readonly height: number;
  readonly bands: readonly Band[];
}

function newLane(index: number): Lane {
  return { index, handle: null, job: null, stopping: false, graceTimer: undefined, idleTimer: undefined };
}

function laneState(lane: Lane): LaneState {
  if (!lane.handle) return 'empty';
  if (lane.stopping) return 'stopping';
  if (!lane.handle.ready) return 'starting';
  return lane.job ? 'busy' : 'idle';
}

function info(job: Job): TaskInfo {
  const { taskId, kind, label, op, node } = job;
  return { taskId, kind, label, op, node };
}

function checkedSize(n: number): number {
  if (!Number.isFinite(n) || n < 1) throw new RangeError(`A worker pool needs at least one worker (got ${n})`);
  return Math.floor(n);
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
