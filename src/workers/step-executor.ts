// Running one step (a StepTask) on the worker lanes: its assets, its parameters on a proxy, and
// whether it runs whole (one task) or, for a tile-safe op on a large image, as row bands over the
// workers free when it reaches them (see src/ops/tiles.ts), with the bands' progress combined
// into the step's; a batch step yields between bands, and a reduced proxy of a tile-safe op runs
// as one band into a pooled output.

import { PRIORITY, type ExecContext, type Outputs, type StepTask } from '../engine/types';
import type { OpDecl, Params } from '../engine/op';
import { isImage, sharedMemoryAvailable } from '../ops/image';
import { bandCost, planTiles, tileSafe, tileableSize, type Band } from '../ops/tiles';
import { proxyParams, workingScale } from '../ops/proxy';
import type { Image, Value } from '../ops/types';
import type { AssetStore } from './assets';
import { DISPLAY_MAX_SIDE, bandPreviews, type BandPreviews } from './preview-rows';
import type { PixelPool } from './pixel-pool';
import type { JobSpec, Lanes, PoolStats } from './lanes';
import type { ImageResult, ResultOutputs, RunRequest, RunResponse } from './protocol';

/** Fewest rows per band: thinner bands would spend more on their halo and overheads than they save. */
const MIN_BAND_ROWS = 16;
/** A batch step's bands are about this many pixels: each is short enough for the editor's work to wait on. */
const YIELD_BAND_PIXELS = 2_000_000;
/** Tile only when the tallest band (with its halo) reads at most this share of the image's rows. */
const MAX_BAND_SHARE = 0.75;

export interface StepExecutorOptions {
  /** Long side of result thumbnails in px; 0 for none. */
  readonly thumbnailSize: number;
  /** Least time between two progress reports of a task. */
  readonly progressIntervalMs: number;
  /** Steps of tile-safe operations on images of at least this many pixels may run as row bands. */
  readonly tileMinPixels: number;
  /** Where a tiled step's outputs come from (buffers used again, see pixel-pool.ts). */
  readonly pixels: PixelPool;
  /** Long side of a shown step's display bitmap at full resolution; DISPLAY_MAX_SIDE by default. */
  readonly displaySize?: number;
}

export class StepExecutor {
  readonly #lanes: Lanes;
  readonly #assets: AssetStore;
  readonly #opts: StepExecutorOptions;

  constructor(lanes: Lanes, assets: AssetStore, options: StepExecutorOptions) {
    this.#lanes = lanes;
    this.#assets = assets;
    this.#opts = options;
  }

