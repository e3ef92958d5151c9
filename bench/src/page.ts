// The benchmark page. run.mjs calls these functions through `window.bench`, one measurement per
// call, and does the printing. Our kernels run on this page's main thread (one core, like the
// anchors' single-thread figures); the engine rows use the real scheduler, worker pool and runtime.

/* eslint-disable @typescript-eslint/no-explicit-any */
import { registry } from '../../src/ops/registry';
import { ops, opDef } from '../../src/ops/kernels';
import { resolveParams } from '../../src/engine/params';
import { keyGraph, parseGraphDocument, Scheduler, MemoryStore, QueuedExecutor, PRIORITY, type Graph } from '../../src/engine';
import { valueBytes } from '../../src/ops/image';
import type { Image, Value, KernelContext, OpDef } from '../../src/ops/types';
import type { Params } from '../../src/engine/op';
import { Runtime } from '../../src/app/runtime';
import { WorkerPool } from '../../src/workers/pool';
import { decodePng, encodePng } from '../../src/workers/png';
import { createImage } from '../../src/ops/image';
import { loadKernels } from '../../src/wasm';
import { makeTestImage, diff, type Rgba } from './image';
import { loadAnchors, BRIGHTNESS, CONTRAST, LEVELS, type Anchors, type Impl, type OpId, type Output } from './anchors';
import { gaussianRef, resizeRef, brightnessContrastRef, grayscaleRef, levelsRef, invertRef, sharpenRef, SHARPEN } from './reference';
import { gaussianPlain, resizePlain, brightnessContrastPlain, grayscalePlain, levelsPlain, invertPlain, sharpenPlain } from './plain';

const now = () => performance.now();
const gc = () => (globalThis as { gc?: () => void }).gc?.();
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
};

let src: Rgba;
let anchors: Anchors;

async function init() {
  const t0 = now();
  src = makeTestImage();
  const imageMs = now() - t0;
  anchors = await loadAnchors();
  return {
    crossOriginIsolated,
    hardwareConcurrency: navigator.hardwareConcurrency,
    userAgent: navigator.userAgent,
    gcExposed: typeof (globalThis as { gc?: unknown }).gc === 'function',
    imageMs,
    anchors: anchors.status,
    ops: ops.map((o) => o.id),
  };
}

// ---- Kernel table ---------------------------------------------------------------------------------

interface OpSpec {
  readonly title: string;
  /** Pixels near the edge left out of the interior comparison: the filter's reach. */
  readonly border: number;
  /** The definition in double precision; null where one at 12 MP would take minutes (median): not compared. */
  readonly ref: (() => Rgba) | null;
  readonly ours: { readonly op: string; readonly params: Record<string, unknown> } | null;
  readonly plain: (() => Rgba) | null;
  /** Pointwise: also time ours writing into one output reused from run to run (see reusedImpl). */
  readonly reused?: boolean;
  /**
   * For an op with a colour memo (src/ops/colour-memo.ts), which serves a run whose parameters
   * repeat the run before: parameters ours alternates with, from run to run, so that every timed
   * run of the other rows computes every pixel as the anchors do; reusedImpl(spec, true) times the repeat.
   */
  readonly nudge?: Record<string, unknown>;
}

