// Running one step (a StepTask) on the worker lanes: its assets, its parameters on a proxy, and
// whether it runs whole (one task) or, for a tile-safe op on a large image, as row bands over the
// lanes that are free (see src/ops/tiles.ts), with the bands' progress combined into the step's.

import { CancelledError, type ExecContext, type Outputs, type StepTask } from '../engine/types';
import type { OpDecl, Params } from '../engine/op';
import { createImage, isImage, sharedMemoryAvailable } from '../ops/image';
import { bandCost, planBands, tileHalo, tileSafe, tileableSize, type Band } from '../ops/tiles';
import { proxyParams, workingScale } from '../ops/proxy';
import type { Image, Value } from '../ops/types';
import type { AssetStore } from './assets';
import type { Lanes, PoolStats } from './lanes';
import type { ImageResult, ResultOutputs, RunRequest, RunResponse } from './protocol';

/** Fewest rows per band: thinner bands would spend more on their halo and overheads than they save. */
const MIN_BAND_ROWS = 16;
/** Tile only when the tallest band (with its halo) reads at most this share of the image's rows. */
const MAX_BAND_SHARE = 0.75;

export interface StepExecutorOptions {
  /** Long side of result thumbnails in px; 0 for none. */
  readonly thumbnailSize: number;
  /** Least time between two progress reports of a task. */
  readonly progressIntervalMs: number;
  /** Steps of tile-safe operations on images of at least this many pixels may run as row bands. */
  readonly tileMinPixels: number;
}

export class StepExecutor {
  readonly #lanes: Lanes;
  readonly #assets: AssetStore;
  readonly #opts: StepExecutorOptions;
  /** Steps waiting a microtask to decide whether to split (see run). */
  #deciding = 0;

  constructor(lanes: Lanes, assets: AssetStore, options: StepExecutorOptions) {
    this.#lanes = lanes;
    this.#assets = assets;
    this.#opts = options;
  }

  run(task: StepTask<Value>, ctx: ExecContext): Promise<Outputs<Value>> {
    const inputs: Record<string, Value> = {};
    for (const [port, v] of Object.entries(task.inputs)) inputs[port] = outgoing(v, this.#lanes.stats);
    // On proxies, pixel-sized parameters follow the image (see ops/proxy.ts).
    const proxy = task.proxy ?? 0;
    const scale = workingScale(task.op, task.params, inputs, proxy);
    const params = proxyParams(task.op, task.params, scale);
    const assets: Record<string, Image> = {};
    for (const [name, spec] of Object.entries(task.op.params)) {
      if (spec.kind !== 'string' || !spec.asset) continue;
      const id = task.params[name];
      const image = typeof id === 'string' && id ? this.#assets.get(id) : undefined;
      // A missing asset is not an error here: the kernel says what is missing and what to do.
      if (image && typeof id === 'string') assets[id] = outgoing(image, this.#lanes.stats) as Image;
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
    return this.#lanes.submit<RunResponse>({
      kind: 'step',
      label: task.proxy ? `${task.op.title} · proxy` : task.op.title,
      op: task.op.id,
      node: task.nodeId,
      priority: task.priority,
      signal: ctx.signal,
      onProgress: (f) => ctx.progress(f),
      call: (api, taskId, cancelFlag) => api.run({ ...request, taskId, cancelFlag }),
    }).then((r) => {
      this.#lanes.stats.promotedBytes += r.promotedBytes;
      return r.outputs as ResultOutputs;
    });
  }

  // ---- Tiled steps -------------------------------------------------------------------------------

  /**
   * Workers that would start a task at once: none while tasks wait, and one fewer for each step
   * still deciding whether to split (it will want a worker too).
   */
  #freeLanes(): number {
    return Math.max(0, this.#lanes.free() - this.#deciding);
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
      this.#lanes.submit<RunResponse>({
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
          return this.#lanes.submit<Record<string, ImageBitmap>>({
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
}

interface TilePlan {
  readonly width: number;
  readonly height: number;
  readonly bands: readonly Band[];
}

/** Images go to workers as shared memory; without it they can only be cloned, which is counted. */
export function outgoing(v: Value, stats: PoolStats): Value {
  if (!isImage(v)) return v;
  if (!(v.data.buffer instanceof SharedArrayBuffer)) stats.clonedBytes += v.data.byteLength;
  // Only the pixels (and a proxy's scale): a thumbnail bitmap stays with whoever displays it.
  return { width: v.width, height: v.height, data: v.data, ...(v.scale !== undefined ? { scale: v.scale } : {}) };
}