  /**
   * Queues the step on the lanes as one task. A tile-safe step on a large image may be split into
   * row bands when it reaches the workers (see Lanes' `split`): then over the workers that no
   * other waiting task needs, and not at all when there is only one.
   */
  run(task: StepTask<Value>, ctx: ExecContext): Promise<Outputs<Value>> {
    const inputs: Record<string, Value> = {};
    for (const [port, v] of Object.entries(task.inputs)) inputs[port] = outgoing(v, this.#lanes.stats);
    // On proxies, pixel-sized parameters follow the image (see ops/proxy.ts).
    const proxy = task.proxy ?? 0;
    const scale = workingScale(task.op, task.params, inputs, proxy);
    const params = proxyParams(task.op, task.params, scale);
    const assets: Record<string, Image> = {};
    const loading: Promise<void>[] = [];
    for (const [name, spec] of Object.entries(task.op.params)) {
      if (spec.kind !== 'string' || !spec.asset) continue;
      const id = task.params[name];
      if (typeof id !== 'string' || !id) continue;
      // A missing asset is not an error here: the kernel says what is missing and what to do.
      const add = (image: Image | undefined) => {
        if (image) assets[id] = outgoing(image, this.#lanes.stats) as Image;
      };
      const found = this.#assets.resolve(id);
      if (found instanceof Promise) loading.push(found.then(add));
      else add(found);
    }
    // An image the store must fetch first (a stored source, after a reload): the step waits for it.
    if (loading.length > 0) {
      return Promise.all(loading).then(() => {
        ctx.signal.throwIfAborted();
        return this.#submit(task, ctx, inputs, params, assets, proxy, scale);
      });
    }
    return this.#submit(task, ctx, inputs, params, assets, proxy, scale);
  }

  #submit(
    task: StepTask<Value>,
    ctx: ExecContext,
    inputs: Record<string, Value>,
    params: Params,
    assets: Record<string, Image>,
    proxy: number,
    scale: number,
  ): Promise<Outputs<Value>> {
    const { thumbnailSize, progressIntervalMs } = this.#opts;
    const request = { op: task.op.id, params, inputs, assets, progressIntervalMs, proxy, scale };
    const size = this.#tileSize(task.op, inputs);
    // A reduced proxy that would not be split anyway runs as one band into a pooled output.
    const parts =
      task.priority <= PRIORITY.batch
        ? this.#runInParts('yield', task, ctx, params, inputs, request, scale)
        : scale < 1 && !size
          ? this.#runInParts('proxy', task, ctx, params, inputs, request, scale)
          : null;
    if (parts) return parts;
    const tiled: { plan?: TilePlan; outputs?: Record<string, Image> } = {};
    const split = (workers: number): JobSpec[] | null => {
      const plan = this.#tilePlan(task.op, params, inputs, size!, workers);
      if (!plan) return null;
      tiled.plan = plan;
      const { outputs, reused } = this.#outputs(task.op, plan);
      tiled.outputs = outputs;
      return this.#bandSpecs(task, ctx, plan, outputs, request, this.#previews(task, plan, scale), reused);
    };
    return this.#lanes
      .submit<RunResponse | RunResponse[]>({
        kind: 'step',
        label: task.proxy ? `${task.op.title} · proxy` : task.op.title,
        op: task.op.id,
        node: task.nodeId,
        id: task.key,
        priority: task.priority,
        signal: ctx.signal,
        onStart: () => ctx.started(),
        onProgress: (f) => ctx.progress(f),
        call: (api, taskId, cancelFlag) => api.run({ ...request, thumbnailSize, taskId, cancelFlag, ...this.#display(task, scale) }),
        ...(size ? { split } : {}),
      })
      .then(
        (r) => {
          if (tiled.plan && tiled.outputs) return this.#bandResult(task, tiled.outputs, scale, r as RunResponse[]);
          const whole = r as RunResponse;
          this.#lanes.stats.promotedBytes += whole.promotedBytes;
          return whole.outputs as ResultOutputs;
        },
        (e: unknown) => {
          if (tiled.outputs) this.#abandon(tiled.outputs);
          throw e;
        },
      );
  }

  // ---- Tiled steps -------------------------------------------------------------------------------

  /**
   * A step run in parts, each queued on its own and writing into outputs from the pixel pool, or
   * null when it cannot be (the op is not tile-safe or declines these parameters, pixels are not
   * shared, the image is too small to yield); it then runs as usual.
   * - `yield`: a batch step on a large image, as row bands of about YIELD_BAND_PIXELS: the
   *   editor's work (higher priority) goes between them instead of waiting for the whole step, and
   *   free workers take several bands at once.
   * - `proxy`: a proxy step, whole, as one band: a drag makes a proxy of the edited step many times
   *   a second, and a fresh output costs page faults on its first writes (~12 ms a megapixel on one
   *   host) that a buffer used again does not.
   */
  #runInParts(
    how: 'yield' | 'proxy',
    task: StepTask<Value>,
    ctx: ExecContext,
    params: Params,
    inputs: Readonly<Record<string, Value>>,
    request: Omit<RunRequest, 'taskId' | 'cancelFlag' | 'thumbnailSize' | 'band'>,
    scale: number,
  ): Promise<Outputs<Value>> | null {
    if (!tileSafe(task.op) || !sharedMemoryAvailable()) return null;
    const size = tileableSize(task.op, inputs);
    if (!size) return null;
    let plan: TilePlan | null | undefined;
    if (how === 'yield') {
      if (size.width * size.height < 2 * YIELD_BAND_PIXELS) return null;
      plan = this.#tilePlan(task.op, params, inputs, size, Math.ceil((size.width * size.height) / YIELD_BAND_PIXELS));
    } else {
      if (!allShared(inputs)) return null;
      try {
        plan = planTiles(task.op, params, size, () => 1);
      } catch {
        return null; // the kernel, run whole, reports what is wrong with its parameters
      }
      if (plan?.bands.length !== 1) return null;
    }
    if (!plan) return null;
    const { outputs, reused } = this.#outputs(task.op, plan);
    const label = how === 'proxy' ? `${task.op.title} · proxy` : task.op.title;
    return this.#lanes
      .submitParts<RunResponse>(
        { kind: 'step', label, op: task.op.id, node: task.nodeId, id: task.key, priority: task.priority, signal: ctx.signal, onStart: () => ctx.started() },
        this.#bandSpecs(task, ctx, plan, outputs, request, this.#previews(task, plan, scale), reused),
      )
      .then(
        (r) => this.#bandResult(task, outputs, scale, r),
        (e: unknown) => {
          this.#abandon(outputs);
          throw e;
        },
      );
  }

  /**
   * The cheap part of the decision: the image size when the step could be split at all (the op is
   * tile-safe, there is more than one worker, pixels are shared, every image input has the first
   * one's size and it is large enough), else undefined.
   */
  #tileSize(op: OpDecl, inputs: Readonly<Record<string, Value>>): { width: number; height: number } | undefined {
    if (!tileSafe(op) || this.#lanes.size < 2 || !sharedMemoryAvailable()) return undefined;
    const size = tileableSize(op, inputs);
    return size && size.width * size.height >= Math.max(1, this.#opts.tileMinPixels) ? size : undefined;
  }

  /**
   * How to split a step of that size into row bands, or null to run it whole: pixels are shared (a
   * band is a view of the input, and every band writes into one output), and the halo leaves the
   * tallest band well short of the whole image. One band per worker it may have: each band pays its
   * halo twice, so more bands than workers would only add halo.
   */
  #tilePlan(
    op: OpDecl,
    params: Params,
    inputs: Readonly<Record<string, Value>>,
    size: { width: number; height: number },
    workers: number,
  ): TilePlan | null {
    if (!allShared(inputs)) return null;
    let plan: TilePlan | undefined;
    try {
      // rows of the output: a resampling op's bands are runs of those
      plan = planTiles(op, params, size, (rows) => Math.min(workers, Math.floor(rows / MIN_BAND_ROWS)));
    } catch {
      return null; // the kernel, run whole, reports what is wrong with its parameters
    }
    if (!plan || plan.bands.length < 2 || bandCost(plan.bands, size.height).longest > MAX_BAND_SHARE) return null;
    return plan;
  }

  /** A tiled step's full-size outputs, and whether any holds old pixels (a buffer used again). */
  #outputs(op: OpDecl, plan: TilePlan): { outputs: Record<string, Image>; reused: boolean } {
    const outputs: Record<string, Image> = {};
    let reused = false;
    for (const port of op.outputs) {
      const t = this.#opts.pixels.take(plan.width, plan.height);
      outputs[port.name] = t.image;
      reused ||= t.reused;
    }
    return { outputs, reused };
  }

  /** A failed or cancelled tiled step's outputs: a band may still be writing, so they are never used again. */
  #abandon(outputs: Readonly<Record<string, Image>>): void {
    for (const img of Object.values(outputs)) this.#opts.pixels.abandon(img);
  }

