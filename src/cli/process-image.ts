// One input image through the graph, in whichever thread calls it (a worker thread of the runner):
// decode, key the pixels as the browser does (image step's asset = the pixels' hash), run the
// engine's Scheduler over the same kernels the step workers run, encode the chosen steps' images
// and write each to a temporary name renamed into place, so a stopped run leaves no half file.

import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setParam, type Graph } from '../engine/graph';
import type { OpRegistry } from '../engine/op';
import { Scheduler, type StepEvent } from '../engine/scheduler';
import { isAbort, type Executor, type Outputs, type ResultStore } from '../engine/types';
import { isImage } from '../ops/image';
import type { Image, KernelInputs, OpDef, Value } from '../ops/types';
import { imageHash } from '../workers/image-hash';
import type { OutputFormat } from './args';
import { decodeFile, encodeFile } from './codecs';

export interface Pipeline {
  readonly graph: Graph;
  /** The image step the input goes into. */
  readonly source: string;
  /** Steps whose image results are written. */
  readonly steps: readonly string[];
  readonly format: OutputFormat;
  readonly quality: number;
  readonly background: readonly [number, number, number];
}

export interface ImageJob {
  readonly file: string;
  /** Where each step's result goes, by step id. */
  readonly outputs: Readonly<Record<string, string>>;
}

export interface ImageResult {
  readonly width: number;
  readonly height: number;
  /** Each written step's content key: equal keys, equal pixels, whichever machine computed them. */
  readonly keys: Readonly<Record<string, string>>;
  readonly bytes: Readonly<Record<string, number>>;
  readonly ms: { readonly decode: number; readonly run: number; readonly encode: number };
}

/** The temporary name a result is written to before it is renamed into place. */
export function tempName(file: string): string {
  return `${file}.pipette-tmp`;
}

/** Runs kernels in this thread, one step at a time (the runner's parallelism is one image per worker). */
export function kernelExecutor(kernels: ReadonlyMap<string, OpDef>, assets: ReadonlyMap<string, Image>): Executor<Value> {
  return {
    async run(task, ctx) {
      ctx.started();
      const op = kernels.get(task.op.id);
      if (!op) throw new Error(`This runner does not know the operation "${task.op.id}"; update Pipette`);
      const outputs = await op.kernel(task.inputs as KernelInputs, task.params, {
        signal: ctx.signal,
        progress: ctx.progress,
        assets: { get: (id) => assets.get(id) },
      });
      ctx.signal.throwIfAborted();
      return outputs;
    },
  };
}

export async function processImage(
  pipeline: Pipeline,
  registry: OpRegistry,
  kernels: ReadonlyMap<string, OpDef>,
  job: ImageJob,
  options: { readonly store?: ResultStore<Value>; readonly signal?: AbortSignal } = {},
): Promise<ImageResult> {
  const t0 = performance.now();
  const image = await decodeFile(new Uint8Array(await readFile(job.file)));
  const asset = imageHash(image);
  const graph = setParam(pipeline.graph, registry, pipeline.source, 'asset', asset);
  const t1 = performance.now();

  const scheduler = new Scheduler<Value>({ registry, executor: kernelExecutor(kernels, new Map([[asset, image]])), ...(options.store ? { store: options.store } : {}) });
  const results = new Map<string, StepEvent<Value>>();
  const problems: string[] = [];
  const run = scheduler.run(graph, {
    targets: pipeline.steps,
    priority: 'batch',
    ...(options.signal ? { signal: options.signal } : {}),
    onEvent: (e) => {
      if (e.type !== 'step') return;
      if (e.outputs) results.set(e.node, e);
      // A step to write that a Switch left out for this image says so, rather than "gave no image".
      if ((e.state === 'failed' || e.state === 'timedout' || (e.state === 'skipped' && pipeline.steps.includes(e.node))) && e.message) problems.push(`${titleOf(graph, registry, e.node)}: ${e.message}`);
    },
  });
  const summary = await run.done;
  if (summary.status === 'cancelled') throw options.signal?.reason ?? new Error('Cancelled');
  const t2 = performance.now();

  const keys: Record<string, string> = {};
  const bytes: Record<string, number> = {};
  const encoded: [string, Buffer][] = [];
  for (const step of pipeline.steps) {
    const r = results.get(step);
    const out = r?.outputs ? firstImage(r.outputs) : undefined;
    if (!r || !out) {
      throw new Error(problems[0] ?? `Step "${titleOf(graph, registry, step)}" gave no image (${summary.states.get(step) ?? 'not run'})`);
    }
    keys[step] = r.key!;
    encoded.push([step, await encodeFile(out, pipeline.format, pipeline.quality, pipeline.background)]);
  }
  // Written only once every step has succeeded: an image is done whole or not at all.
  for (const [step, data] of encoded) {
    const file = job.outputs[step]!;
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = tempName(file);
    try {
      await writeFile(tmp, data);
      await rename(tmp, file);
    } catch (e) {
      await unlink(tmp).catch(() => {});
      throw e;
    }
    bytes[step] = data.length;
  }
  const t3 = performance.now();
  return { width: image.width, height: image.height, keys, bytes, ms: { decode: t1 - t0, run: t2 - t1, encode: t3 - t2 } };
}

function firstImage(outputs: Outputs<Value>): Image | undefined {
  for (const v of Object.values(outputs)) if (isImage(v)) return v;
  return undefined;
}

function titleOf(graph: Graph, registry: OpRegistry, id: string): string {
  const node = graph.nodes.find((n) => n.id === id);
  return node?.label || (node ? registry.get(node.op)?.title : undefined) || id;
}

export function errorText(e: unknown): string {
  if (isAbort(e)) return 'Cancelled';
  return e instanceof Error ? e.message : String(e);
}