const SPECS: Record<OpId, () => OpSpec> = {
  gauss5: () => ({
    title: 'gaussian blur σ=5',
    border: 15,
    ref: () => gaussianRef(src, 5),
    ours: { op: 'gaussian-blur', params: { sigma: 5 } },
    plain: () => gaussianPlain(src, 5),
  }),
  gauss20: () => ({
    title: 'gaussian blur σ=20',
    border: 60,
    ref: () => gaussianRef(src, 20),
    ours: { op: 'gaussian-blur', params: { sigma: 20 } },
    plain: () => gaussianPlain(src, 20),
  }),
  resize: () => ({
    title: 'resize to 50 %, Lanczos',
    border: 3,
    ref: () => resizeRef(src, src.width / 2, src.height / 2),
    ours: { op: 'resize', params: { mode: 'scale', scale: 50, filter: 'lanczos3' } },
    plain: () => resizePlain(src, src.width / 2, src.height / 2),
  }),
  bc: () => ({
    title: `brightness/contrast (${BRIGHTNESS}, +${CONTRAST})`,
    border: 0,
    ref: () => brightnessContrastRef(src, BRIGHTNESS, CONTRAST),
    ours: { op: 'brightness-contrast', params: { brightness: BRIGHTNESS, contrast: CONTRAST } },
    plain: () => brightnessContrastPlain(src, BRIGHTNESS, CONTRAST),
    reused: true,
  }),
  gray: () => ({
    title: 'grayscale',
    border: 0,
    ref: () => grayscaleRef(src),
    ours: { op: 'grayscale', params: {} },
    plain: () => grayscalePlain(src),
    reused: true,
  }),
  levels: () => ({
    title: `levels (${LEVELS.inBlack}..${LEVELS.inWhite}, γ ${LEVELS.gamma})`,
    border: 0,
    ref: () => levelsRef(src, LEVELS.inBlack, LEVELS.inWhite, LEVELS.gamma),
    ours: { op: 'levels', params: { ...LEVELS } },
    plain: () => levelsPlain(src, LEVELS.inBlack, LEVELS.inWhite, LEVELS.gamma),
    reused: true,
  }),
  invert: () => ({
    title: 'invert',
    border: 0,
    ref: () => invertRef(src),
    ours: { op: 'invert', params: {} },
    plain: () => invertPlain(src),
    reused: true,
  }),
  hsl: () => ({
    title: 'hue/saturation (hue +15°, saturation +20 %)',
    border: 0,
    // the op is its own double-precision definition (tests/unit/ops/hue-saturation.test.ts): no second reference
    ref: null,
    ours: { op: 'hue-saturation', params: { hue: 15, saturation: 20 } },
    plain: null,
    reused: true,
    nudge: { hue: 15 + 1e-9, saturation: 20 },
  }),
  median2: () => ({ title: 'median radius 2 (5×5)', border: 2, ref: null, ours: { op: 'median', params: { radius: 2 } }, plain: null }),
  median5: () => ({ title: 'median radius 5 (11×11)', border: 5, ref: null, ours: { op: 'median', params: { radius: 5 } }, plain: null }),
  box2: () => ({ title: 'box blur radius 2 (5×5)', border: 2, ref: null, ours: { op: 'box-blur', params: { radius: 2 } }, plain: null }),
  box5: () => ({ title: 'box blur radius 5 (11×11)', border: 5, ref: null, ours: { op: 'box-blur', params: { radius: 5 } }, plain: null }),
  sharpen: () => ({
    title: '3×3 sharpen',
    border: 1,
    ref: () => sharpenRef(src),
    ours: { op: 'convolve', params: { matrix: [...SHARPEN] } },
    plain: () => sharpenPlain(src),
  }),
};

const kctx: KernelContext = { signal: new AbortController().signal, started() {}, progress() {} };

function oursImpl(spec: OpSpec): Impl | { missing: string } {
  const o = spec.ours && ops.find((x) => x.id === spec.ours!.op);
  if (!o || !spec.ours) return { missing: `no op yet (${spec.ours?.op ?? '?'})` };
  const params = alternating(o, spec);
  const input: Image = { width: src.width, height: src.height, data: src.data };
  return {
    library: 'Pipette (ours)',
    how: `op '${o.id}' v${o.version} kernel, main thread, RGBA in → RGBA out${spec.nudge ? NUDGED : ''}`,
    prepare: () => ({ out: null as any }),
    run: async (st) => {
      st.out = (await o.kernel({ image: input }, params(), kctx))['image'];
    },
    read: (st) => ({ width: st.out.width, height: st.out.height, data: st.out.data, channels: 4 }),
  };
}

/**
 * Ours writing into one output image made once and reused from run to run (handed to the kernel as
 * a whole-image tile target, the way the pool hands a tiled step its shared output): the kernel
 * without the fresh 48 MB allocation that the plain "ours" row pays on every run. With `memo`, for
 * an op with a colour memo (src/ops/colour-memo.ts): every run repeats the parameters of the run
 * before (an edit upstream of the step), so after the first, untimed, the memo maps each pixel with
 * one table read and computes only colours it has not seen.
 */