  /**
   * A shown step's display bitmap, made with its result (see RunRequest.display), at the viewer's
   * whole-image size. Never a reduced proxy's: the viewer draws one from its pixels (app/picture.ts),
   * where a bitmap would cost the worker a fresh canvas backing for every proxy of a drag. (An
   * image a proxy run did not reduce, smaller than a proxy, is shown as a full result is.)
   */
  #display(task: StepTask<Value>, scale: number): Pick<RunRequest, 'display' | 'displayMaxSide'> {
    return task.display && scale === 1 ? { display: true, displayMaxSide: this.#displaySize } : {};
  }

  get #displaySize(): number {
    return this.#opts.displaySize ?? DISPLAY_MAX_SIDE;
  }

  /**
   * The shared buffers the bands make the step's node previews in (and, for a shown step, the
   * viewer's bitmap), or undefined for none.
   */
  #previews(task: StepTask<Value>, plan: TilePlan, scale: number): BandPreviews | undefined {
    const { thumbnailSize } = this.#opts;
    if (thumbnailSize <= 0) return undefined;
    const ports = task.op.outputs.map((p) => p.name);
    return bandPreviews(ports, plan.width, plan.height, thumbnailSize, this.#display(task, scale).displayMaxSide);
  }

  /**
   * The band tasks of a split step, one per band, each writing its own rows into outputs allocated
   * once in shared memory, so nothing is assembled on this thread. Progress is the bands' progress
   * weighted by the rows they read. (The lanes run them at once, at the step's priority, and cancel
   * the rest when one fails.)
   */
  #bandSpecs(
    task: StepTask<Value>,
    ctx: ExecContext,
    plan: TilePlan,
    outputs: Record<string, Image>,
    request: Omit<RunRequest, 'taskId' | 'cancelFlag' | 'thumbnailSize' | 'band'>,
    previews: BandPreviews | undefined,
    reused: boolean,
  ): JobSpec[] {
    const { op } = task;
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
    return plan.bands.map((band, i) => ({
      kind: i === 0 ? 'step' : 'band',
      label: band.count > 1 ? `${op.title} · band ${band.index + 1}/${band.count}` : task.proxy ? `${op.title} · proxy` : op.title,
      op: op.id,
      node: task.nodeId,
      priority: task.priority,
      onProgress: (f: number) => advance(i, f),
      call: (api, taskId, cancelFlag) =>
        api.run({ ...request, taskId, cancelFlag, thumbnailSize: 0, band: { ...band, outputs, ...(previews ? { previews } : {}), ...(reused ? { clear: true } : {}) } }).then((r) => {
          advance(i, 1);
          return r;
        }),
    }));
  }

  /**
   * A split step's result: its outputs with the previews its last band made (see preview-rows.ts;
   * the bands make them whenever there are previews to make).
   */
  #bandResult(task: StepTask<Value>, outputs: Record<string, Image>, scale: number, bands: readonly RunResponse[]): ResultOutputs {
    const last = bands.find((b) => b.thumbnails);
    const first = task.op.outputs[0]?.name;
    const out: Record<string, ImageResult> = {};
    for (const [port, img] of Object.entries(outputs)) {
      const thumbnail = last?.thumbnails?.[port];
      const shown = port === first ? last?.display : undefined;
      out[port] = { ...img, ...(scale !== 1 ? { scale } : {}), ...(thumbnail ? { thumbnail } : {}), ...(shown ? { display: shown } : {}) };
    }
    return out;
  }
}

interface TilePlan {
  readonly width: number;
  readonly height: number;
  readonly bands: readonly Band[];
}

/** Whether every image input is in shared memory (a band is a view of it). */
function allShared(inputs: Readonly<Record<string, Value>>): boolean {
  return Object.values(inputs).every((v) => !isImage(v) || v.data.buffer instanceof SharedArrayBuffer);
}

/** Images go to workers as shared memory; without it they can only be cloned, which is counted. */
export function outgoing(v: Value, stats: PoolStats): Value {
  if (!isImage(v)) return v;
  if (!(v.data.buffer instanceof SharedArrayBuffer)) stats.clonedBytes += v.data.byteLength;
  // Only the pixels (and a proxy's scale): a thumbnail bitmap stays with whoever displays it.
  return { width: v.width, height: v.height, data: v.data, ...(v.scale !== undefined ? { scale: v.scale } : {}) };
}