function reusedImpl(spec: OpSpec, memo = false): Impl | null {
  const o = spec.ours && ops.find((x) => x.id === spec.ours!.op);
  if (!o || !spec.ours || (memo && !spec.nudge)) return null;
  const same = memo ? resolveParams(o, spec.ours.params as never) : undefined;
  const params = same ? () => same : alternating(o, spec);
  const input: Image = { width: src.width, height: src.height, data: src.data };
  const into = createImage(src.width, src.height);
  const ctx: KernelContext = { ...kctx, tile: { from: 0, to: src.height, into } };
  const how = `op '${o.id}' v${o.version} kernel, main thread, RGBA in → one RGBA output allocated once and written again each run`;
  return {
    library: memo ? 'Pipette (ours, into a reused output, the same parameters again: colour memo)' : 'Pipette (ours, into a reused output)',
    how: memo ? `${how}, each run with the parameters of the run before (as a step below an edit reruns); the first run, untimed, fills the memo` : `${how}${spec.nudge ? NUDGED : ''}`,
    prepare: async () => {
      if (memo) await o.kernel({ image: input }, params(), ctx);
      return { out: null as any };
    },
    run: async (st) => {
      st.out = (await o.kernel({ image: input }, params(), ctx))['image'];
    },
    read: (st) => ({ width: st.out.width, height: st.out.height, data: st.out.data, channels: 4 }),
  };
}

/**
 * Ours through the worker pool with one worker per core, for tile-safe ops: the step runs as row
 * bands on every worker at once (src/ops/tiles.ts). The input is copied into shared memory once,
 * untimed (as the anchors get their own form); each timed run is one `pool.run`, from the task to the
 * assembled result, without the node thumbnail (the main-thread row makes none either).
 *
 * With `pooled`, each run writes into a buffer from the pool's free list (src/workers/pixel-pool.ts),
 * as the app's steps do in a session of edits and as the anchors write into their own reused
 * memory: before each run, untimed, the output of the run before is collected (measure's gc) and its
 * buffer comes back. Without, an output usually comes back too late and each run writes fresh
 * memory, whose page faults cost ~12 ms a megapixel on some hosts.
 */
function tiledImpl(spec: OpSpec, pool: WorkerPool, pooled = false): Impl | null {
  const o = spec.ours && ops.find((x) => x.id === spec.ours!.op);
  if (!o || !spec.ours || !o.tile || pool.size < 2) return null;
  const params = alternating(o, spec);
  const input = createImage(src.width, src.height);
  input.data.set(src.data);
  let seq = 0;
  return {
    library: `Pipette (ours, tiled ×${pool.size}${pooled ? ', into pooled outputs' : ''})`,
    how: `op '${o.id}' v${o.version} through the worker pool, ${pool.size} workers, ${o.tile.resample ? 'one band of output rows each (reading the input rows its windows reach)' : `one row band each (halo ${o.tile.halo(resolveParams(o, spec.ours.params as never))} rows)`}, shared RGBA in → shared RGBA out${pooled ? POOLED : ''}${spec.nudge ? NUDGED : ''}`,
    prepare: async () => {
      // untimed: wait (at most a second) for the output of the run before to come back to the pool
      const t0 = now();
      while (pooled && pool.pixels.stats.freeBytes < src.data.length && now() - t0 < 1000) await new Promise((r) => setTimeout(r, 5));
      return { out: null as any };
    },
    run: async (st) => {
      const task = { nodeId: 'bench', op: o, params: params(), key: `tiled-${++seq}`, inputs: { image: input }, priority: PRIORITY.interactive };
      st.out = (await pool.run(task, { signal: new AbortController().signal, started() {}, progress() {} }))['image'];
    },
    read: (st) => ({ width: st.out.width, height: st.out.height, data: st.out.data, channels: 4 }),
  };
}

const POOLED = ', a buffer from the pool\'s free list (before each run, untimed, the output of the run before is collected and its buffer returned, as in a session of edits)';
const NUDGED = '; its parameters alternate with a nudged copy from run to run (so no run is served by the colour memo)';

/** The spec's parameters for ours, resolved; with `nudge`, they and the nudged ones by turns. */
function alternating(o: OpDef, spec: OpSpec): () => Params {
  const params = resolveParams(o, spec.ours!.params as never);
  if (!spec.nudge) return () => params;
  const nudged = resolveParams(o, spec.nudge as never);
  let turn = 0;
  return () => (turn++ & 1 ? nudged : params);
}

function plainImpl(spec: OpSpec): Impl | null {
  const plain = spec.plain;
  if (!plain) return null;
  return {
    library: 'plain JS loop',
    how: 'straightforward loop on RGBA bytes (bench/src/plain.ts)',
    prepare: () => ({ out: null as any }),
    run: (st) => {
      st.out = plain();
    },
    read: (st) => ({ ...st.out, channels: 4 }),
  };
}

export interface Row {
  readonly library: string;
  readonly how: string;
  readonly times?: number[];
  readonly ms?: number;
  readonly minMs?: number;
  readonly mps?: number;
  /** Only one (cold) run was made because it is slow. */
  readonly single?: boolean;
  readonly diff?: ReturnType<typeof diff>;
  readonly error?: string;
}

/** Warm-up, then up to 5 timed runs within ~4 s (at least 3); a run over 2.5 s is measured once. */
async function measure(impl: Impl, ref: Rgba | null, border: number): Promise<Row> {
  const base = { library: impl.library, how: impl.how };
  const mp = (src.width * src.height) / 1e6;
  let out: Output | undefined;
  const times: number[] = [];
  try {
    gc();
    let st = await impl.prepare();
    let t0 = now();
    await impl.run(st);
    const first = now() - t0;
    const single = first > 2500;
    if (single) {
      times.push(first);
      out = impl.read(st);
    }
    impl.dispose?.(st);
    const start = now();
    for (let r = 0; !single && r < 5 && (r < 3 || now() - start < 4000); r++) {
      gc();
      st = await impl.prepare();
      t0 = now();
      await impl.run(st);
      times.push(now() - t0);
      if (r === 0) out = impl.read(st);
      impl.dispose?.(st);
    }
    const ms = median(times);
    return { ...base, times, ms, minMs: Math.min(...times), mps: mp / (ms / 1000), single, diff: out && ref ? diff(out, ref, border, out.channels) : undefined };
  } catch (e) {
    return { ...base, times, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
  }
}

async function kernelOp(id: OpId) {
  const spec = SPECS[id]();
  const t0 = now();
  const ref = spec.ref ? spec.ref() : null;
  const refMs = now() - t0;
  const rows: Row[] = [];
  const ours = oursImpl(spec);
  if ('missing' in ours) rows.push({ library: 'Pipette (ours)', how: ours.missing, error: ours.missing });
  else rows.push(await measure(ours, ref, spec.border));
  const reused = spec.reused ? reusedImpl(spec) : null;
  if (reused) rows.push(await measure(reused, ref, spec.border));
  const memo = spec.reused ? reusedImpl(spec, true) : null;
  if (memo) rows.push(await measure(memo, ref, spec.border));
  // the targets measured on 2 cores (bench/run.mjs takes the tiled row where there is one)
  if (id === 'gauss5' || id === 'gauss20' || id === 'resize' || id === 'hsl' || id === 'sharpen') {
    const pool = new WorkerPool({ size: navigator.hardwareConcurrency || 2, thumbnailSize: 0 });
    try {
      for (const pooled of [false, true]) {
        const tiled = tiledImpl(spec, pool, pooled);
        if (tiled) rows.push(await measure(tiled, ref, spec.border));
      }
    } finally {
      pool.dispose();
    }
  }
  for (const impl of anchors.impls(id, src)) rows.push(await measure(impl, ref, spec.border));
  const plain = plainImpl(spec);
  if (plain) rows.push(await measure(plain, ref, spec.border));
  return { id, title: spec.title, megapixels: (src.width * src.height) / 1e6, refMs, border: spec.border, rows };
}

// ---- Plumbing -------------------------------------------------------------------------------------

async function plumbing() {
  const bytes = src.data.length;
  const a = new Uint8Array(bytes);
  a.set(src.data);
  const b = new Uint8Array(bytes);
  const rows: { what: string; ms: number; times: number[] }[] = [];
  const time = async (what: string, reps: number, f: () => unknown) => {
    await f();
    const times: number[] = [];
    for (let i = 0; i < reps; i++) {
      const t0 = now();
      await f();
      times.push(now() - t0);
    }
    rows.push({ what, ms: median(times), times });
  };
  await time('TypedArray.set of 48 MB into a preallocated array', 15, () => b.set(a));
  await time('TypedArray.slice of 48 MB (allocate + copy)', 8, () => void a.slice());
  // What a pointwise kernel's copies cost (src/ops/pixels.ts, pointwiseInWasm): the image is a
  // SharedArrayBuffer, copied in 128 kB chunks into WebAssembly memory and out into another one.
  const shared = createImage(src.width, src.height);
  shared.data.set(src.data);
  const sharedOut = createImage(src.width, src.height);
  await time('TypedArray.set of 48 MB between two SharedArrayBuffers', 15, () => sharedOut.data.set(shared.data));
  const k = await loadKernels();
  const chunk = 1 << 17;
  const wasm = k.bytes(k.arena().alloc(chunk), chunk);
  await time('48 MB SharedArrayBuffer → WebAssembly memory → SharedArrayBuffer in 128 kB chunks (a pointwise kernel\'s copies)', 15, () => {
    for (let p = 0; p < bytes; p += chunk) {
      const n = Math.min(chunk, bytes - p);
      const view = n === chunk ? wasm : wasm.subarray(0, n);
      view.set(shared.data.subarray(p, p + n));
      sharedOut.data.set(view, p);
    }
  });

  const worker = new Worker(new URL('./echo.worker.ts', import.meta.url), { type: 'module' });
  const roundTrip = (buf: ArrayBuffer, transfer: boolean) =>
    new Promise<ArrayBuffer>((resolve) => {
      worker.onmessage = (e: MessageEvent<{ buf: ArrayBuffer }>) => resolve(e.data.buf);
      if (transfer) worker.postMessage({ buf, transfer }, [buf]);
      else worker.postMessage({ buf, transfer });
    });
  let buf = new Uint8Array(bytes).buffer;
  await time('postMessage 48 MB to a worker and back, transferred', 15, async () => {
    buf = await roundTrip(buf, true);
  });
  await time('postMessage 48 MB to a worker and back, structured-clone copy', 6, async () => {
    await roundTrip(buf, false);
  });
  worker.terminate();
  return { bytes, rows };
}

// ---- PNG codec --------------------------------------------------------------------------------------

/**
 * The app's PNG codec (workers/png.ts: exact straight alpha) against the browser's own (a 2D
 * canvas: convertToBlob, createImageBitmap + getImageData, which premultiplies), on the 12 MP test
 * image opaque and with an alpha ramp. Run on this page's thread; the app runs both in a worker.
 */
async function codec() {
  const rows: { what: string; ms: number; mb: number; times: number[] }[] = [];
  const time = async (what: string, reps: number, f: () => Promise<number>) => {
    let mb = await f();
    const times: number[] = [];
    for (let i = 0; i < reps; i++) {
      const t0 = now();
      mb = await f();
      times.push(now() - t0);
    }
    rows.push({ what, ms: median(times), mb, times });
  };
  const opaque: Image = { width: src.width, height: src.height, data: new Uint8ClampedArray(src.data) };
  const alpha: Image = { width: src.width, height: src.height, data: new Uint8ClampedArray(src.data) };
  for (let i = 3, p = 0; i < alpha.data.length; i += 4, p++) alpha.data[i] = (p % src.width) & 255;
  const canvasEncode = async (img: Image) => {
    const c = new OffscreenCanvas(img.width, img.height);
    c.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(img.data), img.width, img.height), 0, 0);
    return c.convertToBlob({ type: 'image/png' });
  };
  const canvasDecode = async (blob: Blob) => {
    const bmp = await createImageBitmap(blob, { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
    const g = new OffscreenCanvas(bmp.width, bmp.height).getContext('2d', { willReadFrequently: true })!;
    g.drawImage(bmp, 0, 0);
    bmp.close();
    return g.getImageData(0, 0, g.canvas.width, g.canvas.height);
  };
  for (const [name, img] of [['opaque', opaque], ['alpha ramp', alpha]] as const) {
    const ours = await encodePng(img);
    const theirs = await canvasEncode(img);
    await time(`encode ${name}: ours (png.ts)`, 3, async () => (await encodePng(img)).size / 1e6);
    await time(`encode ${name}: canvas convertToBlob`, 3, async () => (await canvasEncode(img)).size / 1e6);
    const bytes = new Uint8Array(await ours.arrayBuffer());
    await time(`decode ${name}: ours (png.ts), our file`, 3, async () => {
      await decodePng(bytes);
      return ours.size / 1e6;
    });
    await time(`decode ${name}: createImageBitmap + getImageData, our file`, 3, async () => {
      await canvasDecode(ours);
      return ours.size / 1e6;
    });
    const theirBytes = new Uint8Array(await theirs.arrayBuffer());
    await time(`decode ${name}: ours (png.ts), the canvas's file`, 3, async () => {
      await decodePng(theirBytes);
      return theirs.size / 1e6;
    });
  }
  return { rows };
}

// ---- Engine overhead ------------------------------------------------------------------------------

const CHAIN_OPS: [string, (i: number) => Record<string, unknown>][] = [
  ['invert', () => ({})],
  ['brightness-contrast', (i) => ({ brightness: (i % 100) - 50, contrast: i % 7 })],
  ['levels', (i) => ({ gamma: 0.5 + (i % 20) / 10 })],
  ['gaussian-blur', (i) => ({ sigma: 1 + (i % 10) })],
  ['hue-saturation', (i) => ({ hue: i % 180 })],
];

/** A chain: a w×h gradient source, then n−1 steps cycling through common operations. */
function chainDoc(n: number, w: number, h: number, angle: number) {
  const nodes = [{ id: 'n0', op: 'gradient', params: { width: w, height: h, kind: 'linear', angle } }];
  const edges = [];
  for (let i = 1; i < n; i++) {
    const [op, params] = CHAIN_OPS[(i - 1) % CHAIN_OPS.length]!;
    nodes.push({ id: `n${i}`, op, params: params(i) as never });
    edges.push({ from: { node: `n${i - 1}`, port: 'image' }, to: { node: `n${i}`, port: 'image' } });
  }
  return { format: 'pipette-graph', version: 1, graph: { nodes, edges } };
}

async function engine() {
  const N = 1000;
  const graph: Graph = parseGraphDocument(JSON.stringify(chainDoc(N, 1, 1, 0)), registry).graph;

  // keying (validation, topological order and content keys)
  for (let i = 0; i < 5; i++) keyGraph(graph, registry);
  const keyTimes: number[] = [];
  for (let i = 0; i < 25; i++) {
    const t0 = now();
    keyGraph(graph, registry);
    keyTimes.push(now() - t0);
  }

  // dispatch with no-op kernels in-process: every step is a job through the scheduler and the one
  // queue (a QueuedExecutor of two, as the lanes of a 2-worker pool would be)
  const dummy: Image = { width: 1, height: 1, data: new Uint8ClampedArray(4) };
  const noop = new QueuedExecutor<Value>({ run: () => Promise.resolve({ image: dummy }) }, { concurrency: 2 });
  const runTimes: number[] = [];
  for (let r = 0; r < 6; r++) {
    const sched = new Scheduler<Value>({ registry, executor: noop });
    const t0 = now();
    await sched.run(graph).done;
    runTimes.push(now() - t0);
  }
  runTimes.shift();

  // planning with everything cached: key, plan and serve 1000 steps from the memory store
  const store = new MemoryStore<Value>({ budgetBytes: 1 << 30, sizeOf: (o) => Object.values(o).reduce<number>((s, v) => s + valueBytes(v), 0) });
  const filled = new Scheduler<Value>({ registry, executor: noop, store });
  await filled.run(graph).done;
  const cachedTimes: number[] = [];
  for (let r = 0; r < 6; r++) {
    const t0 = now();
    await filled.run(graph).done;
    cachedTimes.push(now() - t0);
  }
  cachedTimes.shift();

  const keyMs = median(keyTimes);
  const runMs = median(runTimes);
  return {
    steps: N,
    keyMs,
    keyTimes,
    noopRunMs: runMs,
    noopPerStepMs: runMs / N,
    noopDispatchPerStepMs: Math.max(0, runMs - keyMs) / N,
    cachedRunMs: median(cachedTimes),
  };
}

function memoryRuntime(poolSize: number): Runtime {
  const store = new MemoryStore<Value>({ budgetBytes: 1 << 30, sizeOf: (o) => Object.values(o).reduce<number>((s, v) => s + valueBytes(v), 0) });
  return new Runtime({ store, poolSize, debounceMs: 0 });
}

/** Per-step cost through the real worker pool: a chain of steps on a 1×1 image (the kernels do ~nothing). */
async function poolDispatch() {
  const N = 100;
  const rt = memoryRuntime(navigator.hardwareConcurrency || 2);
  const times: number[] = [];
  try {
    for (let r = 0; r < 5; r++) {
      const t0 = now();
      rt.loadGraphText(JSON.stringify(chainDoc(N, 1, 1, r)));
      await rt.live.whenIdle();
      times.push(now() - t0);
      const states = rt.report().map((s) => s.state);
      if (states.some((s) => s !== 'done')) throw new Error(`unexpected states: ${[...new Set(states)].join(', ')}`);
    }
  } finally {
    rt.dispose();
  }
  const first = times.shift()!;
  const ms = median(times);
  return { steps: N, firstMs: first, ms, times, perStepMs: ms / N, poolSize: navigator.hardwareConcurrency || 2 };
}

/** Two independent branches after a 12 MP source, pool of 1 worker against one per core. */
async function parallel() {
  const doc = (s: number) => ({
    format: 'pipette-graph',
    version: 1,
    graph: {
      nodes: [
        { id: 'src', op: 'gradient', params: { width: 4000, height: 3000, kind: 'radial' } },
        { id: 'a1', op: 'gaussian-blur', params: { sigma: 5 + s } },
        { id: 'a2', op: 'levels', params: { gamma: 1.2 + s } },
        { id: 'b1', op: 'gaussian-blur', params: { sigma: 7 + s } },
        { id: 'b2', op: 'levels', params: { gamma: 0.8 + s } },
      ],
      edges: [
        ['src', 'a1'],
        ['a1', 'a2'],
        ['src', 'b1'],
        ['b1', 'b2'],
      ].map(([a, b]) => ({ from: { node: a!, port: 'image' }, to: { node: b!, port: 'image' } })),
    },
  });
  const result: Record<string, { ms: number; times: number[]; steps: Record<string, number | null>; lanes: string[] }> = {};
  const cores = navigator.hardwareConcurrency || 2;
  for (const size of [1, cores]) {
    const rt = memoryRuntime(size);
    try {
      // warm-up: the source is computed and cached, the workers started, their wasm instantiated
      rt.loadGraphText(JSON.stringify(doc(0)));
      await rt.live.whenIdle();
      const times: number[] = [];
      let steps: Record<string, number | null> = {};
      let lanes: string[] = [];
      for (let r = 1; r <= 6; r++) {
        gc();
        const t0 = now();
        const events: string[] = [];
        // which worker ran what, and when (ms from the edit): shows whether the branches overlapped
        const stop = rt.subscribe((e) => {
          if (e.source === 'pool' && (e.event.type === 'task-start' || e.event.type === 'task-end')) {
            const ev = e.event;
            events.push(`${(now() - t0).toFixed(0)} ${ev.type === 'task-start' ? 'start' : 'end'} ${'node' in ev ? (ev.node ?? ev.kind) : ''} lane ${ev.lane}`);
          }
        });
        // only the four branch steps change: the source comes from the cache
        rt.loadGraphText(JSON.stringify(doc(r * 0.01)));
        await rt.live.whenIdle();
        times.push(now() - t0);
        const states = rt.report().map((s) => s.state);
        if (states.filter((s) => s === 'done').length !== 4) throw new Error(`unexpected states: ${states.join(', ')}`);
        stop();
        lanes = events;
        steps = Object.fromEntries(rt.report().map((s) => [s.id, s.durationMs]));
      }
      result[`pool${size}`] = { ms: median(times), times, steps, lanes };
    } finally {
      rt.dispose();
    }
  }
  const one = result['pool1']!.ms;
  const all = result[`pool${cores}`]!.ms;
  return { cores, pool1: result['pool1'], poolAll: result[`pool${cores}`], speedup: one / all, tiled: await tiledBlur(cores) };
}

/**
 * One gaussian blur σ=5 step on a 12 MP image through the worker pool: 1 worker (whole image) against
 * one per core (row bands on every worker, src/ops/tiles.ts). A real step: thumbnail included. The
 * two pools take turns, so that both see the same state of the machine (on this VM, step times
 * drift as memory is churned).
 */
async function tiledBlur(cores: number) {
  const blur = opDef('gaussian-blur')!;
  const params = resolveParams(blur, { sigma: 5 });
  const image = createImage(src.width, src.height);
  image.data.set(src.data);
  const sizes = [1, cores];
  const bands = [0, 0];
  const pools = sizes.map((size, i) => new WorkerPool({ size, onEvent: (e) => void (e.type === 'task-start' && / · band /.test(e.label) && bands[i]!++) }));
  const times: number[][] = sizes.map(() => []);
  try {
    const run = (i: number, key: string) =>
      pools[i]!.run({ nodeId: 'blur', op: blur, params, key, inputs: { image }, priority: PRIORITY.interactive }, { signal: new AbortController().signal, started() {}, progress() {} });
    for (let i = 0; i < sizes.length; i++) await run(i, 'warm-up'); // workers started, wasm instantiated, memory grown
    bands.fill(0);
    for (let r = 0; r < 6; r++) {
      for (let i = 0; i < sizes.length; i++) {
        gc();
        const t0 = now();
        await run(i, `r${r}`);
        times[i]!.push(now() - t0);
      }
    }
  } finally {
    for (const p of pools) p.dispose();
  }
  const row = (i: number) => ({ ms: median(times[i]!), times: times[i]!, bands: bands[i]! / 6 });
  const one = row(0);
  const all = row(1);
  return { sigma: 5, megapixels: (src.width * src.height) / 1e6, pool1: one, poolAll: all, speedup: one.ms / all.ms };
}

/**
 * Cancelling a running 12 MP gaussian blur in the worker pool: from abort() to the task's promise
 * settling, and to the next (tiny) task finishing on the same pool — i.e. how soon the pool is
 * usable again. The kernel checks the shared cancel flag between bands.
 */
async function cancelLatency() {
  const blur = opDef('gaussian-blur')!;
  const invert = opDef('invert')!;
  const pool = new WorkerPool({ size: 1 });
  const img = createImage(4000, 3000);
  img.data.set(src.data.subarray(0, img.data.length));
  const tiny = createImage(1, 1);
  const task = (op: typeof blur, image: Image, key: string) => ({
    nodeId: key,
    op,
    params: resolveParams(op, op.id === 'gaussian-blur' ? { sigma: 5 } : {}),
    key,
    inputs: { image },
    priority: PRIORITY.interactive,
  });
  const rejectMs: number[] = [];
  const usableMs: number[] = [];
  try {
    await pool.run(task(invert, tiny, 'warm'), { signal: new AbortController().signal, started() {}, progress() {} });
    for (let r = 0; r < 6; r++) {
      const ac = new AbortController();
      let started!: () => void;
      const running = new Promise<void>((res) => (started = res));
      const p = pool.run(task(blur, img, `blur${r}`), { signal: ac.signal, started() {}, progress: () => started() });
      await running;
      await new Promise((res) => setTimeout(res, 20));
      const t0 = now();
      ac.abort(new DOMException('Cancelled', 'AbortError'));
      await p.catch(() => {});
      rejectMs.push(now() - t0);
      await pool.run(task(invert, tiny, `next${r}`), { signal: new AbortController().signal, started() {}, progress() {} });
      usableMs.push(now() - t0);
    }
  } finally {
    pool.dispose();
  }
  return { rejectMs: median(rejectMs), usableMs: median(usableMs), usableMax: Math.max(...usableMs), replaced: 0 };
}

(window as any).bench = { init, kernelOp, plumbing, codec, engine, poolDispatch, parallel, cancelLatency, percentile };
document.getElementById('status')!.textContent = 'ready';
